// Where a micro-batch's records come from: exact offset ranges of topic-partitions.
//
// The engine needs three things from Kafka: the partitions of the subscribed topics, their
// watermarks (to plan), and the records of an exact range [start, end) (to build files whose
// content a replay can reproduce). KafkaSource (kafka_source.h) serves them from a broker;
// MemorySource (memory_source.h) from memory, for tests and the broker-less benchmark.
//
// Thread-safety: fetch() may be called concurrently for different partitions; the other methods
// from one thread, not while fetches run (prepare() in particular).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "checkpoint/topic_partition.h"
#include "common/status.h"

namespace lakestream::stream {

using checkpoint::OffsetRange;
using checkpoint::TopicPartition;

struct SourceRecord {
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::span<const uint8_t> key;
  std::span<const uint8_t> value;
  bool key_null = true;
  bool value_null = true;
};

struct PartitionWatermarks {
  TopicPartition tp;
  int64_t low = 0;   // first offset still in the log
  int64_t high = 0;  // next offset to be written
};

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Partitions of `topics`, sorted. kNotFound for an unknown topic.
  virtual Result<std::vector<TopicPartition>> partitions(
      const std::vector<std::string>& topics) = 0;
  // Partitions of every topic whose whole name matches the POSIX extended regex `pattern`
  // (Spark's subscribePattern), sorted; internal "__*" topics excluded. Empty when none matches
  // (topics may appear later). kInvalidArgument for a bad regex.
  virtual Result<std::vector<TopicPartition>> partitions_matching(const std::string& pattern) {
    return unimplemented("this source cannot list topics by pattern: " + pattern);
  }
  virtual Result<std::vector<PartitionWatermarks>> watermarks(
      const std::vector<TopicPartition>& partitions) = 0;
  // Optional hint: the ranges the coming fetch() calls will ask for (one micro-batch's tasks, in
  // the order they will most likely be fetched), so the source can read them ahead together.
  // A later fetch() of a range not announced still works. Replaces the previous hint.
  virtual Status prepare(const std::vector<OffsetRange>& /*ranges*/) { return Status(); }
  // Calls `sink` for every record with range.start <= offset < range.end that is still in the
  // log, in offset order (records lost to retention or compaction are skipped). The spans are
  // valid during the call only. Stops at the first error `sink` returns.
  virtual Status fetch(const OffsetRange& range,
                       const std::function<Status(const SourceRecord&)>& sink) = 0;
};

}  // namespace lakestream::stream
