// The conditional-PUT commit log (see checkpoint_store.h for the protocol).
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "checkpoint/data_file_name.h"
#include "checkpoint/log_common.h"
#include "common/log.h"

namespace lakestream::checkpoint::internal {
namespace {

constexpr std::string_view kDir = "_commits/";
constexpr std::string_view kSuffix = ".json";

std::string entry_key(uint64_t batch) {
  return fmt::format("{}{}{}", kDir, batch_name(batch), kSuffix);
}

class ConditionalLog final : public CheckpointStore {
 public:
  ConditionalLog(storage::ObjectStore& meta, storage::ObjectStore& output, CheckpointOptions o)
      : meta_(meta), output_(output), options_(std::move(o)) {}

  Result<RecoveryReport> recover(const std::optional<std::vector<TopicPartition>>& claim) override {
    RecoveryReport report;
    state_ = CommittedState();
    LS_ASSIGN_OR_RETURN(auto batches, list_log(meta_, kDir, kSuffix));
    LS_ASSIGN_OR_RETURN(report.manifests_read, load_state(meta_, batches, entry_key, &state_));

    // Claim before cleaning up: a writer still uploading files for these partitions must meet our
    // claim in the log before it can commit, so deleting its files cannot lose committed data.
    BatchAttempt none;
    Manifest m;
    int lost_races = 0;
    for (;;) {
      uint64_t b = state_.next_batch();
      m = build_manifest(state_, options_.writer_id, b, b % options_.compact_every == 0, none);
      if (claim) {
        m.claims = *claim;
      } else {
        m.claim_all = true;
      }
      LS_ASSIGN_OR_RETURN(bool won, try_put(m));
      if (won) {
        state_.apply(m);
        break;
      }
      if (lost_races++ > 0) {
        // More than one slot behind (others commit back to back): read all we missed at once.
        LS_ASSIGN_OR_RETURN(auto missed, catch_up());
        report.manifests_read += missed.size();
        if (!missed.empty()) continue;
      }
      LS_ASSIGN_OR_RETURN(Manifest winner, read_manifest(meta_, entry_key(b)));
      ++report.manifests_read;
      state_.apply(winner);
    }
    report.last_batch = state_.last_batch;

    std::optional<std::set<TopicPartition>> claimed;
    if (claim) claimed.emplace(claim->begin(), claim->end());
    LS_ASSIGN_OR_RETURN(report.files_removed, remove_uncommitted(output_, state_, claimed));
    LS_RETURN_IF_ERROR(apply_retention(/*force=*/true));
    recovered_ = true;
    log::info("checkpoint",
              "recovered {}: claimed at batch {}, {} manifests read, {} files removed", meta_.uri(),
              m.batch, report.manifests_read, report.files_removed);
    return report;
  }

  Status begin_batch(const std::vector<OffsetRange>&) override { return Status(); }

  Result<CommitOutcome> commit(const BatchAttempt& attempt) override {
    if (!recovered_) return internal_error("commit() before recover()");
    Status stale = check_ranges(state_, attempt.ranges);
    if (!stale.ok()) return fenced(attempt, state_.last_batch.value_or(0), "(stale plan)");
    int lost_races = 0;
    for (;;) {
      uint64_t b = state_.next_batch();
      Manifest m =
          build_manifest(state_, options_.writer_id, b, b % options_.compact_every == 0, attempt);
      auto won = try_put(m);
      if (!won.ok()) {
        recovered_ = false;  // outcome unknown until the log is read again
        return std::move(won).status();
      }
      if (*won) {
        state_.apply(m);
        LS_RETURN_IF_ERROR(apply_retention(/*force=*/false));
        return CommitOutcome{true, b, options_.writer_id};
      }
      if (lost_races++ > 0) {
        // More than one slot behind: one LIST + a GET per missed entry instead of a 412 + GET
        // per slot (docs/scale-out.md, log contention).
        auto missed = catch_up();
        if (!missed.ok()) {
          recovered_ = false;
          return std::move(missed).status();
        }
        for (const auto& w : *missed) {
          if (w.writer == options_.writer_id && w.ranges == attempt.ranges) {
            return CommitOutcome{true, w.batch, options_.writer_id};  // an earlier try landed
          }
          for (const auto& r : attempt.ranges) {
            if (w.touches(r.tp)) return fenced(attempt, w.batch, w.writer);
          }
        }
        if (!missed->empty()) continue;
      }
      auto winner = read_manifest(meta_, entry_key(b));
      if (!winner.ok()) {
        recovered_ = false;
        return std::move(winner).status();
      }
      if (winner->writer == options_.writer_id && winner->ranges == attempt.ranges) {
        // Our own PUT landed on an earlier try whose response was lost.
        state_.apply(*winner);
        return CommitOutcome{true, b, options_.writer_id};
      }
      state_.apply(*winner);
      for (const auto& r : attempt.ranges) {
        if (winner->touches(r.tp)) return fenced(attempt, b, winner->writer);
      }
      // The winner served other partitions (another group member): take the next slot.
    }
  }

  Result<std::vector<TopicPartition>> taken_over(
      const std::vector<TopicPartition>& partitions) override {
    auto missed = catch_up();
    if (!missed.ok() && missed.status().code() == StatusCode::kDataLoss) {
      log::warn("checkpoint", "{}", missed.status().to_string());
      return partitions;
    }
    LS_RETURN_IF_ERROR(missed.status());
    std::vector<TopicPartition> out;
    for (const auto& tp : partitions) {
      for (const auto& m : *missed) {
        if (m.writer != options_.writer_id && m.touches(tp)) {
          out.push_back(tp);
          break;
        }
      }
    }
    return out;
  }

  const CommittedState& state() const override { return state_; }
  const std::string& writer_id() const override { return options_.writer_id; }
  CheckpointMode mode() const override { return CheckpointMode::kConditional; }

 private:
  // true: the slot is ours; false: another writer holds it (412).
  // A PUT that timed out or lost its connection may have landed: the store does not retry a
  // conditional write then, but doing it here is safe, since a 412 leads commit() to read the
  // slot back and recognise its own manifest (writer and ranges). No pause between attempts: a
  // stalled request already waited its whole timeout, and the store paced its own retries.
  Result<bool> try_put(const Manifest& m) {
    std::string body = serialize_manifest(m);
    storage::PutOptions po;
    po.if_none_match = true;
    po.content_type = "application/json";
    constexpr int kAttempts = 6;
    for (int attempt = 1;; ++attempt) {
      auto put = meta_.put(entry_key(m.batch),
                           {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, po);
      if (put.ok()) return true;
      StatusCode code = put.status().code();
      if (code == StatusCode::kPreconditionFailed || code == StatusCode::kAlreadyExists) {
        return false;
      }
      bool maybe_applied = code == StatusCode::kTimeout || code == StatusCode::kUnavailable;
      if (!maybe_applied || attempt == kAttempts) {
        return std::move(put).status().with_context(fmt::format("commit batch {}", m.batch));
      }
      log::warn("checkpoint", "commit batch {}: {}; trying again (attempt {} of {})", m.batch,
                put.status().message(), attempt + 1, kAttempts);
    }
  }

  // Reads every entry after the last one in state_ (one LIST with StartAfter, one GET each),
  // applies them in log order and returns them. kDataLoss when the first one is not the next
  // slot: entries this writer never read were deleted by retention, it cannot tell what they
  // held.
  Result<std::vector<Manifest>> catch_up() {
    storage::ListOptions lo;
    lo.prefix = std::string(kDir);
    if (state_.last_batch) lo.start_after = entry_key(*state_.last_batch);
    LS_ASSIGN_OR_RETURN(auto listing, meta_.list(lo));
    std::vector<uint64_t> batches;
    for (const auto& o : listing.objects) {
      std::string_view name = std::string_view(o.key).substr(kDir.size());
      if (!name.ends_with(kSuffix)) continue;
      name.remove_suffix(kSuffix.size());
      uint64_t b = 0;
      if (parse_batch_name(name, &b) && b >= state_.next_batch()) batches.push_back(b);
    }
    std::sort(batches.begin(), batches.end());
    std::vector<Manifest> out;
    for (uint64_t b : batches) {
      if (b != state_.next_batch()) {
        return data_loss(
            fmt::format("{}: log entries {}..{} were removed before this writer "
                        "read them (paused longer than --retain batches)",
                        meta_.uri(), state_.next_batch(), b - 1));
      }
      LS_ASSIGN_OR_RETURN(Manifest m, read_manifest(meta_, entry_key(b)));
      state_.apply(m);
      out.push_back(std::move(m));
    }
    return out;
  }

  Result<CommitOutcome> fenced(const BatchAttempt& attempt, uint64_t batch,
                               const std::string& winner) {
    log::warn("checkpoint", "writer {} fenced at batch {} by writer {}: dropping {} files",
              options_.writer_id, batch, winner,
              attempt.files.size() + attempt.dead_letters.size());
    // Dead letters go with the data: the winner's batch reports these bad records itself.
    std::vector<DataFile> ours = attempt.files;
    ours.insert(ours.end(), attempt.dead_letters.begin(), attempt.dead_letters.end());
    LS_RETURN_IF_ERROR(remove_files(output_, ours));
    return CommitOutcome{false, batch, winner};
  }

  // Deletes expired manifests in rounds: at recovery, and when twice `retain` have piled up, so
  // that steady state costs 1/retain extra requests per batch.
  Status apply_retention(bool force) {
    if (!force && state_.manifests.size() < 2 * options_.retain) return Status();
    auto expired = expired_entries(state_, options_.retain);
    if (expired.empty()) return Status();
    std::vector<std::string> keys;
    for (uint64_t b : expired) keys.push_back(entry_key(b));
    LS_RETURN_IF_ERROR(remove_entries(meta_, kDir, keys));
    std::erase_if(state_.manifests, [&](uint64_t b) { return b < expired.back() + 1; });
    return Status();
  }

  storage::ObjectStore& meta_;
  storage::ObjectStore& output_;
  CheckpointOptions options_;
  CommittedState state_;
  bool recovered_ = false;
};

}  // namespace

std::unique_ptr<CheckpointStore> make_conditional(storage::ObjectStore& meta,
                                                  storage::ObjectStore& output,
                                                  CheckpointOptions options) {
  return std::make_unique<ConditionalLog>(meta, output, std::move(options));
}

}  // namespace lakestream::checkpoint::internal
