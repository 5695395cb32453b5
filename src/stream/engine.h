// The micro-batch engine: plan -> fetch + decode + write (parallel tasks) -> commit -> report.
//
// Each batch reads per-partition offset ranges planned from the checkpoint's committed offsets
// (planner.h), runs one task per range (split further by minPartitions) on `threads` worker
// threads (task_writer.h; each task also writes its own dead letters), and commits the Parquet
// and dead-letter files through the checkpoint store (checkpoint_store.h): in `conditional` mode
// one PUT that also fences other writers. A
// fenced batch is dropped (its files are already deleted) and the next plan starts from the
// winner's offsets. After each batch one JSON progress line (StreamingQueryProgress-like) goes
// to the progress callback.
//
// Triggers: kProcessingTime (a batch every interval, or as soon as the previous one ends if it
// took longer), kOnce (one batch of everything available, ignoring maxOffsetsPerTrigger, as Spark
// does), kAvailableNow (everything available at start, in batches of maxOffsetsPerTrigger).
//
// Stop: run() returns kCancelled-free OK when `stop` becomes true between batches (an in-flight
// batch is finished and committed first), or the first error. Errors leave uncommitted files
// that the next run's recovery removes.
//
// Thread-safety: one run() at a time; `stop` may be set from a signal handler thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_store.h"
#include "storage/call_stats.h"
#include "stream/group_assignment.h"
#include "stream/planner.h"
#include "stream/task_writer.h"

namespace lakestream::stream {

enum class Trigger { kProcessingTime, kOnce, kAvailableNow };

// "1s", "500ms", "2m", "once", "available-now" (also "availableNow"). kInvalidArgument otherwise.
Status parse_trigger(std::string_view text, Trigger* trigger, int64_t* interval_ms);

struct EngineConfig {
  std::vector<std::string> topics;
  // Also every topic matching this POSIX extended regex (Spark's subscribePattern), when not
  // empty: re-listed before each batch so that new matching topics and partitions join (with
  // trigger once/available-now, listed once at start: the query's snapshot).
  std::string topic_pattern;
  PlanOptions plan;
  Trigger trigger = Trigger::kProcessingTime;
  int64_t interval_ms = 1000;
  int threads = 2;
  uint64_t max_batches = 0;  // stop after this many committed batches (0: no limit)
  TaskConfig task;           // source, decoder, output, writer_id, Parquet options, dead-letter dir
  // Consumer-group mode (group_engine.cc) when set: plan only the partitions the group gives us,
  // claim them in the checkpoint on assignment, commit offsets back to the group. Needs
  // kProcessingTime. The checkpoint must have been recovered with an empty claim list.
  PartitionOwnership* ownership = nullptr;
  // Group mode: how long partitions whose batch was fenced stay unplanned while we wait for the
  // group to tell us we lost them (any rebalance event ends the wait); still ours after that,
  // they are claimed again.
  std::chrono::milliseconds fence_hold{10000};
  // Rebalances, fenced commits and per-partition lag (may be empty).
  std::function<void(const EngineEvent&)> on_event;
};

struct EngineTotals {
  uint64_t batches = 0;
  uint64_t fenced = 0;
  uint64_t rows = 0;
  uint64_t bad_records = 0;
  uint64_t files = 0;
  uint64_t bytes = 0;
  int64_t lost_offsets = 0;
  uint64_t rebalances = 0;  // group mode: assigned/revoked/lost events
};

class StreamEngine {
 public:
  // `checkpoint` must be open on the checkpoint store; `data_stats` and `checkpoint_stats` are
  // the counters reported per batch in the progress line (may be null).
  StreamEngine(EngineConfig config, checkpoint::CheckpointStore& checkpoint,
               const storage::CallStats* data_stats, const storage::CallStats* checkpoint_stats,
               std::function<void(const std::string&)> progress);

  Status run(const std::atomic<bool>& stop);
  const EngineTotals& totals() const { return totals_; }

 private:
  Status run_batch(const PlannedBatch& plan, bool* committed);
  Status drop_written_files(const std::vector<std::optional<Result<TaskResult>>>& results,
                            Status failure);
  Result<std::vector<TopicPartition>> list_partitions();
  Status run_group(const std::atomic<bool>& stop);  // group_engine.cc
  void report_lag(const std::vector<PartitionWatermarks>& marks);
  std::vector<TopicPartition> partitions_;
  EngineConfig config_;
  checkpoint::CheckpointStore& checkpoint_;
  const storage::CallStats* data_stats_;
  const storage::CallStats* checkpoint_stats_;
  std::function<void(const std::string&)> progress_;
  std::shared_ptr<const columnar::Schema> schema_;
  EngineTotals totals_;
  std::optional<std::chrono::steady_clock::time_point> last_batch_start_;
};

}  // namespace lakestream::stream
