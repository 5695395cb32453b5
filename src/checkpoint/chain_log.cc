// The per-partition chain layout (CheckpointMode::kChain): the data files are the log.
//
// Every file is named by topic, partition and start offset only, and is uploaded create-only
// (If-None-Match: *) with its end offset in its metadata. Two writers that plan from the same
// chain end race for the same key, so the first PUT to land commits the range and the other gets
// 412: it is fenced for that partition, reads where the winner's chain ends and plans again. A
// writer writes a partition's files one after the other (no parallel tasks per partition in this
// mode), so a partition's files always form one gap-free chain: file i ends where file i+1
// starts, and only the last file's end needs a HEAD. Nothing is written besides the data files:
// no manifest, no claim, no cleanup of data files (an attempt that died before its PUT landed
// left nothing visible; see README.md for multipart uploads).
//
// Dead letters: a chain file's bad records are uploaded just before it, named by its topic,
// partition, start and end (data_file_name.h). One is committed when a chain file with the same
// range is; one whose start the chain has passed without such a file is an orphan of a fenced or
// crashed attempt and is deleted; one at or after the chain end is pending (an attempt in flight,
// or dead) and decided after a later commit. Found by a LIST of the dead-letter directory at
// recovery, only when the output's root listing shows that directory, so a run without bad
// records pays nothing.
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

// Dead-letter objects among `objects` (others, and partitions outside `only`, ignored).
std::vector<DataFile> chain_dead_letters(const std::vector<storage::ObjectInfo>& objects,
                                         std::string_view dir,
                                         const std::optional<std::set<TopicPartition>>& only) {
  std::vector<DataFile> out;
  for (const auto& o : objects) {
    auto n = parse_chain_dead_letter_key(o.key, dir);
    if (!n || (only && !only->contains(n->tp))) continue;
    out.push_back(DataFile{o.key, o.version_id, o.size, 0, n->tp, n->start, n->end});
  }
  return out;
}

// The dead-letter objects of the output: those in `root` (a listing of the root with delimiter
// '/') when the store listed them there, else one LIST of `dir` if `root` shows it as a common
// prefix, else none (no request).
Result<std::vector<DataFile>> find_dead_letters(
    storage::ObjectStore& out, const storage::ListResult& root, std::string_view dir,
    const std::optional<std::set<TopicPartition>>& only) {
  auto found = chain_dead_letters(root.objects, dir, only);
  if (!found.empty()) return found;
  bool listed = false;
  for (const auto& p : root.common_prefixes) listed |= p == dir;
  if (!listed) return found;
  storage::ListOptions lo;
  lo.prefix.assign(dir.data(), dir.size());
  LS_ASSIGN_OR_RETURN(auto listing, out.list(lo));
  return chain_dead_letters(listing.objects, dir, only);
}

// Is `d` the dead letters of a committed chain file of `state`?
bool committed_dead_letter(const CommittedState& state, const DataFile& d) {
  auto f = state.files.find(format_chain_file_key(d.tp, d.start));
  return f != state.files.end() && f->second.end == d.end;
}

Result<storage::ListResult> list_root(storage::ObjectStore& out) {
  storage::ListOptions lo;
  lo.delimiter = "/";  // chain files live at the root; skip _checkpoint/, _spark_metadata/, ...
  return out.list(lo);
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
    pending_.clear();
    std::vector<DataFile> dead;
    if (!claim) {
      LS_ASSIGN_OR_RETURN(auto root, list_root(output_));
      LS_ASSIGN_OR_RETURN(report.manifests_read,
                          fold_chain(output_, root.objects, std::nullopt, &state_));
      LS_ASSIGN_OR_RETURN(dead,
                          find_dead_letters(output_, root, options_.dead_letter_dir, std::nullopt));
    } else {
      for (const auto& tp : *claim) {
        LS_ASSIGN_OR_RETURN(auto objects, list_chain(output_, chain_prefix(tp)));
        LS_ASSIGN_OR_RETURN(uint64_t heads,
                            fold_chain(output_, objects, std::set<TopicPartition>{tp}, &state_));
        report.manifests_read += heads;
      }
      // The partitions' listings do not show the dead-letter directory: one LIST of it.
      storage::ListOptions lo;
      lo.prefix = options_.dead_letter_dir;
      LS_ASSIGN_OR_RETURN(auto listing, output_.list(lo));
      dead = chain_dead_letters(listing.objects, options_.dead_letter_dir,
                                std::set<TopicPartition>(claim->begin(), claim->end()));
    }
    LS_ASSIGN_OR_RETURN(report.files_removed, settle_dead_letters(std::move(dead)));
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
    // Ours whose file landed are committed; the fenced file's are orphans unless the winner's
    // file has the very same range (then the key is the winner's too); pending ones from an
    // earlier attempt are decided once the chain passes them.
    std::vector<DataFile> dead = attempt.dead_letters;
    for (const auto& [key, d] : pending_) dead.push_back(d);
    auto settled = settle_dead_letters(std::move(dead));
    if (!settled.ok()) return fail(std::move(settled).status());
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

  // Sorts dead-letter files into committed (state_.dead_letters), orphans (deleted, in one
  // DeleteObjects, only when there are any) and pending (pending_). Returns the orphans' count.
  Result<uint64_t> settle_dead_letters(std::vector<DataFile> dead) {
    std::vector<storage::ObjectRef> orphans;
    for (auto& d : dead) {
      pending_.erase(d.key);
      if (committed_dead_letter(state_, d)) {
        state_.dead_letters[d.key] = std::move(d);
        continue;
      }
      auto end = state_.offsets.find(d.tp);
      if (end != state_.offsets.end() && end->second > d.start) {
        orphans.push_back({d.key, d.version_id});
      } else {
        pending_[d.key] = std::move(d);
      }
    }
    if (orphans.empty()) return 0;
    log::info("checkpoint", "{}: removing {} dead-letter files of uncommitted chain files",
              output_.uri(), orphans.size());
    LS_RETURN_IF_ERROR(output_.remove_many(orphans));
    return orphans.size();
  }

  storage::ObjectStore& output_;
  CheckpointOptions options_;
  CommittedState state_;
  std::map<std::string, DataFile> pending_;  // dead letters ahead of their chain end, by key
  bool recovered_ = false;
};

}  // namespace

std::unique_ptr<CheckpointStore> make_chain(storage::ObjectStore& output,
                                            CheckpointOptions options) {
  return std::make_unique<ChainLog>(output, std::move(options));
}

}  // namespace lakestream::checkpoint::internal

namespace lakestream::checkpoint {

Result<CommittedState> read_chain_state(storage::ObjectStore& output,
                                        std::string_view dead_letter_dir) {
  CommittedState state;
  LS_ASSIGN_OR_RETURN(auto root, internal::list_root(output));
  LS_RETURN_IF_ERROR(internal::fold_chain(output, root.objects, std::nullopt, &state).status());
  LS_ASSIGN_OR_RETURN(auto dead,
                      internal::find_dead_letters(output, root, dead_letter_dir, std::nullopt));
  for (auto& d : dead) {
    if (internal::committed_dead_letter(state, d)) state.dead_letters[d.key] = std::move(d);
  }
  return state;
}

}  // namespace lakestream::checkpoint
