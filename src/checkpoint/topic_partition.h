// Kafka coordinates shared by the checkpoint protocols: topic-partitions, offset ranges, offset
// maps.
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>

namespace lakestream::checkpoint {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  bool operator==(const TopicPartition&) const = default;
};

// "topic/3", for logs and error context.
std::string to_string(const TopicPartition& tp);

// Half-open [start, end) range of Kafka offsets of one partition. start == end is an empty range.
struct OffsetRange {
  TopicPartition tp;
  int64_t start = 0;
  int64_t end = 0;
  bool operator==(const OffsetRange&) const = default;
};

// Per partition: the next offset to read (the committed end of the last committed range).
using OffsetMap = std::map<TopicPartition, int64_t>;

}  // namespace lakestream::checkpoint
