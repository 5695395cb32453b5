// The engine's consumer-group loop (issue 9); see group_assignment.h for the protocol.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/log.h"
#include "stream/engine.h"

namespace lakestream::stream {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kIdleWait{100};

std::string describe(const std::vector<TopicPartition>& tps) {
  std::string out;
  for (const auto& tp : tps) out += (out.empty() ? "" : " ") + checkpoint::to_string(tp);
  return out;
}

}  // namespace

Status StreamEngine::run_group(const std::atomic<bool>& stop) {
  if (config_.trigger != Trigger::kProcessingTime) {
    return invalid_argument("consumer-group mode needs a processing-time trigger");
  }
  PartitionOwnership& owner = *config_.ownership;
  RecordSource& source = *config_.task.source;
  std::set<TopicPartition> held;
  // Partitions whose batch was fenced: someone else claimed or committed them, so the group has
  // most likely moved them already. Not planned until the group says so, or until the deadline.
  std::map<TopicPartition, Clock::time_point> suspended;

  bool write_back_due = false;
  // The committed end of every held partition goes back to the group (a hint for lag tools),
  // idle ones included so they show their true (zero) lag. A failure is only logged: the
  // implementation retries with the next call.
  auto write_back = [&] {
    write_back_due = false;
    std::vector<OffsetRange> ends;
    for (const auto& tp : held) {
      auto it = checkpoint_.state().offsets.find(tp);
      if (it != checkpoint_.state().offsets.end()) ends.push_back({tp, it->second, it->second});
    }
    Status hint = owner.commit_offsets(ends);
    if (!hint.ok()) {
      log::warn("stream", "offsets not written back to the group: {}", hint.to_string());
    }
  };
  auto emit = [&](const EngineEvent& e) {
    if (config_.on_event) config_.on_event(e);
  };
  auto apply = [&](const std::vector<EngineEvent>& events) -> Status {
    for (const auto& e : events) {
      ++totals_.rebalances;
      // The group has spoken since the fence: what it still gives us is ours to plan.
      suspended.clear();
      if (e.kind == EngineEvent::Kind::kAssigned) {
        // Claim before planning: a previous owner still writing these partitions is fenced by
        // the claim, and only their uncommitted files are removed.
        LS_ASSIGN_OR_RETURN(auto report, checkpoint_.recover(e.partitions));
        held.insert(e.partitions.begin(), e.partitions.end());
        // The group learns their true offsets even if no batch is left to run for them.
        write_back_due = true;
        log::info("stream", "assigned {}: claimed, {} uncommitted files removed",
                  describe(e.partitions), report.files_removed);
      } else {
        for (const auto& tp : e.partitions) held.erase(tp);
        log::info("stream", "{} {}: no batch in flight for them", engine_event_name(e.kind),
                  describe(e.partitions));
      }
      emit(e);
    }
    return Status();
  };
  // Waits until `deadline` serving the group, so a rebalance is handled within ~100 ms.
  auto wait_serving = [&](Clock::time_point deadline) -> Status {
    do {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      auto slice = std::clamp<std::chrono::milliseconds>(left, std::chrono::milliseconds(0),
                                                         std::chrono::milliseconds(100));
      LS_ASSIGN_OR_RETURN(auto events, owner.poll(slice));
      LS_RETURN_IF_ERROR(apply(events));
    } while (!stop.load() && Clock::now() < deadline);
    return Status();
  };

  // After a failed batch: which of its partitions are no longer ours, because the group took
  // them (revoked or lost while the batch ran) or another writer claimed or committed them in the
  // log since we last read it. Empty: the failure is ours to report.
  auto taken_from_us = [&](const PlannedBatch& plan,
                           const Status& failure) -> Result<std::vector<TopicPartition>> {
    LS_ASSIGN_OR_RETURN(auto events, owner.poll(std::chrono::milliseconds(0)));
    LS_RETURN_IF_ERROR(apply(events));
    std::vector<TopicPartition> gone, ours;
    for (const auto& r : plan.ranges) (held.contains(r.tp) ? ours : gone).push_back(r.tp);
    auto claimed = checkpoint_.taken_over(ours);
    if (!claimed.ok()) {
      log::warn("stream", "batch failed ({}) and the log could not be read: {}",
                failure.to_string(), claimed.status().to_string());
      return gone;
    }
    gone.insert(gone.end(), claimed->begin(), claimed->end());
    std::sort(gone.begin(), gone.end());
    return gone;
  };

  Status result;
  while (!stop.load() && result.ok()) {
    auto next_trigger = Clock::now() + std::chrono::milliseconds(config_.interval_ms);
    auto events = owner.poll(std::chrono::milliseconds(0));
    if (!events.ok() || !(result = apply(*events)).ok()) {
      if (!events.ok()) result = std::move(events).status();
      break;
    }
    // Fenced partitions that the group still gives us after the hold: claim them again.
    std::vector<TopicPartition> reclaim;
    for (auto it = suspended.begin(); it != suspended.end();) {
      if (Clock::now() < it->second) {
        ++it;
        continue;
      }
      if (held.contains(it->first)) reclaim.push_back(it->first);
      it = suspended.erase(it);
    }
    if (!reclaim.empty()) {
      log::warn("stream", "still assigned {} after being fenced: claiming them again",
                describe(reclaim));
      auto r = checkpoint_.recover(reclaim);
      if (!r.ok()) {
        result = std::move(r).status();
        break;
      }
    }
    bool ran_batch = false;
    std::vector<TopicPartition> plannable;
    for (const auto& tp : held) {
      if (!suspended.contains(tp)) plannable.push_back(tp);
    }
    if (!plannable.empty()) {
      auto marks = source.watermarks(plannable);
      if (!marks.ok()) {
        result = std::move(marks).status();
        break;
      }
      auto plan = plan_batch(checkpoint_.state().offsets, *marks, config_.plan);
      if (!plan.ok()) {
        result = std::move(plan).status();
        break;
      }
      for (const auto& w : plan->warnings) log::warn("stream", "data loss: {}", w);
      if (!plan->empty()) {
        bool committed = false;
        ran_batch = true;
        result = run_batch(*plan, &committed);
        if (!result.ok()) {
          // A zombie's batch can fail rather than lose its commit: the new owner's recovery
          // deleted its in-flight files. That is being fenced, not an I/O failure of ours.
          auto gone = taken_from_us(*plan, result);
          if (!gone.ok()) {
            result = std::move(gone).status();
            break;
          }
          if (gone->empty()) break;  // every partition is still ours: a real failure
          Status failure = std::exchange(result, Status());
          ++totals_.fenced;
          EngineEvent e{EngineEvent::Kind::kFenced, *gone, {}};
          auto until = Clock::now() + config_.fence_hold;
          for (const auto& tp : *gone) suspended[tp] = until;
          log::warn("stream",
                    "fenced: batch failed ({}) and another worker claimed or was given {}; "
                    "attempt dropped",
                    failure.to_string(), describe(*gone));
          emit(e);
          // The failure may have been the commit itself (outcome unknown to the checkpoint):
          // claim what is still ours again, which also removes this attempt's files there.
          std::vector<TopicPartition> mine;
          for (const auto& tp : held) {
            if (!suspended.contains(tp)) mine.push_back(tp);
          }
          if (!mine.empty()) {
            auto r = checkpoint_.recover(mine);
            if (!r.ok()) {
              result = std::move(r).status();
              break;
            }
          }
          continue;
        }
        if (committed) {
          totals_.lost_offsets += plan->lost_offsets;
          write_back();
        } else {
          EngineEvent e{EngineEvent::Kind::kFenced, {}, {}};
          auto until = Clock::now() + config_.fence_hold;
          for (const auto& r : plan->ranges) {
            e.partitions.push_back(r.tp);
            suspended[r.tp] = until;
          }
          log::warn("stream", "fenced: another worker claimed or committed {}; attempt dropped",
                    describe(e.partitions));
          emit(e);
          continue;  // serve the group at once: we have most likely lost these partitions
        }
        if (config_.max_batches && totals_.batches >= config_.max_batches) break;
      }
      report_lag(*marks);
    }
    if (write_back_due && !held.empty()) write_back();
    // Nothing to do (no partitions, all suspended, or caught up): do not spin on a 0 ms trigger.
    if (!ran_batch) next_trigger = std::max(next_trigger, Clock::now() + kIdleWait);
    result = wait_serving(next_trigger);
  }
  // Leave the group so the others take our partitions at once (no session timeout to wait).
  auto last = owner.leave();
  if (last.ok()) {
    for (auto& e : *last) {
      ++totals_.rebalances;
      emit(e);
    }
  } else {
    log::warn("stream", "leaving the group: {}", last.status().to_string());
  }
  return result;
}

}  // namespace lakestream::stream
