#include "kafka/broker_control.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <thread>

#include "kafka/errors.h"

namespace lakestream::kafka {

namespace {

constexpr std::string_view kHelp =
    "commands: broker-down ID|all, broker-up ID|all, rtt ID|all MS, "
    "leader TOPIC PARTITION ID|none, errors API COUNT ERROR, clear-errors API, "
    "topic-error TOPIC ERROR, create-topic NAME PARTITIONS [REPLICATION], coordinator GROUP ID, "
    "expire TOPIC PARTITION, sleep MS, stop, help";

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

bool to_int(std::string_view text, int64_t min, int64_t max, int64_t* out) {
  if (text.empty()) return false;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

Status usage(std::string_view verb, std::string_view form) {
  return invalid_argument(fmt::format("{}: usage: {}", verb, form));
}

// "all" or a broker id >= 1 (also "none" for a leaderless partition when allow_none).
bool parse_broker(std::string_view word, bool allow_none, int32_t* out) {
  if (word == "all" || (allow_none && word == "none")) {
    *out = -1;
    return true;
  }
  int64_t v = 0;
  if (!to_int(word, 1, 1 << 20, &v)) return false;
  *out = static_cast<int32_t>(v);
  return true;
}

}  // namespace

std::string_view control_help() { return kHelp; }

Result<ControlCommand> parse_control_line(std::string_view line) {
  ControlCommand cmd;
  std::vector<std::string_view> w = split_words(line);
  if (w.empty() || w[0].starts_with('#')) return cmd;
  std::string_view verb = w[0];
  const size_t argc = w.size() - 1;
  int64_t v = 0;
  using Kind = ControlCommand::Kind;

  if (verb == "broker-down" || verb == "broker-up") {
    cmd.kind = verb == "broker-down" ? Kind::kBrokerDown : Kind::kBrokerUp;
    if (argc != 1 || !parse_broker(w[1], false, &cmd.broker)) return usage(verb, "ID|all");
  } else if (verb == "rtt") {
    cmd.kind = Kind::kRtt;
    if (argc != 2 || !parse_broker(w[1], false, &cmd.broker) || !to_int(w[2], 0, 3600000, &v)) {
      return usage(verb, "rtt ID|all MS");
    }
    cmd.value = v;
  } else if (verb == "leader") {
    cmd.kind = Kind::kLeader;
    if (argc != 3 || !to_int(w[2], 0, INT32_MAX, &v) || !parse_broker(w[3], true, &cmd.broker)) {
      return usage(verb, "leader TOPIC PARTITION ID|none");
    }
    cmd.name = std::string(w[1]);
    cmd.partition = static_cast<int32_t>(v);
  } else if (verb == "errors") {
    cmd.kind = Kind::kErrors;
    if (argc != 3 || !to_int(w[2], 1, 100000, &v)) return usage(verb, "errors API COUNT ERROR");
    cmd.api_key = api_key_from_name(w[1]);
    if (cmd.api_key < 0) return invalid_argument(fmt::format("errors: unknown API '{}'", w[1]));
    if (!error_from_name(w[3], &cmd.error)) {
      return invalid_argument(fmt::format("errors: unknown Kafka error '{}'", w[3]));
    }
    cmd.value = v;
  } else if (verb == "clear-errors") {
    cmd.kind = Kind::kClearErrors;
    if (argc != 1) return usage(verb, "clear-errors API");
    cmd.api_key = api_key_from_name(w[1]);
    if (cmd.api_key < 0)
      return invalid_argument(fmt::format("clear-errors: unknown API '{}'", w[1]));
  } else if (verb == "topic-error") {
    cmd.kind = Kind::kTopicError;
    if (argc != 2) return usage(verb, "topic-error TOPIC ERROR");
    cmd.name = std::string(w[1]);
    if (!error_from_name(w[2], &cmd.error)) {
      return invalid_argument(fmt::format("topic-error: unknown Kafka error '{}'", w[2]));
    }
  } else if (verb == "create-topic") {
    cmd.kind = Kind::kCreateTopic;
    int64_t r = 3;
    if (argc < 2 || argc > 3 || !to_int(w[2], 1, 100000, &v) ||
        (argc == 3 && !to_int(w[3], 1, 64, &r))) {
      return usage(verb, "create-topic NAME PARTITIONS [REPLICATION]");
    }
    cmd.name = std::string(w[1]);
    cmd.value = v;
    cmd.replication = static_cast<int32_t>(r);
  } else if (verb == "coordinator") {
    cmd.kind = Kind::kCoordinator;
    if (argc != 2 || !parse_broker(w[2], false, &cmd.broker) || cmd.broker < 0) {
      return usage(verb, "coordinator GROUP ID");
    }
    cmd.name = std::string(w[1]);
  } else if (verb == "expire") {
    cmd.kind = Kind::kExpire;
    if (argc != 2 || !to_int(w[2], 0, INT32_MAX, &v)) return usage(verb, "expire TOPIC PARTITION");
    cmd.name = std::string(w[1]);
    cmd.partition = static_cast<int32_t>(v);
  } else if (verb == "sleep") {
    cmd.kind = Kind::kSleep;
    if (argc != 1 || !to_int(w[1], 0, 3600000, &v)) return usage(verb, "sleep MS");
    cmd.value = v;
  } else if (verb == "stop" || verb == "quit") {
    cmd.kind = Kind::kStop;
  } else if (verb == "help") {
    cmd.kind = Kind::kHelp;
  } else {
    return invalid_argument(fmt::format("unknown command '{}'; {}", verb, kHelp));
  }
  return cmd;
}

Result<std::string> apply_control(MockCluster& cluster, const ControlCommand& cmd) {
  using Kind = ControlCommand::Kind;
  switch (cmd.kind) {
    case Kind::kNone:
    case Kind::kStop:
      return std::string();
    case Kind::kHelp:
      return std::string(kHelp);
    case Kind::kBrokerDown:
      LS_RETURN_IF_ERROR(cluster.set_broker_down(cmd.broker));
      return std::string();
    case Kind::kBrokerUp:
      LS_RETURN_IF_ERROR(cluster.set_broker_up(cmd.broker));
      return std::string();
    case Kind::kRtt:
      LS_RETURN_IF_ERROR(cluster.set_broker_rtt(cmd.broker, static_cast<int>(cmd.value)));
      return std::string();
    case Kind::kLeader:
      LS_RETURN_IF_ERROR(cluster.set_partition_leader(cmd.name, cmd.partition, cmd.broker));
      return std::string();
    case Kind::kErrors: {
      std::vector<rd_kafka_resp_err_t> errors(static_cast<size_t>(cmd.value), cmd.error);
      LS_RETURN_IF_ERROR(cluster.push_request_errors(cmd.api_key, errors));
      return std::string();
    }
    case Kind::kClearErrors:
      cluster.clear_request_errors(cmd.api_key);
      return std::string();
    case Kind::kTopicError:
      cluster.set_topic_error(cmd.name, cmd.error);
      return std::string();
    case Kind::kCreateTopic:
      LS_RETURN_IF_ERROR(cluster.create_topic(
          {cmd.name, static_cast<int>(cmd.value), static_cast<int>(cmd.replication)}));
      return std::string();
    case Kind::kCoordinator:
      LS_RETURN_IF_ERROR(cluster.set_group_coordinator(cmd.name, cmd.broker));
      return std::string();
    case Kind::kExpire: {
      LS_ASSIGN_OR_RETURN(int64_t low, cluster.expire_partition(cmd.name, cmd.partition));
      return fmt::format("log-start-offset {}", low);
    }
    case Kind::kSleep:
      std::this_thread::sleep_for(std::chrono::milliseconds(cmd.value));
      return std::string();
  }
  return internal_error("unhandled control command");
}

}  // namespace lakestream::kafka
