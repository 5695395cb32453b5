#include "kafka/config.h"

#include <fmt/format.h>

#include <array>

#include "common/env.h"
#include "common/log.h"

namespace lakestream::kafka {

bool is_secret_property(std::string_view name) {
  // Substrings rather than an exact list: librdkafka grows new credential properties, and a
  // false positive only hides a harmless value.
  static constexpr std::array<std::string_view, 6> kMarkers = {"password", "secret", "jaas",
                                                               ".pem",     "token",  "credentials"};
  for (std::string_view marker : kMarkers) {
    if (name.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

KafkaConfig& KafkaConfig::set(std::string_view name, std::string_view value) {
  for (auto& [k, v] : props_) {
    if (k == name) {
      v = value;
      return *this;
    }
  }
  props_.emplace_back(std::string(name), std::string(value));
  return *this;
}

Status KafkaConfig::set_passthrough(std::string_view option) {
  std::string_view body = option;
  if (body.starts_with("kafka.")) body.remove_prefix(6);
  size_t eq = body.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    // Never echo the value: it may be a password given without '=' by mistake.
    std::string_view name = body.substr(0, eq);
    return invalid_argument(fmt::format(
        "kafka option '{}' must look like kafka.NAME=VALUE (any librdkafka property)", name));
  }
  set(body.substr(0, eq), body.substr(eq + 1));
  return Status();
}

Status KafkaConfig::set_passthrough(const std::vector<std::string>& options) {
  for (const std::string& option : options) LS_RETURN_IF_ERROR(set_passthrough(option));
  return Status();
}

const std::string* KafkaConfig::get(std::string_view name) const {
  for (const auto& [k, v] : props_) {
    if (k == name) return &v;
  }
  return nullptr;
}

Result<ConfPtr> KafkaConfig::build() const {
  ConfPtr conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [name, value] : props_) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
      std::string shown = is_secret_property(name) ? redact(value) : value;
      // librdkafka's message may quote the value; drop it for secrets.
      std::string why = is_secret_property(name) ? "rejected by librdkafka" : errstr;
      return invalid_argument(fmt::format("kafka property {}={}: {}", name, shown, why));
    }
  }
  return conf;
}

std::string KafkaConfig::describe() const {
  std::string out;
  for (const auto& [name, value] : props_) {
    if (!out.empty()) out += ' ';
    out += name;
    out += '=';
    out += is_secret_property(name) ? redact(value) : value;
  }
  return out;
}

namespace {

void log_callback(const rd_kafka_t* /*rk*/, int level, const char* facility, const char* buf) {
  // syslog levels: 0-2 critical, 3 error, 4 warning, 5-6 notice/info, 7 debug. librdkafka logs
  // every refused connection as an error although it retries them itself: a warning for us.
  log::Level ours = level <= 2   ? log::Level::kError
                    : level <= 4 ? log::Level::kWarn
                    : level <= 6 ? log::Level::kInfo
                                 : log::Level::kDebug;
  if (log::level() > ours) return;
  log::write(ours, "rdkafka", fmt::format("{}: {}", facility, buf));
}

}  // namespace

void route_logs(rd_kafka_conf_t* conf) { rd_kafka_conf_set_log_cb(conf, log_callback); }

Result<KafkaPtr> create_handle(rd_kafka_type_t type, const KafkaConfig& config) {
  LS_ASSIGN_OR_RETURN(ConfPtr conf, config.build());
  route_logs(conf.get());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) {
    return invalid_argument(
        fmt::format("cannot create Kafka client ({}): {}", config.describe(), errstr));
  }
  (void)conf.release();  // rd_kafka_new took ownership on success
  return KafkaPtr(rk);
}

}  // namespace lakestream::kafka
