#include "avro/schema_registry.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace lakestream::avro {

namespace {

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

size_t collect(char* p, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, size * n);
  return size * n;
}

// "error_code 40403: Schema not found" from a registry error body, or the raw body.
std::string registry_error(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message")) {
    std::string msg =
        j["message"].is_string() ? j["message"].get<std::string>() : j["message"].dump();
    if (j.contains("error_code"))
      return fmt::format("error_code {}: {}", j["error_code"].dump(), msg);
    return msg;
  }
  return body.size() > 200 ? body.substr(0, 200) + "..." : body;
}

std::string escape_path_segment(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

}  // namespace

SchemaRegistryClient::SchemaRegistryClient(SchemaRegistryOptions options)
    : options_(std::move(options)) {
  while (!options_.url.empty() && options_.url.back() == '/') options_.url.pop_back();
}

Result<SchemaRegistryClient::Response> SchemaRegistryClient::request(const std::string& method,
                                                                     const std::string& path,
                                                                     const std::string* body) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return internal_error("curl_easy_init failed");
  std::string url = options_.url + path;
  Response resp;
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp.body);
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const char* h) { headers.reset(curl_slist_append(headers.release(), h)); };
  add_header("Accept: application/vnd.schemaregistry.v1+json, application/json");
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  if (method == "POST") {
    add_header("Content-Type: application/vnd.schemaregistry.v1+json");
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body->c_str() : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body ? body->size() : 0));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    std::string what = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    std::string msg = fmt::format("schema registry {} {}: {}", method, url, what);
    if (rc == CURLE_OPERATION_TIMEDOUT) return timeout_error(std::move(msg));
    return unavailable(std::move(msg));
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  if (resp.status >= 200 && resp.status < 300) return resp;
  std::string msg = fmt::format("schema registry {} {}: HTTP {}: {}", method, url, resp.status,
                                registry_error(resp.body));
  if (resp.status == 404) return not_found(std::move(msg));
  if (resp.status == 401 || resp.status == 403) return permission_denied(std::move(msg));
  if (resp.status == 409 || resp.status == 422) return invalid_argument(std::move(msg));
  if (resp.status >= 500 || resp.status == 429) return unavailable(std::move(msg));
  return invalid_argument(std::move(msg));
}

Result<std::string> SchemaRegistryClient::schema_text_by_id(uint32_t id) {
  {
    std::lock_guard lock(mu_);
    auto it = text_cache_.find(id);
    if (it != text_cache_.end()) return it->second;
  }
  LS_ASSIGN_OR_RETURN(Response r, request("GET", fmt::format("/schemas/ids/{}", id), nullptr));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("schema") || !j["schema"].is_string()) {
    return invalid_data(
        fmt::format("schema registry: schema id {}: response has no \"schema\" string", id));
  }
  if (j.contains("schemaType") && j["schemaType"] != "AVRO") {
    return invalid_argument(
        fmt::format("schema registry: schema id {} is {}, not AVRO", id, j["schemaType"].dump()));
  }
  std::string text = j["schema"].get<std::string>();
  std::lock_guard lock(mu_);
  text_cache_.emplace(id, text);
  return text;
}

Result<std::shared_ptr<const Schema>> SchemaRegistryClient::schema_by_id(uint32_t id) {
  {
    std::lock_guard lock(mu_);
    auto it = schema_cache_.find(id);
    if (it != schema_cache_.end()) return it->second;
  }
  LS_ASSIGN_OR_RETURN(std::string text, schema_text_by_id(id));
  auto parsed = parse_schema(text);
  if (!parsed.ok()) {
    return std::move(parsed).status().with_context(fmt::format("schema registry id {}", id));
  }
  auto shared = std::make_shared<const Schema>(std::move(parsed).value());
  std::lock_guard lock(mu_);
  schema_cache_.emplace(id, shared);
  return shared;
}

Result<uint32_t> SchemaRegistryClient::post_for_id(const std::string& path,
                                                   const std::string& schema_json) {
  nlohmann::json body = {{"schema", schema_json}};
  std::string text = body.dump();
  LS_ASSIGN_OR_RETURN(Response r, request("POST", path, &text));
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_unsigned()) {
    return invalid_data(fmt::format("schema registry POST {}: response has no \"id\": {}", path,
                                    registry_error(r.body)));
  }
  auto id = j["id"].get<uint64_t>();
  if (id > UINT32_MAX) return invalid_data("schema registry: id out of range");
  std::lock_guard lock(mu_);
  text_cache_.emplace(static_cast<uint32_t>(id), schema_json);
  return static_cast<uint32_t>(id);
}

Result<uint32_t> SchemaRegistryClient::register_schema(const std::string& subject,
                                                       const std::string& schema_json) {
  return post_for_id("/subjects/" + escape_path_segment(subject) + "/versions", schema_json);
}

Result<uint32_t> SchemaRegistryClient::lookup_schema(const std::string& subject,
                                                     const std::string& schema_json) {
  return post_for_id("/subjects/" + escape_path_segment(subject), schema_json);
}

}  // namespace lakestream::avro
