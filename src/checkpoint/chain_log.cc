// The per-partition chain layout (CheckpointMode::kChain): the data files are the log.
//
// Every file is named by topic, partition and start offset only, and is uploaded create-only
// (If-None-Match: *) with its end offset in its metadata. Two writers that plan from the same
// chain end race for the same key, so the first PUT to land commits the range and the other gets
// 412: it is fenced for that partition, reads where the winner's chain ends and plans again. A
// writer writes a partition's files one after the other (no parallel tasks per partition in this
// mode), so a partition's files always form one gap-free chain: file i ends where file i+1
// starts, and only the last file's end needs a HEAD. Nothing is written besides the data files:
// no manifest, no claim, no cleanup (an attempt that died before its PUT landed left nothing
// visible; see README.md for multipart uploads).
#include <fmt/format.h>

#include <charconv>
#include <map>
#include <set>

#include "checkpoint/data_file_name.h"
#include "checkpoint/log_common.h"
#include "common/log.h"

namespace lakestream::checkpoint::internal {
namespace {

struct ChainEnd {
  int64_t end = 0;
  std::string writer;
};

// HEAD of a partition's last file: its end offset, from the object's metadata.
Result<ChainEnd> read_end(storage::ObjectStore& out, const std::string& key, int64_t start) {
  LS_ASSIGN_OR_RETURN(auto info, out.head(key));
  auto it = info.metadata.find(kChainEndMetadata);
  if (it == info.metadata.end()) {
    return data_loss(fmt::format(
        "{}: no x-amz-meta-{}: cannot tell where this partition's chain ends (file copied "
        "without its metadata, or not written by the chain layout?)",
        out.uri_of(key), kChainEndMetadata));
  }
  ChainEnd e;
  const std::string& v = it->second;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), e.end);
  if (ec != std::errc() || p != v.data() + v.size() || e.end <= start) {
    return invalid_data(fmt::format("{}: bad {} \"{}\" (file starts at {})", out.uri_of(key),
                                    kChainEndMetadata, v, start));
  }
  auto w = info.metadata.find(kChainWriterMetadata);
  if (w != info.metadata.end()) e.writer = w->second;
  return e;
}

// Folds the chain files among `objects` (other keys ignored; only partitions in `only` when
// given) into `state`: each file ends where the next one of its partition starts, the last one
// where its metadata says (one HEAD per partition). Returns the number of HEADs.
Result<uint64_t> fold_chain(storage::ObjectStore& out,
                            const std::vector<storage::ObjectInfo>& objects,
                            const std::optional<std::set<TopicPartition>>& only,
                            CommittedState* state, std::string* last_writer = nullptr) {
  std::map<TopicPartition, std::map<int64_t, const storage::ObjectInfo*>> by_tp;
  for (const auto& o : objects) {
    auto n = parse_chain_file_key(o.key);
    if (!n || (only && !only->contains(n->tp))) continue;
    by_tp[n->tp][n->start] = &o;
  }
  uint64_t heads = 0;
  for (const auto& [tp, files] : by_tp) {
    auto known = state->offsets.find(tp);
    if (known != state->offsets.end() && files.begin()->first != known->second) {
      return data_loss(fmt::format("{}: chain of {} ends at {} but the next file starts at {}",
                                   out.uri(), to_string(tp), known->second, files.begin()->first));
    }
    int64_t end = 0;
    for (auto it = files.begin(); it != files.end(); ++it) {
      DataFile f;
      f.key = it->second->key;
      f.version_id = it->second->version_id;
      f.size = it->second->size;
      f.tp = tp;
      f.start = it->first;
      auto next = std::next(it);
      if (next != files.end()) {
        f.end = next->first;
      } else {
        LS_ASSIGN_OR_RETURN(ChainEnd e, read_end(out, f.key, f.start));
        ++heads;
        f.end = e.end;
        if (last_writer) *last_writer = e.writer;
      }
      end = f.end;
      state->files[f.key] = std::move(f);
    }
    state->offsets[tp] = end;
  }
  return heads;
}

Result<std::vector<storage::ObjectInfo>> list_chain(storage::ObjectStore& out,
                                                    std::string_view prefix,
                                                    std::string_view start_after = {}) {
  storage::ListOptions lo;
  lo.prefix.assign(prefix.data(), prefix.size());
  lo.start_after.assign(start_after.data(), start_after.size());
  lo.delimiter = "/";  // chain files live at the root; skip _checkpoint/, _spark_metadata/, ...
  LS_ASSIGN_OR_RETURN(auto listing, out.list(lo));
  return std::move(listing.objects);
}

class ChainLog final : public CheckpointStore {
 public:
  ChainLog(storage::ObjectStore& output, CheckpointOptions o)
      : output_(output), options_(std::move(o)) {}

  Result<RecoveryReport> recover(const std::optional<std::vector<TopicPartition>>& claim) override {
    RecoveryReport report;
    uint64_t batches = state_.last_batch ? *state_.last_batch + 1 : 0;
    state_ = CommittedState();
    if (batches) state_.last_batch = batches - 1;  // local counter, for progress lines only
    if (!claim) {
      LS_ASSIGN_OR_RETURN(auto objects, list_chain(output_, ""));
      LS_ASSIGN_OR_RETURN(report.manifests_read,
                          fold_chain(output_, objects, std::nullopt, &state_));
    } else {
      for (const auto& tp : *claim) {
        LS_ASSIGN_OR_RETURN(auto objects, list_chain(output_, chain_prefix(tp)));
        LS_ASSIGN_OR_RETURN(uint64_t heads,
                            fold_chain(output_, objects, std::set<TopicPartition>{tp}, &state_));
        report.manifests_read += heads;
      }
    }
    report.last_batch = state_.last_batch;
    recovered_ = true;
    log::info("checkpoint", "recovered chain layout of {}: {} partitions, {} files, {} HEADs",
              output_.uri(), state_.offsets.size(), state_.files.size(), report.manifests_read);
    return report;
  }

  Status begin_batch(const std::vector<OffsetRange>&) override { return Status(); }

  Result<CommitOutcome> commit(const BatchAttempt& attempt) override {
    if (!recovered_) return internal_error("commit() before recover()");
    // The files are committed already (their PUTs landed): record them.
    for (const auto& f : attempt.files) {
      state_.files[f.key] = f;
      auto [it, fresh] = state_.offsets.emplace(f.tp, f.end);
      if (!fresh) it->second = std::max(it->second, f.end);
    }
    std::set<TopicPartition> fenced(attempt.fenced.begin(), attempt.fenced.end());
    for (const auto& r : attempt.ranges) {
      if (fenced.contains(r.tp)) continue;
      auto it = state_.offsets.find(r.tp);
      if (it == state_.offsets.end() || it->second != r.end) {
        recovered_ = false;
        return internal_error(
            fmt::format("chain of {}: the batch's files end at {}, not at {}", to_string(r.tp),
                        it == state_.offsets.end() ? r.start : it->second, r.end));
      }
    }
    uint64_t b = state_.next_batch();
    std::string winner = options_.writer_id;
    for (const auto& tp : fenced) {
      // Another writer created the file at our chain end: read how far its chain goes now.
      // StartAfter the key just below our chain end: lists the winner's files only.
      auto known = state_.offsets.find(tp);
      std::string after;
      if (known != state_.offsets.end() && known->second > 0) {
        after = format_chain_file_key(tp, known->second - 1);
      }
      auto objects = list_chain(output_, chain_prefix(tp), after);
      if (!objects.ok()) return fail(std::move(objects).status());
      auto heads = fold_chain(output_, *objects, std::set<TopicPartition>{tp}, &state_, &winner);
      if (!heads.ok()) return fail(std::move(heads).status());
      log::warn("checkpoint", "writer {} fenced on {}: writer {} committed it up to {}",
                options_.writer_id, to_string(tp), winner, state_.offsets[tp]);
    }
    if (!fenced.empty()) return CommitOutcome{false, b, winner};
    state_.last_batch = b;
    return CommitOutcome{true, b, options_.writer_id};
  }

  const CommittedState& state() const override { return state_; }
  const std::string& writer_id() const override { return options_.writer_id; }
  CheckpointMode mode() const override { return CheckpointMode::kChain; }

 private:
  Result<CommitOutcome> fail(Status s) {
    recovered_ = false;
    return s;
  }

  storage::ObjectStore& output_;
  CheckpointOptions options_;
  CommittedState state_;
  bool recovered_ = false;
};

}  // namespace

std::unique_ptr<CheckpointStore> make_chain(storage::ObjectStore& output,
                                            CheckpointOptions options) {
  return std::make_unique<ChainLog>(output, std::move(options));
}

}  // namespace lakestream::checkpoint::internal

namespace lakestream::checkpoint {

Result<CommittedState> read_chain_state(storage::ObjectStore& output) {
  CommittedState state;
  LS_ASSIGN_OR_RETURN(auto objects, internal::list_chain(output, ""));
  LS_RETURN_IF_ERROR(internal::fold_chain(output, objects, std::nullopt, &state).status());
  return state;
}

}  // namespace lakestream::checkpoint
