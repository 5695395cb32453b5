// The records of one micro-batch, as fetched by kafka::Consumer::fetch().
//
// A FetchedBatch owns the librdkafka messages it holds (RAII) and hands out Record views whose
// key and value spans point straight into librdkafka's fetch buffers: no copies. The views stay
// valid as long as the batch lives. Records are grouped per partition, in the order the ranges
// were requested, each partition's records in offset order, so partitions can be decoded in
// parallel (one thread per PartitionRecords; the batch itself is not mutated while read).
//
// Offsets that should have been in a range but were not delivered are reported as gaps:
//  - kRetention: the broker no longer has them (the log start offset moved past them: retention
//    or DeleteRecords). This is Spark's "data loss"; data_loss_status() turns these into one
//    kDataLoss Status naming partitions and offsets. The stream job fails or warns on it
//    (failOnDataLoss).
//  - kMissing: offsets inside the log that carried no record: compacted topics and transaction
//    markers leave such holes by design. Reported for the record, never data loss.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/handles.h"
#include "kafka/topic_partition.h"

namespace lakestream::kafka {

// A view of one Kafka record. Valid while the FetchedBatch that produced it lives.
struct Record {
  std::span<const uint8_t> value;  // empty when the value is null (see value_is_null)
  std::span<const uint8_t> key;    // empty when the key is null (see key_is_null)
  bool value_is_null = false;
  bool key_is_null = false;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;             // -1 when the record has none
  bool timestamp_is_log_append = false;  // broker time instead of producer (CreateTime)
  int32_t partition = 0;
  std::string_view topic;
};

// The records fetched for one requested OffsetRange.
class PartitionRecords {
 public:
  explicit PartitionRecords(OffsetRange range) : range_(std::move(range)) {}
  PartitionRecords(PartitionRecords&&) noexcept = default;
  PartitionRecords& operator=(PartitionRecords&&) noexcept = default;

  const OffsetRange& range() const { return range_; }
  const TopicPartition& tp() const { return range_.tp; }
  size_t size() const { return messages_.size(); }
  bool empty() const { return messages_.empty(); }
  // The i-th record (0 <= i < size()), offsets strictly increasing with i.
  Record operator[](size_t i) const;
  // Sum of key and value bytes.
  size_t payload_bytes() const { return payload_bytes_; }

  // For the consumer: takes ownership of a message of this partition.
  void add(MessagePtr message) {
    payload_bytes_ += message->len + message->key_len;
    messages_.push_back(std::move(message));
  }
  void reserve(size_t n) { messages_.reserve(n); }

 private:
  OffsetRange range_;
  std::vector<MessagePtr> messages_;
  size_t payload_bytes_ = 0;
};

struct OffsetGap {
  enum class Kind { kRetention, kMissing };
  TopicPartition tp;
  int64_t from = 0;  // first missing offset
  int64_t to = 0;    // one past the last missing offset
  Kind kind = Kind::kRetention;
};

class FetchedBatch {
 public:
  FetchedBatch() = default;
  FetchedBatch(FetchedBatch&&) noexcept = default;
  FetchedBatch& operator=(FetchedBatch&&) noexcept = default;

  // One entry per requested range, in request order.
  const std::vector<PartitionRecords>& partitions() const { return partitions_; }
  std::vector<PartitionRecords>& mutable_partitions() { return partitions_; }
  const std::vector<OffsetGap>& gaps() const { return gaps_; }
  std::vector<OffsetGap>& mutable_gaps() { return gaps_; }

  size_t record_count() const;
  size_t payload_bytes() const;
  // Records lost to retention (sum of kRetention gap sizes).
  int64_t lost_record_count() const;

  // OK when no kRetention gap; otherwise kDataLoss: "offsets lost to retention: topic t partition
  // 3 offsets [100, 250) (150 records); ...".
  Status data_loss_status() const;

 private:
  std::vector<PartitionRecords> partitions_;
  std::vector<OffsetGap> gaps_;
};

}  // namespace lakestream::kafka
