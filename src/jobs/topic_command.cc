// `lakestream topic create|describe`: topic administration against any Kafka cluster.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/log.h"
#include "jobs/commands.h"
#include "jobs/exit.h"
#include "kafka/admin.h"
#include "kafka/config.h"
#include "kafka/handles.h"
#include "kafka/metadata.h"

namespace lakestream::jobs {

namespace {

struct TopicOptions {
  std::string action;
  std::string bootstrap;
  std::string topic;
  int partitions = 1;
  int replication = -1;
  std::vector<std::string> topic_configs;  // NAME=VALUE
  std::vector<std::string> kafka;          // kafka.NAME=VALUE passthrough
  int timeout_s = 15;
  bool json = false;
};

std::string join_ids(const std::vector<int32_t>& ids) {
  std::string out;
  for (int32_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

Status run_describe(const TopicOptions& o, const kafka::KafkaConfig& config) {
  std::chrono::milliseconds timeout(o.timeout_s * 1000LL);
  LS_ASSIGN_OR_RETURN(kafka::KafkaPtr rk, kafka::create_handle(RD_KAFKA_CONSUMER, config));
  auto md = kafka::describe_topic(rk.get(), o.topic, timeout);
  if (!md.ok()) {
    if (md.status().code() == StatusCode::kNotFound) return md.status();
    return Status(md.status().code(),
                  fmt::format("cannot reach Kafka at {}: {}", o.bootstrap, md.status().message()));
  }
  std::vector<kafka::TopicPartition> tps;
  for (const auto& p : md->partitions) tps.push_back({md->name, p.id});
  auto marks = kafka::query_watermarks(rk.get(), tps, timeout);
  if (!marks.ok()) {
    // Metadata is still worth showing when offsets cannot be listed (e.g. a leaderless partition).
    log::warn("topic", "watermarks unavailable: {}", marks.status().to_string());
  }
  std::string out;
  if (o.json) {
    nlohmann::json j;
    j["topic"] = md->name;
    j["partitions"] = md->partitions.size();
    j["replication"] = md->replication();
    nlohmann::json parts = nlohmann::json::array();
    for (size_t i = 0; i < md->partitions.size(); ++i) {
      const auto& p = md->partitions[i];
      nlohmann::json jp = {
          {"partition", p.id}, {"leader", p.leader}, {"replicas", p.replicas}, {"isr", p.isr}};
      if (marks.ok()) {
        jp["low"] = (*marks)[i].low;
        jp["high"] = (*marks)[i].high;
      }
      parts.push_back(std::move(jp));
    }
    j["partition_details"] = std::move(parts);
    out = j.dump() + "\n";
  } else {
    out = fmt::format("topic {} partitions {} replication {}\n", md->name, md->partitions.size(),
                      md->replication());
    for (size_t i = 0; i < md->partitions.size(); ++i) {
      const auto& p = md->partitions[i];
      out += fmt::format("  partition {} leader {} replicas {} isr {}", p.id, p.leader,
                         join_ids(p.replicas), join_ids(p.isr));
      if (marks.ok()) out += fmt::format(" low {} high {}", (*marks)[i].low, (*marks)[i].high);
      out += '\n';
    }
  }
  std::fputs(out.c_str(), stdout);
  return Status();
}

Status run_create(const TopicOptions& o, const kafka::KafkaConfig& config) {
  kafka::NewTopicSpec spec;
  spec.name = o.topic;
  spec.partitions = o.partitions;
  spec.replication = o.replication;
  for (const std::string& c : o.topic_configs) {
    size_t eq = c.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalid_argument(fmt::format("--config-entry '{}' must be NAME=VALUE", c));
    }
    spec.configs.emplace_back(c.substr(0, eq), c.substr(eq + 1));
  }
  LS_RETURN_IF_ERROR(
      kafka::create_topic(config, spec, std::chrono::milliseconds(o.timeout_s * 1000LL)));
  std::fputs(fmt::format("created topic {} partitions {} replication {}\n", o.topic, o.partitions,
                         o.replication)
                 .c_str(),
             stdout);
  return Status();
}

Status run_topic(const TopicOptions& o) {
  if (o.bootstrap.empty()) {
    return invalid_argument(
        "--bootstrap is required (or set KAFKA_BOOTSTRAP_SERVER / KAFKA_BOOTSTRAM_SERVER)");
  }
  kafka::KafkaConfig config;
  config.set("bootstrap.servers", o.bootstrap);
  LS_RETURN_IF_ERROR(config.set_passthrough(o.kafka));
  log::debug("topic", "kafka config: {}", config.describe());
  if (o.action == "create") return run_create(o, config);
  return run_describe(o, config);
}

}  // namespace

void add_topic_command(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<TopicOptions>();
  auto* cmd = app.add_subcommand(
      "topic", "Create or describe a Kafka topic through the Admin API (any Kafka cluster)");
  cmd->add_option("action", o->action, "create or describe")
      ->required()
      ->check(CLI::IsMember({"create", "describe"}));
  cmd->add_option("--bootstrap", o->bootstrap, "Kafka bootstrap servers (host:port,...)")
      ->envname("KAFKA_BOOTSTRAP_SERVER");
  cmd->add_option("--topic", o->topic, "Topic name")->required();
  cmd->add_option("--partitions", o->partitions, "Partitions of a new topic")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--replication", o->replication,
                  "Replication factor of a new topic (-1: the broker's default)")
      ->capture_default_str();
  cmd->add_option("--config-entry", o->topic_configs,
                  "Topic config of a new topic, NAME=VALUE (e.g. retention.ms=86400000); repeat");
  cmd->add_option("-X,--kafka", o->kafka,
                  "Any librdkafka property, kafka.NAME=VALUE or NAME=VALUE (e.g. "
                  "security.protocol=SASL_SSL); repeat. Secrets are never printed");
  cmd->add_option("--timeout", o->timeout_s, "Seconds to wait for the cluster")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  cmd->add_flag("--json", o->json, "describe: print one JSON object instead of text");
  cmd->callback([o, exit_code] {
    if (o->bootstrap.empty()) {
      if (auto v = env_first({"KAFKA_BOOTSTRAP_SERVER", "KAFKA_BOOTSTRAM_SERVER"}))
        o->bootstrap = *v;
    }
    *exit_code = finish("topic", run_topic(*o));
  });
}

}  // namespace lakestream::jobs
