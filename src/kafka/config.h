// Building librdkafka configurations from lakestream options.
//
// A KafkaConfig is an ordered list of librdkafka properties ("bootstrap.servers",
// "security.protocol", ...). Jobs fill it from their own flags and from the user's `kafka.*`
// passthrough options (any librdkafka property, e.g. `kafka.sasl.password=...`), later entries
// overriding earlier ones. build() validates every property with librdkafka itself, so a typo
// fails before any connection with the property's name in the message.
//
// Secrets (passwords, private keys, OAuth client secrets, SASL/JAAS config) are never printed:
// describe() and every error message show them through redact(). The value is kept only to be
// handed to librdkafka.
//
// Not thread-safe; a built rd_kafka_conf_t belongs to the caller.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "kafka/handles.h"

namespace lakestream::kafka {

// True for property names whose values must never appear in output ("sasl.password",
// "ssl.key.password", "ssl.key.pem", "sasl.oauthbearer.client.secret", "sasl.jaas.config", ...).
bool is_secret_property(std::string_view name);

class KafkaConfig {
 public:
  KafkaConfig() = default;

  // Sets (or replaces) one property.
  KafkaConfig& set(std::string_view name, std::string_view value);

  // Parses one passthrough option "kafka.NAME=VALUE" or "NAME=VALUE" and sets it.
  // kInvalidArgument when there is no '=' or the name is empty.
  Status set_passthrough(std::string_view option);

  // Sets every passthrough option in order; stops at the first bad one.
  Status set_passthrough(const std::vector<std::string>& options);

  // The value of `name` if set.
  const std::string* get(std::string_view name) const;

  const std::vector<std::pair<std::string, std::string>>& properties() const { return props_; }

  // A new rd_kafka_conf_t holding every property. kInvalidArgument naming the property (value
  // redacted if secret) when librdkafka rejects one.
  Result<ConfPtr> build() const;

  // "bootstrap.servers=h:9092 security.protocol=SASL_SSL sasl.password=****": safe to log.
  std::string describe() const;

 private:
  std::vector<std::pair<std::string, std::string>> props_;
};

// Routes librdkafka's own log lines (which it emits on its background threads) into
// common/log.h under the component "rdkafka", at a matching level. Call on a conf before
// creating the handle.
void route_logs(rd_kafka_conf_t* conf);

// Creates a handle of `type` from `config` (consumes a copy of it), with logs routed.
// kInvalidArgument for a bad property, kInternal if librdkafka cannot start.
Result<KafkaPtr> create_handle(rd_kafka_type_t type, const KafkaConfig& config);

}  // namespace lakestream::kafka
