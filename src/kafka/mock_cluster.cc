#include "kafka/mock_cluster.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>

#include "kafka/config.h"
#include "kafka/errors.h"

namespace lakestream::kafka {

namespace {

// Kafka protocol API keys in use today stay below this.
constexpr int16_t kMaxApiKey = 100;

bool parse_int(std::string_view text, int64_t* out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

struct ApiName {
  std::string_view name;
  int16_t key;
};
// The APIs a client of the mock uses; numbers from the Kafka protocol.
constexpr std::array<ApiName, 19> kApis = {{
    {"Produce", 0},          {"Fetch", 1},           {"ListOffsets", 2},
    {"Metadata", 3},         {"OffsetCommit", 8},    {"OffsetFetch", 9},
    {"FindCoordinator", 10}, {"JoinGroup", 11},      {"Heartbeat", 12},
    {"LeaveGroup", 13},      {"SyncGroup", 14},      {"DescribeGroups", 15},
    {"ListGroups", 16},      {"ApiVersion", 18},     {"ApiVersions", 18},
    {"CreateTopics", 19},    {"InitProducerId", 22}, {"AddPartitionsToTxn", 24},
    {"EndTxn", 26},
}};

}  // namespace

Result<MockTopicSpec> parse_topic_spec(std::string_view spec) {
  size_t colon = spec.rfind(':');
  int64_t partitions = 0;
  if (colon == std::string_view::npos || colon == 0 ||
      !parse_int(spec.substr(colon + 1), &partitions) || partitions < 1 || partitions > 100000) {
    return invalid_argument(
        fmt::format("topic spec '{}' must be NAME:PARTITIONS with PARTITIONS >= 1", spec));
  }
  MockTopicSpec out;
  out.name = std::string(spec.substr(0, colon));
  out.partitions = static_cast<int>(partitions);
  out.replication = 3;
  return out;
}

int16_t api_key_from_name(std::string_view name) {
  for (const ApiName& api : kApis) {
    if (api.name.size() == name.size() &&
        std::equal(name.begin(), name.end(), api.name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return api.key;
    }
  }
  int64_t number = 0;
  if (parse_int(name, &number) && number >= 0 && number < kMaxApiKey) {
    return static_cast<int16_t>(number);
  }
  return -1;
}

Result<std::unique_ptr<MockCluster>> MockCluster::start(int brokers) {
  if (brokers < 1 || brokers > 64) {
    return invalid_argument(fmt::format("broker count {} must be between 1 and 64", brokers));
  }
  // The mock cluster needs an rd_kafka_t for its bookkeeping; a producer with no brokers of its
  // own is the lightest one. Its only log line would be the "no bootstrap.servers" warning.
  KafkaConfig config;
  config.set("log_level", "3");
  LS_ASSIGN_OR_RETURN(KafkaPtr owner, create_handle(RD_KAFKA_PRODUCER, config));
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(owner.get(), brokers);
  if (cluster == nullptr) {
    return internal_error("librdkafka could not start the mock cluster (no free port?)");
  }
  return std::unique_ptr<MockCluster>(new MockCluster(std::move(owner), cluster, brokers));
}

MockCluster::MockCluster(KafkaPtr owner, rd_kafka_mock_cluster_s* cluster, int brokers)
    : owner_(std::move(owner)),
      cluster_(cluster),
      brokers_(brokers),
      bootstrap_(rd_kafka_mock_cluster_bootstraps(cluster)) {}

MockCluster::~MockCluster() {
  // Clients of our own go first, then the cluster, then the handle it is attached to.
  filler_producer_.reset();
  rd_kafka_mock_cluster_destroy(cluster_);
  owner_.reset();
}

Status MockCluster::create_topic(const MockTopicSpec& spec) {
  if (spec.name.empty()) return invalid_argument("topic name is empty");
  if (spec.partitions < 1) {
    return invalid_argument(fmt::format("topic {}: partitions must be >= 1", spec.name));
  }
  int replication = std::clamp(spec.replication, 1, brokers_);
  return kafka_status(
      rd_kafka_mock_topic_create(cluster_, spec.name.c_str(), spec.partitions, replication),
      fmt::format("create topic {}", spec.name));
}

Status MockCluster::set_broker_down(int32_t broker_id) {
  return kafka_status(rd_kafka_mock_broker_set_down(cluster_, broker_id),
                      fmt::format("broker {} down", broker_id));
}

Status MockCluster::set_broker_up(int32_t broker_id) {
  return kafka_status(rd_kafka_mock_broker_set_up(cluster_, broker_id),
                      fmt::format("broker {} up", broker_id));
}

Status MockCluster::set_broker_rtt(int32_t broker_id, int rtt_ms) {
  if (rtt_ms < 0) return invalid_argument("rtt must be >= 0 ms");
  return kafka_status(rd_kafka_mock_broker_set_rtt(cluster_, broker_id, rtt_ms),
                      fmt::format("broker {} rtt", broker_id));
}

Status MockCluster::set_partition_leader(std::string_view topic, int32_t partition,
                                         int32_t broker_id) {
  std::string name(topic);
  return kafka_status(
      rd_kafka_mock_partition_set_leader(cluster_, name.c_str(), partition, broker_id),
      fmt::format("topic {} partition {} leader {}", topic, partition, broker_id));
}

Status MockCluster::push_request_errors(int16_t api_key,
                                        const std::vector<rd_kafka_resp_err_t>& errors) {
  if (api_key < 0 || api_key >= kMaxApiKey) {
    return invalid_argument(fmt::format("unknown Kafka API key {}", api_key));
  }
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errors.size(), errors.data());
  return Status();
}

void MockCluster::clear_request_errors(int16_t api_key) {
  rd_kafka_mock_clear_request_errors(cluster_, api_key);
}

void MockCluster::set_topic_error(std::string_view topic, rd_kafka_resp_err_t err) {
  std::string name(topic);
  rd_kafka_mock_topic_set_error(cluster_, name.c_str(), err);
}

Status MockCluster::set_group_coordinator(std::string_view group, int32_t broker_id) {
  std::string key(group);
  return kafka_status(rd_kafka_mock_coordinator_set(cluster_, "group", key.c_str(), broker_id),
                      fmt::format("group {} coordinator {}", group, broker_id));
}

Result<int64_t> MockCluster::expire_partition(std::string_view topic, int32_t partition) {
  std::string name(topic);
  if (!filler_producer_) {
    KafkaConfig config;
    config.set("bootstrap.servers", bootstrap_).set("linger.ms", "0").set("acks", "all");
    LS_ASSIGN_OR_RETURN(filler_producer_, create_handle(RD_KAFKA_PRODUCER, config));
  }
  rd_kafka_t* rk = filler_producer_.get();
  std::string context = fmt::format("expire topic {} partition {}", topic, partition);
  int64_t low = 0;
  int64_t high = 0;
  LS_RETURN_IF_ERROR(kafka_status(
      rd_kafka_query_watermark_offsets(rk, name.c_str(), partition, &low, &high, 10000), context));
  const int64_t target = high;
  std::string key = "lakestream-expire-filler";
  key.resize(64 * 1024, '.');
  // Each round adds ~1 MiB; 5 MiB of retention needs about six, so twenty means something is off.
  for (int round = 0; round < 20 && low < target; ++round) {
    for (int i = 0; i < 16; ++i) {
      rd_kafka_resp_err_t err =
          rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(name.c_str()), RD_KAFKA_V_PARTITION(partition),
                            RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(nullptr, 0),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      LS_RETURN_IF_ERROR(kafka_status(err, context));
    }
    LS_RETURN_IF_ERROR(kafka_status(rd_kafka_flush(rk, 30000), context));
    LS_RETURN_IF_ERROR(kafka_status(
        rd_kafka_query_watermark_offsets(rk, name.c_str(), partition, &low, &high, 10000),
        context));
  }
  if (low < target) {
    return internal_error(
        fmt::format("{}: log start offset stayed at {} (< {})", context, low, target));
  }
  return low;
}

}  // namespace lakestream::kafka
