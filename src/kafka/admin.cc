#include "kafka/admin.h"

#include <fmt/format.h>

#include "kafka/errors.h"
#include "kafka/handles.h"
#include "kafka/metadata.h"

namespace lakestream::kafka {

Status create_topic(const KafkaConfig& config, const NewTopicSpec& spec,
                    std::chrono::milliseconds timeout) {
  const std::string* bootstrap = config.get("bootstrap.servers");
  std::string where = bootstrap ? *bootstrap : std::string("(no bootstrap servers)");
  std::string context = fmt::format("create topic {}", spec.name);
  if (spec.partitions < 1) {
    return invalid_argument(fmt::format("{}: partitions must be >= 1", context));
  }
  LS_ASSIGN_OR_RETURN(KafkaPtr rk, create_handle(RD_KAFKA_PRODUCER, config));

  // Reach the cluster first: "unreachable" is a clearer answer than an admin timeout, and the
  // broker count lets us reject an impossible replication factor with a readable message.
  auto md = fetch_metadata(rk.get(), timeout);
  if (!md.ok()) {
    return Status(md.status().code(), fmt::format("{}: cannot reach Kafka at {}: {}", context,
                                                  where, md.status().message()));
  }
  for (const TopicMetadata& t : md->topics) {
    if (t.name == spec.name) {
      return already_exists(
          fmt::format("{}: topic already exists with {} partitions", context, t.partitions.size()));
    }
  }
  if (spec.replication > static_cast<int>(md->brokers.size())) {
    return invalid_argument(fmt::format("{}: replication factor {} exceeds the {} broker(s) at {}",
                                        context, spec.replication, md->brokers.size(), where));
  }

  char errstr[512];
  NewTopicPtr topic(rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions, spec.replication,
                                          errstr, sizeof errstr));
  if (!topic) return invalid_argument(fmt::format("{}: {}", context, errstr));
  for (const auto& [k, v] : spec.configs) {
    LS_RETURN_IF_ERROR(kafka_status(rd_kafka_NewTopic_set_config(topic.get(), k.c_str(), v.c_str()),
                                    fmt::format("{}: config {}", context, k)));
  }
  AdminOptionsPtr options(rd_kafka_AdminOptions_new(rk.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS));
  int ms = static_cast<int>(timeout.count());
  rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, errstr, sizeof errstr);
  rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, errstr, sizeof errstr);
  QueuePtr queue(rd_kafka_queue_new(rk.get()));
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(rk.get(), topics, 1, options.get(), queue.get());

  // The request timeout above bounds this wait; the extra second covers librdkafka's own timer.
  EventPtr event(rd_kafka_queue_poll(queue.get(), ms + 1000));
  if (!event) {
    return timeout_error(fmt::format(
        "{}: no answer from {} within {} ms (librdkafka's mock dev broker does not implement "
        "CreateTopics: create topics there with `lakestream broker --topic NAME:PARTITIONS` or "
        "its `create-topic` control command)",
        context, where, ms));
  }
  rd_kafka_resp_err_t err = rd_kafka_event_error(event.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    std::string hint;
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
      hint =
          " (librdkafka's mock dev broker does not implement CreateTopics: create topics there "
          "with `lakestream broker --topic NAME:PARTITIONS` or its `create-topic` control command)";
    }
    return Status(status_code_for(err),
                  fmt::format("{}: {} ({}){}", context, rd_kafka_event_error_string(event.get()),
                              rd_kafka_err2name(err), hint));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    rd_kafka_resp_err_t terr = rd_kafka_topic_result_error(results[i]);
    if (terr != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return Status(status_code_for(terr),
                    fmt::format("{}: {} ({})", context, msg ? msg : rd_kafka_err2str(terr),
                                rd_kafka_err2name(terr)));
    }
  }
  return Status();
}

}  // namespace lakestream::kafka
