// The checkpoint store: what a micro-batch consumed, committed atomically with the files it wrote.
//
// Three protocols behind one interface, so their S3 costs can be compared on the same job:
//
//  - kConditional (default): no write-ahead log. The batch's data files are uploaded first, then
//    ONE manifest `_commits/<batch, 20 digits>.json` is PUT with If-None-Match: *. That PUT is the
//    commit and the fence. The manifests form one gap-free sequence shared by every writer on the
//    checkpoint: a writer always tries the slot after the last one it has read, and on 412 reads
//    the winner before moving on, so it can never skip an entry. A winner that consumed or claimed
//    one of our partitions fences us: we delete our files and adopt its offsets. A winner that
//    touched only other partitions (another consumer-group member) makes us retry at the next
//    slot. Steady state: exactly one non-data request per batch (plus one DeleteObjects per
//    `retain` batches for retention).
//  - kDirect: MinIO's S3-based Spark checkpoint manager: HEAD + unconditional PUT of offsets/<n>
//    before the batch and commits/<n> after it, a LIST per log per batch to purge old entries,
//    deletes by version id. No fencing (two writers silently overwrite each other), as in MinIO.
//  - kRename: Spark's default manager over Hadoop S3A: every log file is written to a temp object
//    and renamed (existence probes HEAD + HEAD dir + LIST, PUT, HEAD, Copy, Delete, fake-directory
//    cleanup: 16 requests), three files per batch (offsets, sink log, commits).
//  - kChain: no log at all. One chain of data files per Kafka partition, each named by topic,
//    partition and start offset only (data_file_name.h) and carrying its end offset in its
//    metadata; the data file's own create-only PUT (If-None-Match: *) is the commit, and a 412 on
//    it fences the writer for that partition. Steady state: zero non-data requests per batch.
//    Recovery: one LIST (of the output, or of each claimed partition's prefix) + one HEAD of the
//    last file of each partition. See chain_log.cc and README.md for what it does not do.
//
// All three record the same manifest content, so recovery and `lakestream files` work on each.
// Recovery rebuilds per-partition committed offsets and the live committed file set, and removes
// the data files of uncommitted attempts (files named by checkpoint/data_file_name.h that no
// manifest lists) in one DeleteObjects, by version id on versioned buckets. Dead-letter files
// (format_dead_letter_key) are data files of their batch: listed in its manifest
// (BatchAttempt::dead_letters), removed with the batch's files when it is fenced, and removed by
// recovery when no manifest lists them, so every bad record is in the committed dead letters
// exactly once. kChain has no manifest: a chain file's dead letters are named by its range and
// count as committed when that file does; the others are removed (chain_log.cc).
//
// Thread-safety: a CheckpointStore is used by one thread (the batch driver). The ObjectStores it
// is given must outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/data_file_name.h"
#include "checkpoint/manifest.h"
#include "checkpoint/topic_partition.h"
#include "common/status.h"
#include "storage/object_store.h"

namespace lakestream::checkpoint {

enum class CheckpointMode { kConditional, kDirect, kRename, kChain };

// "conditional", "direct", "rename", "chain"; kInvalidArgument otherwise.
Result<CheckpointMode> parse_checkpoint_mode(std::string_view name);
std::string_view checkpoint_mode_name(CheckpointMode mode);

struct CheckpointOptions {
  CheckpointMode mode = CheckpointMode::kConditional;
  std::string writer_id;        // empty: a fresh new_writer_id()
  uint64_t retain = 100;        // manifests kept at least; older ones go in rounds of `retain`
  uint64_t compact_every = 10;  // every K-th manifest lists all live files
  // kChain: where the dead letters of chain files live (relative to the output root).
  std::string dead_letter_dir = kDefaultDeadLetterDir;
};

struct RecoveryReport {
  std::optional<uint64_t> last_batch;  // newest committed manifest, if any
  uint64_t manifests_read = 0;         // GETs of log entries
  uint64_t files_removed = 0;          // data files of uncommitted attempts deleted
};

struct BatchAttempt {
  std::vector<OffsetRange> ranges;     // what the batch consumed (start == committed end)
  std::vector<DataFile> files;         // what it wrote (already uploaded)
  std::vector<DataFile> dead_letters;  // its dead-letter files (already uploaded)
  // kChain only: partitions whose next file another writer had already created (the task's
  // create-only PUT got 412). Their files up to that point are in `files` (committed).
  std::vector<TopicPartition> fenced;
};

struct CommitOutcome {
  bool committed = false;  // false: fenced; our files are deleted, offsets adopted
  uint64_t batch = 0;      // the slot we won, or the slot that fenced us
  std::string winner;      // writer id of the fencing manifest
};

// Everything committed, as this writer last read it.
struct CommittedState {
  std::optional<uint64_t> last_batch;
  std::optional<uint64_t> last_compact;
  OffsetMap offsets;
  std::map<std::string, DataFile> files;         // by key
  std::map<std::string, DataFile> dead_letters;  // committed dead-letter files, by key
  std::vector<uint64_t> manifests;               // batches known to exist in the log, ascending

  // Folds one manifest in (in log order).
  void apply(const Manifest& m);
  uint64_t next_batch() const { return last_batch ? *last_batch + 1 : 0; }
};

class CheckpointStore {
 public:
  virtual ~CheckpointStore() = default;

  // Reads the log, then (kConditional) claims `claim` (every partition when nullopt) with a
  // manifest of its own so that an in-flight writer of those partitions is fenced, then removes
  // the uncommitted data files of those partitions. Call once before the first batch and again
  // after any error from commit() (its outcome is unknown). Errors: storage errors, kInvalidData
  // for an unreadable manifest, kDataLoss when the log has a hole.
  virtual Result<RecoveryReport> recover(
      const std::optional<std::vector<TopicPartition>>& claim) = 0;

  // Called before the batch's data files are written (kDirect/kRename write the offsets log).
  virtual Status begin_batch(const std::vector<OffsetRange>& ranges) = 0;

  // Commits the attempt. Committed: state() includes it. Fenced (kConditional only): our files
  // were removed and state() holds the winner's offsets; plan again. An error leaves the outcome
  // unknown (the PUT may have landed): call recover() before planning again.
  virtual Result<CommitOutcome> commit(const BatchAttempt& attempt) = 0;

  // Consumer-group mode, after a batch failed: reads the log entries written since this writer
  // last read it (kConditional: one LIST after its last entry + one GET per new entry), folds
  // them into state(), and returns those of `partitions` that another writer consumed or claimed
  // in them: a batch of ours for them can no longer commit (we were fenced). When entries we
  // never read were already deleted (retention outran a long pause), every one of `partitions`.
  // Other modes keep no claims: nothing. Errors: storage errors, kInvalidData.
  virtual Result<std::vector<TopicPartition>> taken_over(
      const std::vector<TopicPartition>& partitions) {
    (void)partitions;
    return std::vector<TopicPartition>{};
  }

  virtual const CommittedState& state() const = 0;
  virtual const std::string& writer_id() const = 0;
  virtual CheckpointMode mode() const = 0;
};

// `meta` is rooted at the checkpoint URI, `output` at the output URI (used to list and delete
// data files). Does no I/O.
std::unique_ptr<CheckpointStore> open_checkpoint(storage::ObjectStore& meta,
                                                 storage::ObjectStore& output,
                                                 CheckpointOptions options);

// Reads the committed state without writing anything (`lakestream files`). Detects the mode from
// the log's layout. An empty checkpoint yields an empty state.
Result<CommittedState> read_committed_state(storage::ObjectStore& meta);

// kChain: the committed state read from the output alone (one LIST + one HEAD per partition,
// and one LIST of `dead_letter_dir` when it exists). `files` holds every chain file (rows
// unknown: 0), `offsets` each partition's chain end, `dead_letters` the dead-letter files of
// committed chain files (rows unknown: 0).
// Errors: storage errors; kDataLoss when a partition's last file has no end offset metadata.
Result<CommittedState> read_chain_state(storage::ObjectStore& output,
                                        std::string_view dead_letter_dir = kDefaultDeadLetterDir);

}  // namespace lakestream::checkpoint
