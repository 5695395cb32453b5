#include "kafka/fetched_batch.h"

#include <fmt/format.h>

namespace lakestream::kafka {

Record PartitionRecords::operator[](size_t i) const {
  const rd_kafka_message_t* m = messages_[i].get();
  Record r;
  r.value_is_null = m->payload == nullptr;
  r.key_is_null = m->key == nullptr;
  if (!r.value_is_null) r.value = {static_cast<const uint8_t*>(m->payload), m->len};
  if (!r.key_is_null) r.key = {static_cast<const uint8_t*>(m->key), m->key_len};
  r.offset = m->offset;
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  r.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  if (type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) r.timestamp_ms = -1;
  r.timestamp_is_log_append = type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
  r.partition = m->partition;
  r.topic = range_.tp.topic;
  return r;
}

size_t FetchedBatch::record_count() const {
  size_t n = 0;
  for (const auto& p : partitions_) n += p.size();
  return n;
}

size_t FetchedBatch::payload_bytes() const {
  size_t n = 0;
  for (const auto& p : partitions_) n += p.payload_bytes();
  return n;
}

int64_t FetchedBatch::lost_record_count() const {
  int64_t n = 0;
  for (const auto& g : gaps_) {
    if (g.kind == OffsetGap::Kind::kRetention) n += g.to - g.from;
  }
  return n;
}

Status FetchedBatch::data_loss_status() const {
  std::string detail;
  for (const auto& g : gaps_) {
    if (g.kind != OffsetGap::Kind::kRetention) continue;
    if (!detail.empty()) detail += "; ";
    detail += fmt::format("topic {} partition {} offsets [{}, {}) ({} records)", g.tp.topic,
                          g.tp.partition, g.from, g.to, g.to - g.from);
  }
  if (detail.empty()) return Status();
  return data_loss(
      fmt::format("offsets lost to retention before they were read: {} (the broker deleted them; "
                  "failOnDataLoss=false skips them with a warning)",
                  detail));
}

}  // namespace lakestream::kafka
