// The dev broker's control protocol: one text command per line, for tests and users to inject
// Kafka faults (issue 10) into a running `lakestream broker`.
//
//   broker-down ID|all            disconnect a broker and refuse new connections
//   broker-up ID|all              accept connections again
//   rtt ID|all MS                 delay every response of a broker by MS milliseconds
//   leader TOPIC PARTITION ID|none   move a partition's leader (none: leaderless)
//   errors API COUNT ERROR        fail the next COUNT requests of API (Produce, Fetch, Metadata,
//                                 OffsetCommit, JoinGroup, ... or a number) with ERROR, a Kafka
//                                 error name (NOT_LEADER_FOR_PARTITION, _TRANSPORT, ...)
//   clear-errors API              drop the pending injected errors of API
//   topic-error TOPIC ERROR       Metadata answers for TOPIC carry ERROR (NO_ERROR clears)
//   create-topic NAME PARTITIONS [REPLICATION]
//   coordinator GROUP ID          make broker ID the coordinator of consumer group GROUP
//   expire TOPIC PARTITION        lose every current record of the partition to retention (the
//                                 log start offset passes today's end; filler records with a
//                                 null value and a 64 KiB key take their place)
//   sleep MS                      wait (for scripted schedules)
//   stop                          shut the broker down
//   help                          list the commands
// Blank lines and lines starting with '#' are ignored. Each command answers one line:
// "ok[ detail]" or "error: <why>".
//
// Parsing is separate from applying so the parser can be fuzzed without a cluster.
// Thread-safety: pure parser; apply_control() as MockCluster's control methods.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/mock_cluster.h"

namespace lakestream::kafka {

struct ControlCommand {
  enum class Kind {
    kNone,  // blank line or comment
    kBrokerDown,
    kBrokerUp,
    kRtt,
    kLeader,
    kErrors,
    kClearErrors,
    kTopicError,
    kCreateTopic,
    kCoordinator,
    kExpire,
    kSleep,
    kStop,
    kHelp,
  };
  Kind kind = Kind::kNone;
  int32_t broker = -1;  // -1: all brokers (or no leader for kLeader)
  std::string name;     // topic or group
  int32_t partition = 0;
  int64_t value = 0;  // rtt ms, sleep ms, error count, partitions
  int32_t replication = 3;
  int16_t api_key = -1;
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
};

// Parses one line. kInvalidArgument with a usage hint on anything malformed.
Result<ControlCommand> parse_control_line(std::string_view line);

// Applies a parsed command (kSleep sleeps here; kStop, kHelp and kNone do nothing) and returns
// the "ok ..." detail for the reply.
Result<std::string> apply_control(MockCluster& cluster, const ControlCommand& command);

// The help text (the command list above).
std::string_view control_help();

}  // namespace lakestream::kafka
