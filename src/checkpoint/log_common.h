// Internal to checkpoint/: state and helpers shared by the three protocols.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/checkpoint_store.h"

namespace lakestream::checkpoint::internal {

// Log entries found by one LIST of `dir` ("_commits/"), ascending by batch; other keys ignored.
Result<std::vector<uint64_t>> list_log(storage::ObjectStore& meta, std::string_view dir,
                                       std::string_view suffix);

// GET + parse one log entry.
Result<Manifest> read_manifest(storage::ObjectStore& meta, const std::string& key);

// Rebuilds the state from the entries `batches` (ascending) named by `key_of`: reads backwards to
// the newest compact entry, then applies forward. Returns the number of GETs made.
Result<uint64_t> load_state(storage::ObjectStore& meta, const std::vector<uint64_t>& batches,
                            const std::function<std::string(uint64_t)>& key_of,
                            CommittedState* state);

// Deletes (one DeleteObjects per 1000) every data file (Parquet or dead letter, by name) under
// `output` that `state` does not list,
// limited to `claimed` partitions when given. Every version on versioned buckets. Returns count.
Result<uint64_t> remove_uncommitted(storage::ObjectStore& output, const CommittedState& state,
                                    const std::optional<std::set<TopicPartition>>& claimed);

// Deletes the given files by key and version id.
Status remove_files(storage::ObjectStore& output, const std::vector<DataFile>& files);

// Deletes log entries `batches`; on versioned buckets every version of them (one
// ListObjectVersions of `dir` first), so neither delete markers nor old versions remain.
Status remove_entries(storage::ObjectStore& meta, std::string_view dir,
                      const std::vector<std::string>& keys);

// The manifest for `attempt` at `batch` on top of `state` (compact lists all live files).
Manifest build_manifest(const CommittedState& state, const std::string& writer, uint64_t batch,
                        bool compact, const BatchAttempt& attempt);

// kInvalidArgument when a range does not start at its partition's committed end.
Status check_ranges(const CommittedState& state, const std::vector<OffsetRange>& ranges);

// Entries older than both the newest compact entry and the last `retain`: removable.
std::vector<uint64_t> expired_entries(const CommittedState& state, uint64_t retain);

int64_t now_ms();

std::unique_ptr<CheckpointStore> make_conditional(storage::ObjectStore& meta,
                                                  storage::ObjectStore& output,
                                                  CheckpointOptions options);
std::unique_ptr<CheckpointStore> make_chain(storage::ObjectStore& output,
                                            CheckpointOptions options);
std::unique_ptr<CheckpointStore> make_spark_log(storage::ObjectStore& meta,
                                                storage::ObjectStore& output,
                                                CheckpointOptions options);

}  // namespace lakestream::checkpoint::internal
