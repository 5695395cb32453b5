// Planning a micro-batch: which offsets of which partitions it reads.
//
// Follows Spark's Kafka source: a partition starts where the checkpoint says it ended, or, the
// first time it is seen, at `startingOffsets` (earliest, latest, or per-partition JSON
// {"topic":{"0":23,"1":-2}} with -2 = earliest and -1 = latest). maxOffsetsPerTrigger caps the
// batch and is split across partitions in proportion to their backlog (Spark's rate limit:
// floor of the share, ceil when the share is below one offset). minPartitions splits the largest
// ranges so that at least that many tasks run in parallel.
//
// Offsets lost to retention (start < the log's low watermark): with failOnDataLoss, kDataLoss
// naming the partition and the lost range; otherwise a warning and a count, and the range still
// starts at the committed end (the fetch simply finds nothing below the low watermark), so the
// checkpoint stays a gap-free chain.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/topic_partition.h"
#include "common/status.h"
#include "stream/source.h"

namespace lakestream::stream {

struct StartingOffsets {
  enum class Kind { kEarliest, kLatest, kSpecific };
  Kind kind = Kind::kEarliest;
  // kSpecific: per partition offset, -2 earliest, -1 latest. Partitions not listed: earliest.
  std::map<TopicPartition, int64_t> specific;
};

// "earliest", "latest" or the JSON form. kInvalidArgument with the reason.
Result<StartingOffsets> parse_starting_offsets(std::string_view text);

struct PlanOptions {
  StartingOffsets starting;
  int64_t max_offsets_per_trigger = 0;  // 0: no cap
  int min_partitions = 0;               // 0: one task per partition
  bool fail_on_data_loss = true;
};

struct PlannedBatch {
  std::vector<OffsetRange> ranges;  // one per partition with new data (committed end -> end)
  // Tasks: the ranges, the large ones split (minPartitions). Each task writes its own file(s).
  std::vector<OffsetRange> tasks;
  int64_t lost_offsets = 0;  // offsets skipped because retention removed them
  std::vector<std::string> warnings;
  bool empty() const { return ranges.empty(); }
};

// Plans the next batch from committed offsets and current watermarks. `limit_high` (optional,
// availableNow) caps each partition's end at the watermark seen when the query started.
Result<PlannedBatch> plan_batch(const checkpoint::OffsetMap& committed,
                                const std::vector<PartitionWatermarks>& marks,
                                const PlanOptions& options,
                                const checkpoint::OffsetMap* limit_high = nullptr);

}  // namespace lakestream::stream
