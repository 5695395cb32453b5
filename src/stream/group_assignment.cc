#include "stream/group_assignment.h"

#include <fmt/format.h>

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
    const kafka::GroupOptions& options) {
  LS_ASSIGN_OR_RETURN(auto member, kafka::GroupMember::join(options));
  return std::unique_ptr<KafkaGroupOwnership>(new KafkaGroupOwnership(std::move(member)));
}

Result<std::vector<EngineEvent>> KafkaGroupOwnership::poll(std::chrono::milliseconds timeout) {
  LS_ASSIGN_OR_RETURN(auto events, member_->poll(timeout));
  return to_events(std::move(events));
}

Status KafkaGroupOwnership::commit_offsets(const std::vector<OffsetRange>& ranges) {
  pending_.clear();
  for (const auto& r : ranges) pending_.push_back({{r.tp.topic, r.tp.partition}, r.end});
  auto now = std::chrono::steady_clock::now();
  if (now < next_commit_) return Status();
  Status s = member_->commit_sync(pending_);
  // A commit that meets a rebalance fails (and on librdkafka 2.0.2 it can cost the member its
  // assignment): back off longer than a rebalance takes before the next one.
  next_commit_ = now + (s.ok() ? kCommitInterval : kCommitBackoff);
  if (s.ok()) pending_.clear();
  return s;
}

Result<std::vector<EngineEvent>> KafkaGroupOwnership::leave() {
  if (!pending_.empty() && std::chrono::steady_clock::now() >= next_commit_) {
    (void)member_->commit_sync(pending_);  // best effort: a hint for lag tools
  }
  LS_ASSIGN_OR_RETURN(auto events, member_->close());
  return to_events(std::move(events));
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
