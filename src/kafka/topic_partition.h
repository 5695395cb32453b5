// Plain value types naming Kafka partitions and offsets, shared by the metadata, admin and
// consumer APIs. Offsets follow Kafka's convention: an offset range [start, end) holds the
// records with start <= offset < end; a partition's high watermark is the offset the next record
// will get.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace lakestream::kafka {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

// The offsets currently in a partition's log: [low, high).
struct Watermarks {
  TopicPartition tp;
  int64_t low = 0;   // log start offset (moves forward with retention)
  int64_t high = 0;  // next offset to be written
};

// One partition's slice of a micro-batch: records with start <= offset < end.
struct OffsetRange {
  TopicPartition tp;
  int64_t start = 0;
  int64_t end = 0;
  int64_t size() const { return end - start; }
};

// An offset to commit or seek to for one partition.
struct PartitionOffset {
  TopicPartition tp;
  int64_t offset = 0;
};

}  // namespace lakestream::kafka
