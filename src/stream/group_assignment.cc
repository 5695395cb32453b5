#include "stream/group_assignment.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/log.h"

namespace lakestream::stream {
namespace {

std::vector<EngineEvent> to_events(std::vector<kafka::RebalanceEvent> events) {
  std::vector<EngineEvent> out;
  for (auto& e : events) {
    EngineEvent ev;
    switch (e.kind) {
      case kafka::RebalanceEvent::Kind::kAssigned:
        ev.kind = EngineEvent::Kind::kAssigned;
        break;
      case kafka::RebalanceEvent::Kind::kRevoked:
        ev.kind = EngineEvent::Kind::kRevoked;
        break;
      case kafka::RebalanceEvent::Kind::kLost:
        ev.kind = EngineEvent::Kind::kLost;
        break;
    }
    for (auto& tp : e.partitions) ev.partitions.push_back({std::move(tp.topic), tp.partition});
    out.push_back(std::move(ev));
  }
  return out;
}

}  // namespace

const char* engine_event_name(EngineEvent::Kind kind) {
  switch (kind) {
    case EngineEvent::Kind::kAssigned:
      return "assigned";
    case EngineEvent::Kind::kRevoked:
      return "revoked";
    case EngineEvent::Kind::kLost:
      return "lost";
    case EngineEvent::Kind::kFenced:
      return "fenced";
    case EngineEvent::Kind::kLag:
      return "lag";
  }
  return "?";
}

Result<std::unique_ptr<KafkaGroupOwnership>> KafkaGroupOwnership::join(
    const kafka::GroupOptions& options, GroupHintOptions hints) {
  LS_ASSIGN_OR_RETURN(auto member, kafka::GroupMember::join(options));
  return std::unique_ptr<KafkaGroupOwnership>(
      new KafkaGroupOwnership(options, hints, std::move(member)));
}

void KafkaGroupOwnership::watch_membership(const std::vector<kafka::RebalanceEvent>& events) {
  auto now = std::chrono::steady_clock::now();
  if (!member_->assignment().empty()) {
    empty_since_.reset();
    return;
  }
  for (const auto& e : events) {
    if (e.kind == kafka::RebalanceEvent::Kind::kLost && !empty_since_) empty_since_ = now;
  }
  if (!empty_since_ || hints_.rejoin_after.count() <= 0 ||
      now - *empty_since_ < hints_.rejoin_after) {
    return;
  }
  log::warn("stream",
            "group {}: no partitions for {} ms since losing them; leaving and joining again",
            options_.group_id, hints_.rejoin_after.count());
  auto fresh = kafka::GroupMember::join(options_);
  if (!fresh.ok()) {
    log::warn("stream", "group {}: joining again: {}", options_.group_id,
              fresh.status().to_string());
    empty_since_ = now;  // try again after another rejoin_after
    return;
  }
  (void)member_->close();  // holds nothing: no revocation to report
  member_ = std::move(fresh).value();
  ++members_created_;
  empty_since_.reset();
}

Result<std::vector<EngineEvent>> KafkaGroupOwnership::poll(std::chrono::milliseconds timeout) {
  LS_ASSIGN_OR_RETURN(auto events, member_->poll(timeout));
  forget_revoked(events);
  watch_membership(events);
  // Offsets held back by the interval go out once it has passed, even if no batch runs again.
  if (!pending_.empty() && std::chrono::steady_clock::now() >= next_commit_) {
    Status s = flush();
    if (!s.ok()) log::warn("stream", "offsets not written back to the group: {}", s.to_string());
  }
  return to_events(std::move(events));
}

Status KafkaGroupOwnership::commit_offsets(const std::vector<OffsetRange>& ranges) {
  pending_.clear();
  for (const auto& r : ranges) pending_.push_back({{r.tp.topic, r.tp.partition}, r.end});
  if (std::chrono::steady_clock::now() < next_commit_) return Status();
  return flush();
}

void KafkaGroupOwnership::forget_revoked(const std::vector<kafka::RebalanceEvent>& events) {
  // An orderly revocation hands the partition's group offset to its next owner. A lost
  // partition stays pending: librdkafka 2.0.2 reports a failed commit as a loss and gives the
  // partitions back after it rejoins.
  for (const auto& e : events) {
    if (e.kind != kafka::RebalanceEvent::Kind::kRevoked) continue;
    std::erase_if(pending_, [&](const kafka::PartitionOffset& po) {
      return std::binary_search(e.partitions.begin(), e.partitions.end(), po.tp);
    });
  }
}

Status KafkaGroupOwnership::flush() {
  // Only partitions still ours: a revoked one's group offset belongs to its new owner, which may
  // be ahead of what we last committed. Lost ones stay pending in case they come back to us.
  std::vector<kafka::PartitionOffset> mine;
  for (const auto& po : pending_) {
    if (member_->assignment().contains(po.tp)) mine.push_back(po);
  }
  if (mine.empty()) return Status();
  Status s = member_->commit_sync(mine);
  // A commit that meets a rebalance fails (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
  // REBALANCE_IN_PROGRESS; librdkafka 2.0.2 may then drop the member's assignment and rejoin):
  // back off longer than a rebalance takes; the offsets stay pending for the next try.
  next_commit_ = std::chrono::steady_clock::now() + (s.ok() ? hints_.interval : hints_.backoff);
  if (s.ok()) {
    std::erase_if(pending_, [&](const kafka::PartitionOffset& po) {
      return member_->assignment().contains(po.tp);
    });
  }
  return s;
}

Result<std::vector<EngineEvent>> KafkaGroupOwnership::leave() {
  // The last offsets always go: throttling would keep up to an interval of progress out of the
  // group's view for good. Leaving often meets a rebalance (another worker stopping or joining):
  // serve the group and try again for a while, since nobody else writes these partitions back.
  // A failed commit may also cost the member its assignment (reported lost): wait for the
  // partitions to come back, then send them.
  std::vector<kafka::RebalanceEvent> during;
  Status s = flush();
  const auto deadline = std::chrono::steady_clock::now() + hints_.leave_timeout;
  while (!pending_.empty() && std::chrono::steady_clock::now() < deadline) {
    auto events = member_->poll(std::chrono::milliseconds(250));
    if (!events.ok()) break;
    forget_revoked(*events);
    // The group has handed out partitions again: lost ones that did not come back to us went to
    // another member, which writes them back on assignment. Stop waiting for them.
    if (std::any_of(events->begin(), events->end(), [](const kafka::RebalanceEvent& e) {
          return e.kind == kafka::RebalanceEvent::Kind::kAssigned;
        })) {
      std::erase_if(pending_, [&](const kafka::PartitionOffset& po) {
        return !member_->assignment().contains(po.tp);
      });
    }
    during.insert(during.end(), events->begin(), events->end());
    s = flush();
  }
  if (s.ok() && !pending_.empty()) {
    s = unavailable(fmt::format("{} partitions lost and not given back within {} ms",
                                pending_.size(), hints_.leave_timeout.count()));
  }
  if (!s.ok()) log::warn("stream", "last offsets not written back to the group: {}", s.to_string());
  LS_ASSIGN_OR_RETURN(auto events, member_->close());
  during.insert(during.end(), events.begin(), events.end());
  return to_events(std::move(during));
}

std::string default_group_id(std::string_view checkpoint_uri) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : checkpoint_uri) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("lakestream-{:012x}", h & 0xffffffffffffull);
}

}  // namespace lakestream::stream
