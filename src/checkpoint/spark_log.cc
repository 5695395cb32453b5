// Spark's two-log checkpoint (offsets/<n> before a batch, commits/<n> after it), as written by
// MinIO's S3-based manager (kDirect) and by Spark's default manager over Hadoop S3A (kRename).
//
// Reproduced request for request so that the S3-call tables compare protocols, not guesses; the
// content of commits/<n> is our manifest (with its file list), so recovery and `lakestream files`
// are shared with the conditional log. Known flaws kept on purpose: PUTs are unconditional (two
// writers overwrite each other) and there is no fencing.
#include <fmt/format.h>

#include <random>

#include "checkpoint/data_file_name.h"
#include "checkpoint/log_common.h"
#include "common/log.h"

namespace lakestream::checkpoint::internal {
namespace {

constexpr std::string_view kOffsetsDir = "offsets/";
constexpr std::string_view kCommitsDir = "commits/";
constexpr std::string_view kSinkDir = "sinklog/";

std::string key_in(std::string_view dir, uint64_t batch) {
  return fmt::format("{}{}", dir, batch_name(batch));
}

class SparkLog final : public CheckpointStore {
 public:
  SparkLog(storage::ObjectStore& meta, storage::ObjectStore& output, CheckpointOptions o)
      : meta_(meta), output_(output), options_(std::move(o)), rng_(std::random_device{}()) {}

  Result<RecoveryReport> recover(const std::optional<std::vector<TopicPartition>>&) override {
    RecoveryReport report;
    state_ = CommittedState();
    LS_ASSIGN_OR_RETURN(auto commits, list_log(meta_, kCommitsDir, ""));
    LS_ASSIGN_OR_RETURN(
        report.manifests_read,
        load_state(
            meta_, commits, [](uint64_t b) { return key_in(kCommitsDir, b); }, &state_));
    // Spark reads the newest offsets entry too: it re-runs a planned but uncommitted batch. We
    // re-plan from the committed offsets instead (uncommitted files are removed below), but keep
    // the requests so the call count is Spark's.
    LS_ASSIGN_OR_RETURN(auto offsets, list_log(meta_, kOffsetsDir, ""));
    if (!offsets.empty()) {
      auto body = meta_.get(key_in(kOffsetsDir, offsets.back()));
      if (!body.ok()) return std::move(body).status();
      ++report.manifests_read;
    }
    report.last_batch = state_.last_batch;
    LS_ASSIGN_OR_RETURN(report.files_removed, remove_uncommitted(output_, state_, std::nullopt));
    recovered_ = true;
    log::info("checkpoint", "recovered {} ({}): next batch {}, {} files removed", meta_.uri(),
              checkpoint_mode_name(options_.mode), state_.next_batch(), report.files_removed);
    return report;
  }

  Status begin_batch(const std::vector<OffsetRange>& ranges) override {
    if (!recovered_) return internal_error("begin_batch() before recover()");
    BatchAttempt plan{ranges, {}};
    Manifest m = build_manifest(state_, options_.writer_id, state_.next_batch(), false, plan);
    return write_entry(key_in(kOffsetsDir, m.batch), serialize_manifest(m));
  }

  Result<CommitOutcome> commit(const BatchAttempt& attempt) override {
    if (!recovered_) return internal_error("commit() before recover()");
    LS_RETURN_IF_ERROR(check_ranges(state_, attempt.ranges));
    uint64_t b = state_.next_batch();
    Manifest m =
        build_manifest(state_, options_.writer_id, b, b % options_.compact_every == 0, attempt);
    std::string body = serialize_manifest(m);
    if (options_.mode == CheckpointMode::kRename) {
      // The file sink's own log (_spark_metadata/<n>), written before the commit log.
      Status s = write_entry(key_in(kSinkDir, b), body);
      if (!s.ok()) return fail(std::move(s));
    }
    Status s = write_entry(key_in(kCommitsDir, b), body);
    if (!s.ok()) return fail(std::move(s));
    state_.apply(m);
    s = purge();
    if (!s.ok()) return fail(std::move(s));
    return CommitOutcome{true, b, options_.writer_id};
  }

  const CommittedState& state() const override { return state_; }
  const std::string& writer_id() const override { return options_.writer_id; }
  CheckpointMode mode() const override { return options_.mode; }

 private:
  Result<CommitOutcome> fail(Status s) {
    recovered_ = false;
    return s;
  }

  static std::span<const uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
  }

  // A probe whose 404 is the expected answer.
  Status probe_head(const std::string& key) {
    auto r = meta_.head(key);
    if (r.ok() || r.status().code() == StatusCode::kNotFound) return Status();
    return std::move(r).status();
  }
  Status probe_list(const std::string& prefix) {
    storage::ListOptions lo;
    lo.prefix = prefix;
    lo.max_keys = 1;
    auto r = meta_.list(lo);
    return r.ok() ? Status() : std::move(r).status();
  }
  // S3A getFileStatus(path): HEAD path, HEAD path/, LIST path/ (is it a file, a marker, a dir?).
  Status get_file_status(const std::string& key) {
    LS_RETURN_IF_ERROR(probe_head(key));
    LS_RETURN_IF_ERROR(probe_head(key + "/"));
    return probe_list(key + "/");
  }

  Status write_entry(const std::string& key, const std::string& body) {
    storage::PutOptions po;
    po.content_type = "application/json";
    if (options_.mode == CheckpointMode::kDirect) {
      // HDFSMetadataLog.add: exists() then write; MinIO's manager PUTs unconditionally.
      LS_RETURN_IF_ERROR(probe_head(key));
      auto put = meta_.put(key, bytes(body), po);
      return put.ok() ? Status() : std::move(put).status().with_context(meta_.uri_of(key));
    }
    // Spark's FileSystemBasedCheckpointFileManager.createAtomic over S3A: 16 requests.
    size_t slash = key.rfind('/');
    std::string dir = key.substr(0, slash + 1);
    std::string tmp = fmt::format("{}.{}.{:016x}.tmp", dir, key.substr(slash + 1), rng_());
    LS_RETURN_IF_ERROR(get_file_status(key));  // HDFSMetadataLog: exists(batch file)
    LS_RETURN_IF_ERROR(get_file_status(tmp));  // create(tmp): not a directory?
    auto put = meta_.put(tmp, bytes(body), po);
    if (!put.ok()) return std::move(put).status().with_context(meta_.uri_of(tmp));
    LS_RETURN_IF_ERROR(probe_head(tmp));       // rename: source status
    LS_RETURN_IF_ERROR(get_file_status(key));  // rename: destination status
    LS_RETURN_IF_ERROR(probe_head(dir));       // rename: destination parent
    LS_RETURN_IF_ERROR(probe_list(dir));
    LS_RETURN_IF_ERROR(meta_.copy(tmp, key));
    LS_RETURN_IF_ERROR(meta_.remove({tmp, put->version_id}));
    // deleteUnnecessaryFakeDirectories after the copy.
    // On a local store "dir/" is a real directory that cannot be unlinked: only S3 has markers.
    storage::ObjectRef fake{dir, ""};
    Status s = meta_.remove_many({&fake, 1});
    return s.code() == StatusCode::kIoError ? Status() : s;
  }

  // Spark purges both logs after every batch: LIST, then delete the entries past retention
  // (MinIO's manager: by version id).
  Status purge() {
    for (std::string_view dir : {kOffsetsDir, kCommitsDir}) {
      LS_ASSIGN_OR_RETURN(auto entries, list_log(meta_, dir, ""));
      CommittedState view = state_;
      view.manifests = entries;
      std::vector<std::string> keys;
      for (uint64_t b : expired_entries(view, options_.retain)) keys.push_back(key_in(dir, b));
      LS_RETURN_IF_ERROR(remove_entries(meta_, dir, keys));
    }
    return Status();
  }

  storage::ObjectStore& meta_;
  storage::ObjectStore& output_;
  CheckpointOptions options_;
  CommittedState state_;
  bool recovered_ = false;
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<CheckpointStore> make_spark_log(storage::ObjectStore& meta,
                                                storage::ObjectStore& output,
                                                CheckpointOptions options) {
  return std::make_unique<SparkLog>(meta, output, std::move(options));
}

}  // namespace lakestream::checkpoint::internal
