#include "stream/kafka_source.h"

#include <fmt/format.h>

#include "kafka/errors.h"
#include "kafka/metadata.h"

namespace lakestream::stream {

Result<std::unique_ptr<KafkaSource>> KafkaSource::open(const kafka::KafkaConfig& config) {
  kafka::KafkaConfig c = config;
  // Our own settings win over passthrough only where correctness depends on them.
  if (!c.get("group.id")) c.set("group.id", "lakestream-stream");
  c.set("enable.auto.commit", "false");
  c.set("enable.auto.offset.store", "false");
  c.set("enable.partition.eof", "true");
  c.set("auto.offset.reset", "earliest");
  if (!c.get("fetch.max.bytes")) c.set("fetch.max.bytes", "16777216");
  // Fetch requests carry every assigned partition; one at its log end would hold the request for
  // the default 500 ms and stall the partitions that still have data.
  if (!c.get("fetch.wait.max.ms")) c.set("fetch.wait.max.ms", "10");
  LS_ASSIGN_OR_RETURN(auto rk, kafka::create_handle(RD_KAFKA_CONSUMER, c));
  return std::unique_ptr<KafkaSource>(new KafkaSource(std::move(rk)));
}

Result<std::vector<TopicPartition>> KafkaSource::partitions(
    const std::vector<std::string>& topics) {
  std::vector<TopicPartition> out;
  for (const auto& topic : topics) {
    LS_ASSIGN_OR_RETURN(auto md, kafka::describe_topic(rk_.get(), topic, timeout_));
    for (const auto& p : md.partitions) out.push_back({topic, p.id});
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<TopicPartition>> KafkaSource::partitions_matching(const std::string& pattern) {
  LS_ASSIGN_OR_RETURN(auto parts, kafka::partitions_matching(rk_.get(), pattern, timeout_));
  std::vector<TopicPartition> out;
  out.reserve(parts.size());
  for (const auto& p : parts) out.push_back({p.topic, p.partition});
  return out;
}

Result<std::vector<PartitionWatermarks>> KafkaSource::watermarks(
    const std::vector<TopicPartition>& partitions) {
  std::vector<kafka::TopicPartition> tps;
  for (const auto& tp : partitions) tps.push_back({tp.topic, tp.partition});
  LS_ASSIGN_OR_RETURN(auto marks, kafka::query_watermarks(rk_.get(), tps, timeout_));
  std::vector<PartitionWatermarks> out;
  for (const auto& m : marks) out.push_back({{m.tp.topic, m.tp.partition}, m.low, m.high});
  return out;
}

Status KafkaSource::change_assignment(const TopicPartition& tp, int64_t offset, bool add) {
  std::lock_guard lock(assign_mu_);
  auto list = kafka::make_partition_list(1);
  rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
  kafka::ErrorPtr err(add ? rd_kafka_incremental_assign(rk_.get(), list.get())
                          : rd_kafka_incremental_unassign(rk_.get(), list.get()));
  return kafka::kafka_status(err.get(),
                             fmt::format("{} {}", add ? "assign" : "unassign", to_string(tp)));
}

Status KafkaSource::fetch(const OffsetRange& range,
                          const std::function<Status(const SourceRecord&)>& sink) {
  if (range.end <= range.start) return Status();
  // The partition's queue, detached from the consumer queue before any record can arrive.
  kafka::QueuePtr queue(
      rd_kafka_queue_get_partition(rk_.get(), range.tp.topic.c_str(), range.tp.partition));
  if (!queue) return internal_error(fmt::format("no queue for {}", to_string(range.tp)));
  rd_kafka_queue_forward(queue.get(), nullptr);
  LS_RETURN_IF_ERROR(change_assignment(range.tp, range.start, true));

  Status result;
  auto deadline = std::chrono::steady_clock::now() + timeout_;
  int64_t next = range.start;
  while (next < range.end) {
    kafka::MessagePtr m(rd_kafka_consume_queue(queue.get(), 200));
    if (!m) {
      if (std::chrono::steady_clock::now() > deadline) {
        result = timeout_error(fmt::format("{}: no record at offset {} within {} ms (range end {})",
                                           to_string(range.tp), next, timeout_.count(), range.end));
        break;
      }
      continue;
    }
    deadline = std::chrono::steady_clock::now() + timeout_;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // Everything up to the log end was delivered; records below `end` that we did not see were
      // removed (compaction, transaction markers).
      if (m->offset >= range.end) break;
      continue;
    }
    if (m->err) {
      result = kafka::kafka_status(m->err,
                                   fmt::format("fetch {} at offset {}", to_string(range.tp), next));
      break;
    }
    if (m->offset < next) continue;  // a re-delivery after a reset
    if (m->offset >= range.end) break;
    SourceRecord r;
    r.offset = m->offset;
    r.timestamp_ms = rd_kafka_message_timestamp(m.get(), nullptr);
    r.value_null = m->payload == nullptr;
    r.value = {static_cast<const uint8_t*>(m->payload), m->len};
    r.key_null = m->key == nullptr;
    r.key = {static_cast<const uint8_t*>(m->key), m->key_len};
    next = m->offset + 1;
    result = sink(r);
    if (!result.ok()) break;
  }
  Status un = change_assignment(range.tp, 0, false);
  rd_kafka_queue_forward(queue.get(), nullptr);
  if (!result.ok()) return result;
  return un;
}

}  // namespace lakestream::stream
