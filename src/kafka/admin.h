// Topic administration through librdkafka's Admin API (CreateTopics).
//
// Works against any Kafka broker. librdkafka 2.0.2's mock cluster (`lakestream broker`) does not
// implement CreateTopics: there the request times out and the error says how to create topics on
// the dev broker instead (`lakestream broker --topic NAME:N` or its `create-topic` command).
// Thread-safe per call; blocking up to the timeout.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "kafka/config.h"

namespace lakestream::kafka {

struct NewTopicSpec {
  std::string name;
  int partitions = 1;
  int replication = 1;  // -1: the broker's default.replication.factor
  std::vector<std::pair<std::string, std::string>> configs;  // e.g. {"retention.ms", "86400000"}
};

// Creates the topic and waits until the controller confirms it.
// Errors: kAlreadyExists when the topic exists; kInvalidArgument for a bad partition count or a
// replication factor above the broker count; kUnavailable / kTimeout when the cluster cannot be
// reached (the message names the bootstrap servers); kUnimplemented when the broker lacks
// CreateTopics.
Status create_topic(const KafkaConfig& config, const NewTopicSpec& spec,
                    std::chrono::milliseconds timeout);

}  // namespace lakestream::kafka
