// Consumer-group mode of the stream engine (issue 9): which partitions this worker may plan.
//
// Several `lakestream stream` workers with the same group, output and checkpoint share a topic's
// partitions through Kafka's group protocol (kafka::GroupMember, cooperative-sticky). The group
// only says who *should* work on a partition; the checkpoint's conditional log stays the truth
// about offsets and the only fence: on assignment a worker claims the partitions in the log
// (CheckpointStore::recover with the partition list), so a previous owner that is still running
// (a zombie paused past the session timeout) meets the claim when it tries to commit and is
// fenced. After each commit the worker writes the batch's end offsets back to the group, a hint
// for lag tools that is never read back.
//
// PartitionOwnership is the engine's view of the group, so the engine can be tested with a
// scripted owner (no broker); KafkaGroupOwnership is the real one.
// Thread-safety: one thread (the engine's control thread).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/topic_partition.h"
#include "common/status.h"
#include "kafka/group_member.h"

namespace lakestream::stream {

using checkpoint::OffsetRange;
using checkpoint::TopicPartition;

struct PartitionLag {
  TopicPartition tp;
  int64_t committed = -1;  // next offset to read as committed; -1: nothing committed yet
  int64_t high = 0;        // high watermark when the lag was computed
  int64_t lag = 0;         // high - committed (high - low watermark when nothing is committed)
};

// What the engine reports besides progress lines (metrics and logs).
struct EngineEvent {
  enum class Kind {
    kAssigned,  // partitions given to this worker (already claimed and recovered)
    kRevoked,   // taken away in an orderly rebalance (no batch was in flight for them)
    kLost,      // the group expired our session: another worker may own them now
    kFenced,    // a commit lost to another writer's claim or commit of one of these partitions
    kLag,       // per-partition lag of the partitions this worker holds, after each iteration
  };
  Kind kind = Kind::kLag;
  std::vector<TopicPartition> partitions;
  std::vector<PartitionLag> lag;  // kLag only
};

// "assigned", "revoked", "lost", "fenced", "lag".
const char* engine_event_name(EngineEvent::Kind kind);

class PartitionOwnership {
 public:
  virtual ~PartitionOwnership() = default;
  // Serves the group for up to `timeout`; returns what changed (kAssigned / kRevoked / kLost
  // events only), oldest first. Returns early once something changed.
  virtual Result<std::vector<EngineEvent>> poll(std::chrono::milliseconds timeout) = 0;
  // Writes the committed end offsets of these ranges back to the group (a hint for lag tools).
  // The caller passes every partition it holds after each commit and after each assignment; an
  // implementation may send only every few seconds (the latest offsets win, held-back ones go
  // out later without another call). Errors are for logging only.
  virtual Status commit_offsets(const std::vector<OffsetRange>& ranges) = 0;
  // Leaves the group; returns the final revocations.
  virtual Result<std::vector<EngineEvent>> leave() = 0;
};

// How KafkaGroupOwnership writes offsets back and watches its membership.
struct GroupHintOptions {
  // Offsets go to the group at most once per `interval`, like Kafka's auto-commit (5 s): each
  // synchronous OffsetCommit that lands in a rebalance blocks the worker until the rebalance
  // ends, so fewer of them means fewer stalls; lag tools are at most that much behind. Offsets
  // held back go out with a later commit_offsets() or poll(), and always on leave().
  std::chrono::milliseconds interval{5000};
  // After a failed OffsetCommit (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS:
  // it met a rebalance), longer than a rebalance takes.
  std::chrono::milliseconds backoff{15000};
  // Holding no partition this long after losing them (session expired, or librdkafka 2.0.2
  // dropping the assignment after a failed commit): leave and join again with a new member, in
  // case the old one never rejoins. Costs one extra rebalance when the group legitimately has
  // nothing for us (more workers than partitions). 0: never.
  std::chrono::milliseconds rejoin_after{60000};
  // leave() keeps serving the group and retrying the last offsets this long when the commit
  // meets a rebalance.
  std::chrono::milliseconds leave_timeout{10000};
};

class KafkaGroupOwnership final : public PartitionOwnership {
 public:
  // Joins (subscribes); assignments arrive through poll(). Errors as GroupMember::join.
  static Result<std::unique_ptr<KafkaGroupOwnership>> join(const kafka::GroupOptions& options,
                                                           GroupHintOptions hints = {});
  // Members created so far (1 + rejoins after a lost assignment).
  int members_created() const { return members_created_; }

  Result<std::vector<EngineEvent>> poll(std::chrono::milliseconds timeout) override;
  Status commit_offsets(const std::vector<OffsetRange>& ranges) override;
  Result<std::vector<EngineEvent>> leave() override;

 private:
  KafkaGroupOwnership(kafka::GroupOptions options, GroupHintOptions hints,
                      std::unique_ptr<kafka::GroupMember> member)
      : options_(std::move(options)), hints_(hints), member_(std::move(member)) {}
  // Sends pending_ (those still assigned) now; keeps them on failure.
  Status flush();
  void forget_revoked(const std::vector<kafka::RebalanceEvent>& events);
  // The lost-assignment watchdog (GroupHintOptions::rejoin_after).
  void watch_membership(const std::vector<kafka::RebalanceEvent>& events);

  kafka::GroupOptions options_;
  GroupHintOptions hints_;
  std::unique_ptr<kafka::GroupMember> member_;
  int members_created_ = 1;
  std::vector<kafka::PartitionOffset> pending_;  // latest offsets not yet sent
  std::chrono::steady_clock::time_point next_commit_{};
  std::optional<std::chrono::steady_clock::time_point> empty_since_;  // after a loss
};

// The group id used when `--group auto` is given: "lakestream-" + 12 hex digits of a 64-bit
// FNV-1a hash of the checkpoint URI, so workers on the same checkpoint meet in the same group
// and two jobs on different checkpoints never do.
std::string default_group_id(std::string_view checkpoint_uri);

}  // namespace lakestream::stream
