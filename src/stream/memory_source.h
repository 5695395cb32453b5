// A RecordSource over records held in memory: tests and the broker-less benchmark.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "stream/source.h"

namespace lakestream::stream {

class MemorySource final : public RecordSource {
 public:
  // Appends a record to a partition (offsets are assigned in order from 0).
  void append(const TopicPartition& tp, std::string value, std::optional<std::string> key = {},
              int64_t timestamp_ms = 0, bool null_value = false);
  // Creates an empty partition (so that it is listed).
  void add_partition(const TopicPartition& tp);
  // Drops records below `low` (retention).
  void truncate_before(const TopicPartition& tp, int64_t low);

  Result<std::vector<TopicPartition>> partitions(const std::vector<std::string>& topics) override;
  Result<std::vector<TopicPartition>> partitions_matching(const std::string& pattern) override;
  Result<std::vector<PartitionWatermarks>> watermarks(
      const std::vector<TopicPartition>& partitions) override;
  Status fetch(const OffsetRange& range,
               const std::function<Status(const SourceRecord&)>& sink) override;

 private:
  // Records of a partition are packed back to back in one buffer, as Kafka's fetch buffers hold
  // them, so reading a range walks memory in order (a heap string per record made the broker-less
  // benchmark measure cache misses instead of decoding).
  struct Entry {
    size_t value_at = 0;
    uint32_t value_size = 0;
    int32_t key_size = -1;  // -1: null key; the key follows the value in `bytes`
    int64_t timestamp_ms = 0;
    bool null_value = false;
  };
  struct Log {
    int64_t low = 0;
    std::string bytes;
    std::vector<Entry> records;  // records[i] has offset i (those below low are dropped)
  };
  mutable std::mutex mu_;
  std::map<TopicPartition, Log> logs_;
};

}  // namespace lakestream::stream
