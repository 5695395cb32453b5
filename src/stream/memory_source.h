// A RecordSource over records held in memory: tests and the broker-less benchmark.
#pragma once

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
  struct Stored {
    std::string value;
    std::optional<std::string> key;
    int64_t timestamp_ms = 0;
    bool null_value = false;
  };
  struct Log {
    int64_t low = 0;
    std::vector<Stored> records;  // records[i] has offset i (those below low are dropped)
  };
  mutable std::mutex mu_;
  std::map<TopicPartition, Log> logs_;
};

}  // namespace lakestream::stream
