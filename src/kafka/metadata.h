// Cluster metadata and offset lookups on any librdkafka handle: topics, partitions with their
// leaders and replicas, watermarks, offsets for timestamps.
//
// Every call is one or a few round trips bounded by `timeout`; errors carry the topic and
// partition. Thread-safe (librdkafka handles may be shared), but blocking.
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/topic_partition.h"

namespace lakestream::kafka {

struct PartitionMetadata {
  int32_t id = 0;
  int32_t leader = -1;  // broker id, -1 when leaderless
  std::vector<int32_t> replicas;
  std::vector<int32_t> isr;
};

struct TopicMetadata {
  std::string name;
  std::vector<PartitionMetadata> partitions;  // sorted by id
  int replication() const {
    return partitions.empty() ? 0 : static_cast<int>(partitions.front().replicas.size());
  }
};

struct BrokerMetadata {
  int32_t id = 0;
  std::string host;
  int port = 0;
};

struct ClusterMetadata {
  std::vector<BrokerMetadata> brokers;
  std::vector<TopicMetadata> topics;  // sorted by name; internal topics ("__*") excluded
};

// Metadata of every topic. Asks for all topics instead of naming one so that brokers with
// auto-topic-creation (and librdkafka's mock) do not create the topic being looked up.
// kUnavailable / kTimeout when no broker answers.
Result<ClusterMetadata> fetch_metadata(rd_kafka_t* rk, std::chrono::milliseconds timeout);

// Every partition of every topic whose whole name matches the POSIX extended regex `pattern` (the
// dialect librdkafka's own regex subscriptions use, so both agree; Spark's subscribePattern),
// sorted; internal "__*" topics excluded. Empty when none matches; kInvalidArgument for a bad regex.
Result<std::vector<TopicPartition>> partitions_matching(rd_kafka_t* rk, std::string_view pattern,
                                                        std::chrono::milliseconds timeout);

// One topic's metadata; kNotFound when the cluster has no such topic.
Result<TopicMetadata> describe_topic(rd_kafka_t* rk, std::string_view topic,
                                     std::chrono::milliseconds timeout);

// Low/high watermarks of each partition, in the order given, with one ListOffsets request per
// leader (not one round trip per partition). kNotFound for an unknown partition.
Result<std::vector<Watermarks>> query_watermarks(rd_kafka_t* rk,
                                                 const std::vector<TopicPartition>& partitions,
                                                 std::chrono::milliseconds timeout);

// For each partition, the earliest offset whose record timestamp is >= the timestamp given
// (milliseconds since the epoch), or the high watermark when no such record exists yet.
Result<std::vector<PartitionOffset>> offsets_for_times(
    rd_kafka_t* rk, const std::vector<TopicPartition>& partitions,
    const std::vector<int64_t>& timestamps_ms, std::chrono::milliseconds timeout);

}  // namespace lakestream::kafka
