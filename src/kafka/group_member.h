// Membership of a Kafka consumer group, for scale-out (issue 9): several `lakestream stream`
// workers in one group split a topic's partitions through Kafka's own group protocol with the
// cooperative-sticky assignor, so a rebalance moves only the partitions that must move.
//
// A GroupMember only holds partitions; it never reads records. The worker fetches the records
// of the partitions it holds by explicit offset ranges with kafka::Consumer, and keeps the truth
// about offsets in its checkpoint. After each committed micro-batch it writes the new offsets
// back to the group with commit_sync(), so standard lag tools (kcat, kafka-consumer-groups) show
// true lag; those group offsets are a hint, never read back as truth.
//
// Rebalances are delivered on the caller's thread: poll() serves the group protocol and returns
// what changed since the last call, in order:
//   kAssigned: these partitions are now ours (recover their state, then plan batches for them);
//   kRevoked:  these partitions are being taken away in an orderly rebalance (stop planning them;
//              an in-flight batch for them may still try to commit: its conditional commit
//              decides whether it lands);
//   kLost:     the session expired (e.g. the process was paused past session.timeout.ms); another
//              worker may already own them: drop any attempt for them without committing.
// poll() must be called at least every max.poll.interval.ms (default 300 s), or the member is
// considered failed and its partitions are given to others (it then sees kLost).
//
// Thread-safety: one thread at a time (the job's control thread).
#pragma once

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "kafka/config.h"
#include "kafka/handles.h"
#include "kafka/topic_partition.h"

namespace lakestream::kafka {

struct GroupOptions {
  // bootstrap.servers and any librdkafka property (kafka.* passthrough); these win over the
  // defaults below, e.g. session.timeout.ms or group.instance.id (static membership).
  KafkaConfig config;
  std::string group_id;
  // Topics to share, or (when `pattern` is set) a POSIX extended regex matched against whole topic
  // names, Spark's subscribePattern. Exactly one of the two must be given.
  std::vector<std::string> topics;
  std::string pattern;
  std::chrono::milliseconds session_timeout{10000};
  std::chrono::milliseconds max_poll_interval{300000};
};

struct RebalanceEvent {
  enum class Kind { kAssigned, kRevoked, kLost };
  Kind kind = Kind::kAssigned;
  std::vector<TopicPartition> partitions;  // sorted
};

// "assigned" / "revoked" / "lost".
const char* rebalance_kind_name(RebalanceEvent::Kind kind);

class GroupMember {
 public:
  // Creates the member and subscribes; joining happens during the following poll() calls.
  // kInvalidArgument for a bad option or property.
  static Result<std::unique_ptr<GroupMember>> join(const GroupOptions& options);
  // Leaves the group if close() was not called (revocations are then not reported).
  ~GroupMember();
  GroupMember(const GroupMember&) = delete;
  GroupMember& operator=(const GroupMember&) = delete;

  // Serves the group protocol for up to `timeout` and returns the rebalance events that
  // happened, oldest first. Returns early (after at most ~50 ms more) once an event arrived.
  // Errors: kPermissionDenied (group/topic ACLs), kInternal for a fatal client error; transient
  // broker errors are logged and retried by librdkafka.
  Result<std::vector<RebalanceEvent>> poll(std::chrono::milliseconds timeout);

  // The partitions this member holds now.
  const std::set<TopicPartition>& assignment() const { return assignment_; }

  // Synchronously commits these offsets (each the next offset to read, i.e. a batch's end) to
  // the group. kPreconditionFailed when the member no longer belongs to the current generation
  // (the group rebalanced without it); kUnavailable / kTimeout when the coordinator is away.
  Status commit_sync(const std::vector<PartitionOffset>& offsets);

  // The group's committed offsets for these partitions (-1 when none), e.g. for a lag report.
  Result<std::vector<PartitionOffset>> committed(const std::vector<TopicPartition>& partitions,
                                                 std::chrono::milliseconds timeout);

  // Leaves the group (other members take over our partitions at once, without waiting for the
  // session timeout) and returns the final revocation events.
  Result<std::vector<RebalanceEvent>> close();

  // Member id assigned by the coordinator ("" before joining).
  std::string member_id() const;

 private:
  explicit GroupMember(std::string group_id);
  static void rebalance_callback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                 rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);

  std::string group_id_;
  KafkaPtr rk_;
  std::set<TopicPartition> assignment_;
  std::vector<RebalanceEvent> pending_;
  Status callback_error_;
  bool closed_ = false;
};

}  // namespace lakestream::kafka
