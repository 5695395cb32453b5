// Client for the Confluent Schema Registry REST API (also served by Redpanda and Karapace).
//
//   GET  /schemas/ids/{id}             the schema with a global id (cached: ids are immutable)
//   POST /subjects/{subject}/versions  register a schema under a subject (returns its id)
//   POST /subjects/{subject}           look up whether a schema is registered (returns its id)
// Requests send "Content-Type: application/vnd.schemaregistry.v1+json", optional HTTP basic
// auth, and use connect and total timeouts. Errors map HTTP status to codes: 404 -> kNotFound,
// 401/403 -> kPermissionDenied, 409/422 -> kInvalidArgument (incompatible / invalid schema),
// 5xx and connection failures -> kUnavailable, timeouts -> kTimeout; messages carry the URL
// (never the password) and the registry's error_code/message.
//
// Thread-safety: all methods may be called concurrently (one CURL handle per call; the cache is
// guarded by a mutex).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "avro/schema.h"
#include "common/status.h"

namespace lakestream::avro {

struct SchemaRegistryOptions {
  std::string url;       // e.g. "http://localhost:8081" (a trailing '/' is ignored)
  std::string username;  // basic auth when non-empty
  std::string password;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{15000};
};

class SchemaRegistryClient {
 public:
  explicit SchemaRegistryClient(SchemaRegistryOptions options);

  // The parsed schema with global id `id`; fetched once, then served from the cache.
  Result<std::shared_ptr<const Schema>> schema_by_id(uint32_t id);
  // The JSON text of schema `id` as the registry returned it (also cached).
  Result<std::string> schema_text_by_id(uint32_t id);

  // Registers `schema_json` under `subject` (idempotent in the registry) and returns its id.
  Result<uint32_t> register_schema(const std::string& subject, const std::string& schema_json);
  // The id of `schema_json` if already registered under `subject`; kNotFound otherwise.
  Result<uint32_t> lookup_schema(const std::string& subject, const std::string& schema_json);

  const SchemaRegistryOptions& options() const { return options_; }

 private:
  struct Response {
    long status = 0;
    std::string body;
  };
  Result<Response> request(const std::string& method, const std::string& path,
                           const std::string* body);
  Result<uint32_t> post_for_id(const std::string& path, const std::string& schema_json);

  SchemaRegistryOptions options_;
  std::mutex mu_;
  std::map<uint32_t, std::string> text_cache_;
  std::map<uint32_t, std::shared_ptr<const Schema>> schema_cache_;
};

}  // namespace lakestream::avro
