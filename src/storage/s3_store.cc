#include "storage/s3_store.h"

#include <openssl/evp.h>
#include <openssl/md5.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/log.h"
#include "storage/credentials.h"
#include "storage/s3_multipart_writer.h"

namespace lakestream::storage {
namespace {

using Clock = std::chrono::steady_clock;

std::string base64(const uint8_t* p, size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), p, static_cast<int>(n));
  out.resize(static_cast<size_t>(len));
  return out;
}

std::string content_md5(std::string_view body) {
  uint8_t d[MD5_DIGEST_LENGTH];
  // MD5 here is the Content-MD5 integrity header S3 requires for DeleteObjects, not security.
  EVP_Digest(body.data(), body.size(), d, nullptr, EVP_md5(), nullptr);
  return base64(d, sizeof d);
}

std::string unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
  return s;
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool valid_bucket_name(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
      return false;
  }
  return true;
}

}  // namespace

S3Store::S3Store(std::string bucket, std::string prefix, S3Options options)
    : bucket_(std::move(bucket)),
      prefix_(std::move(prefix)),
      options_(std::move(options)),
      rng_(std::random_device{}()) {
  uri_ = "s3://" + bucket_ + (prefix_.empty() ? "" : "/" + prefix_);
}

Result<std::unique_ptr<S3Store>> S3Store::open(std::string_view bucket, std::string_view prefix,
                                               S3Options options) {
  if (!valid_bucket_name(bucket))
    return invalid_argument("invalid S3 bucket name '" + std::string(bucket) +
                            "' (3-63 characters: a-z 0-9 . - _)");
  LS_RETURN_IF_ERROR(resolve_s3_options(&options));
  while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  std::unique_ptr<S3Store> s(new S3Store(std::string(bucket), std::string(prefix), options));
  std::string ep = options.endpoint;
  if (ep.empty()) {
    ep = "https://s3." + options.region + ".amazonaws.com";
    s->options_.path_style = false;  // AWS itself: virtual-hosted (path-style is deprecated)
  }
  size_t sep = ep.find("://");
  if (sep == std::string::npos) return invalid_argument("S3 endpoint '" + ep + "' has no scheme");
  s->scheme_ = ep.substr(0, sep);
  if (s->scheme_ != "http" && s->scheme_ != "https")
    return invalid_argument("S3 endpoint '" + ep + "': scheme must be http or https");
  std::string host = ep.substr(sep + 3);
  while (!host.empty() && host.back() == '/') host.pop_back();
  if (host.empty() || host.find('/') != std::string::npos)
    return invalid_argument("S3 endpoint '" + ep + "': expected scheme://host[:port]");
  // curl sends Host without the port when it is the scheme's default; sign the same string.
  if ((s->scheme_ == "http" && host.ends_with(":80")) ||
      (s->scheme_ == "https" && host.ends_with(":443")))
    host = host.substr(0, host.rfind(':'));
  s->host_ = host;
  s->creds_ = {s->options_.access_key, s->options_.secret_key, s->options_.session_token};
  s->scope_ = {s->options_.region, "s3"};
  s->http_ = std::make_unique<HttpClient>(
      HttpClientOptions{options.connect_timeout_ms, options.request_timeout_ms, options.ca_bundle,
                        static_cast<size_t>(std::max(16, 4 * options.multipart_concurrency))});
  return s;
}

std::string S3Store::full_key(std::string_view key) const {
  while (!key.empty() && key.front() == '/') key.remove_prefix(1);
  if (prefix_.empty()) return std::string(key);
  return prefix_ + "/" + std::string(key);
}

std::string S3Store::relative_key(std::string_view full) const {
  if (prefix_.empty()) return std::string(full);
  if (full.size() > prefix_.size() && full.starts_with(prefix_) && full[prefix_.size()] == '/')
    return std::string(full.substr(prefix_.size() + 1));
  return std::string(full);
}

std::string S3Store::uri_of(std::string_view key) const {
  return "s3://" + bucket_ + "/" + full_key(key);
}

void S3Store::backoff(int attempt) {
  // Full jitter (AWS architecture blog): sleep uniformly in [0, min(cap, base * 2^attempt)].
  int64_t cap_ms = std::min<int64_t>(5000, int64_t{50} << std::min(attempt, 16));
  int64_t ms;
  {
    std::lock_guard lock(rng_mu_);
    ms = std::uniform_int_distribution<int64_t>(cap_ms / 4, cap_ms)(rng_);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

Status S3Store::error_from_response(const Call& call, const HttpResponse& r) const {
  std::string where =
      std::string("S3 ") + std::string(call.api) + " " +
      (call.full_key.empty() ? "s3://" + bucket_ : "s3://" + bucket_ + "/" + call.full_key);
  S3ErrorBody err;
  bool have = parse_error(r.body.view(), &err);
  if (!have) {
    // HEAD responses carry no body: name the usual cause from the status alone.
    err.code = r.status == 404   ? (call.full_key.empty() ? "NoSuchBucket" : "NoSuchKey")
               : r.status == 403 ? "AccessDenied"
               : r.status == 412 ? "PreconditionFailed"
                                 : "";
    err.request_id = r.header("x-amz-request-id");
  }
  std::string m = where + ": HTTP " + std::to_string(r.status);
  if (!err.code.empty()) m += " " + err.code;
  if (!err.message.empty()) m += ": " + err.message;
  if (err.code == "SignatureDoesNotMatch")
    m += " (check the secret key for access key " + options_.access_key + ")";
  else if (err.code == "InvalidAccessKeyId")
    m += " (access key " + options_.access_key + " is unknown to " + host_ + ")";
  else if (err.code == "NoSuchBucket")
    m += " (bucket '" + bucket_ + "' does not exist at " + scheme_ + "://" + host_ + ")";
  if (!err.request_id.empty()) m += " [request id " + err.request_id + "]";

  if (r.status == 404) return not_found(std::move(m));
  if (r.status == 412) return precondition_failed(std::move(m));
  if (r.status == 401 || r.status == 403) return permission_denied(std::move(m));
  if (r.status == 409 && err.code == "BucketAlreadyExists") return already_exists(std::move(m));
  if (r.status == 429 || r.status >= 500) return unavailable(std::move(m));
  if (r.status == 416 || r.status == 400) return invalid_argument(std::move(m));
  return {StatusCode::kInvalidData, std::move(m)};
}

Result<HttpResponse> S3Store::execute(const Call& call) {
  // Path and host per addressing style.
  std::string host = host_;
  std::string path;
  if (options_.path_style) {
    path = "/" + bucket_;
    if (!call.full_key.empty()) path += "/" + uri_encode(call.full_key, true);
  } else {
    host = bucket_ + "." + host_;
    path = "/" + uri_encode(call.full_key, true);
  }
  SignableRequest sreq;
  sreq.method = call.method;
  sreq.host = host;
  sreq.encoded_path = path;
  sreq.query = call.query;
  sreq.payload_hash = call.body.empty() ? std::string(kEmptySha256) : sha256_hex(call.body);

  // The URL's query uses the same encoding as the canonical query, so what is signed is sent.
  std::string url = scheme_ + "://" + host + path;
  {
    std::vector<std::pair<std::string, std::string>> q;
    for (const auto& [k, v] : call.query)
      q.emplace_back(uri_encode(k, false), uri_encode(v, false));
    std::sort(q.begin(), q.end());
    for (size_t i = 0; i < q.size(); ++i) url += (i ? "&" : "?") + q[i].first + "=" + q[i].second;
  }

  for (int attempt = 0;; ++attempt) {
    std::string date = amz_date(std::chrono::duration_cast<std::chrono::seconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count());
    sreq.headers = call.headers;
    sreq.headers.emplace_back("x-amz-date", date);
    sreq.headers.emplace_back("x-amz-content-sha256", sreq.payload_hash);
    if (!creds_.session_token.empty())
      sreq.headers.emplace_back("x-amz-security-token", creds_.session_token);
    HttpRequest hreq{call.method, url, sreq.headers, call.body};
    hreq.headers.emplace_back("Authorization", authorization_header(sreq, creds_, scope_, date));

    TransportFailure failure;
    uint64_t tx = 0, rx = 0;
    auto t0 = Clock::now();
    Result<HttpResponse> r = http_->perform(hreq, &failure, &tx, &rx);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
    bool ok = r.ok() && r->status >= 200 && r->status < 300;
    stats_.record(call.api, !ok, tx, rx, static_cast<uint64_t>(us));
    if (ok) return r;

    Status error;
    bool retriable = false;
    if (!r.ok()) {
      error = std::move(r).status();
      bool transient =
          error.code() == StatusCode::kUnavailable || error.code() == StatusCode::kTimeout;
      retriable = transient &&
                  (call.retry == RetryPolicy::kIdempotent || failure == TransportFailure::kNotSent);
      std::string target = "s3://" + bucket_ + (call.full_key.empty() ? "" : "/" + call.full_key);
      error = Status(error.code(), "S3 " + std::string(call.api) + " " + target + " at " + scheme_ +
                                       "://" + host + ": " + error.message());
    } else {
      long st = r->status;
      error = error_from_response(call, *r);
      // 503 SlowDown and 429 mean "not executed": safe to retry even for conditional writes.
      retriable = (st >= 500 || st == 429) &&
                  (call.retry == RetryPolicy::kIdempotent || st == 503 || st == 429);
    }
    if (!retriable || attempt >= options_.max_retries) {
      if (attempt > 0) error.with_context("after " + std::to_string(attempt + 1) + " attempts");
      return error;
    }
    log::debug("s3", "retrying {} (attempt {}): {}", call.api, attempt + 1, error.message());
    backoff(attempt);
  }
}

StoreCapabilities S3Store::capabilities() const {
  std::lock_guard lock(caps_mu_);
  if (!caps_) {
    StoreCapabilities c;
    // const_cast: a cached, idempotent read; stats still count it.
    auto v = const_cast<S3Store*>(this)->get_bucket_versioning();
    c.versioned = v.ok() && *v == "Enabled";
    // RGW 16.2 ignores If-None-Match: * on versioned buckets; AWS honours it everywhere.
    c.conditional_put = !c.versioned || options_.endpoint.empty();
    caps_ = c;
  }
  return *caps_;
}

Result<PutResult> S3Store::put(std::string_view key, std::span<const uint8_t> body,
                               const PutOptions& o) {
  Call c{"PutObject", "PUT", full_key(key), {}, {}, body, RetryPolicy::kIdempotent};
  c.headers.emplace_back("Content-Type", o.content_type);
  for (const auto& [k, v] : o.metadata) c.headers.emplace_back("x-amz-meta-" + k, v);
  if (o.if_none_match) {
    c.headers.emplace_back("If-None-Match", "*");
    c.retry = RetryPolicy::kIfNotApplied;
  }
  if (!o.if_match_etag.empty()) {
    c.headers.emplace_back("If-Match", unquote(o.if_match_etag));  // RGW: unquoted only
    c.retry = RetryPolicy::kIfNotApplied;
  }
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  return PutResult{unquote(r.header("etag")), r.header("x-amz-version-id")};
}

Result<Buffer> S3Store::get(std::string_view key, uint64_t offset, uint64_t length) {
  Call c{"GetObject", "GET", full_key(key), {}, {}, {}, RetryPolicy::kIdempotent};
  if (length > 0) {
    c.headers.emplace_back(
        "Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  } else if (offset > 0) {
    c.headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-");
  }
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  return std::move(r.body);
}

Result<ObjectInfo> S3Store::head(std::string_view key) {
  Call c{"HeadObject", "HEAD", full_key(key), {}, {}, {}, RetryPolicy::kIdempotent};
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  ObjectInfo info;
  info.key = std::string(key);
  info.size = std::strtoull(r.header("content-length").c_str(), nullptr, 10);
  info.etag = unquote(r.header("etag"));
  info.version_id = r.header("x-amz-version-id");
  info.mtime_ms = parse_http_date_ms(r.header("last-modified"));
  for (const auto& [k, v] : r.headers) {
    if (k.starts_with("x-amz-meta-")) info.metadata[k.substr(11)] = v;
  }
  return info;
}

Result<ListResult> S3Store::list(const ListOptions& o) {
  ListResult out;
  std::string token;
  std::string prefix =
      o.prefix.empty() ? (prefix_.empty() ? "" : prefix_ + "/") : full_key(o.prefix);
  while (true) {
    Call c{"ListObjectsV2",         "GET", "", {{"list-type", "2"}, {"prefix", prefix}}, {}, {},
           RetryPolicy::kIdempotent};
    if (!o.delimiter.empty()) c.query.emplace_back("delimiter", o.delimiter);
    if (!o.start_after.empty() && token.empty())
      c.query.emplace_back("start-after", full_key(o.start_after));
    if (!token.empty()) c.query.emplace_back("continuation-token", token);
    size_t page_keys = std::clamp<size_t>(options_.list_page_size, 1, 1000);
    if (o.max_keys > 0) page_keys = std::min(page_keys, o.max_keys - out.objects.size());
    c.query.emplace_back("max-keys", std::to_string(page_keys));
    LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
    auto page = parse_list_objects_v2(r.body.view());
    if (!page.ok()) return std::move(page).status().with_context("ListObjectsV2 " + uri_);
    for (auto& e : page->entries) {
      ObjectInfo info;
      info.key = relative_key(e.key);
      info.size = e.size;
      info.etag = std::move(e.etag);
      info.mtime_ms = e.mtime_ms;
      out.objects.push_back(std::move(info));
    }
    for (auto& p : page->common_prefixes) out.common_prefixes.push_back(relative_key(p));
    if (!page->truncated || (o.max_keys > 0 && out.objects.size() >= o.max_keys)) break;
    token = page->next_continuation_token;
  }
  return out;
}

Result<std::vector<ObjectInfo>> S3Store::list_versions(std::string_view prefix) {
  std::vector<ObjectInfo> out;
  std::string key_marker, version_marker;
  std::string full = prefix.empty() ? (prefix_.empty() ? "" : prefix_ + "/") : full_key(prefix);
  while (true) {
    Call c{"ListObjectVersions",    "GET", "", {{"versions", ""}, {"prefix", full}}, {}, {},
           RetryPolicy::kIdempotent};
    if (!key_marker.empty()) {
      c.query.emplace_back("key-marker", key_marker);
      if (!version_marker.empty()) c.query.emplace_back("version-id-marker", version_marker);
    }
    LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
    auto page = parse_list_versions(r.body.view());
    if (!page.ok()) return std::move(page).status().with_context("ListObjectVersions " + uri_);
    for (auto& e : page->entries) {
      ObjectInfo info;
      info.key = relative_key(e.key);
      info.size = e.size;
      info.etag = std::move(e.etag);
      info.version_id = std::move(e.version_id);
      info.mtime_ms = e.mtime_ms;
      info.is_latest = e.is_latest;
      info.is_delete_marker = e.is_delete_marker;
      out.push_back(std::move(info));
    }
    if (!page->truncated) break;
    key_marker = page->next_key_marker;
    version_marker = page->next_version_id_marker;
  }
  return out;
}

Status S3Store::remove(const ObjectRef& ref) {
  Call c{"DeleteObject", "DELETE", full_key(ref.key), {}, {}, {}, RetryPolicy::kIdempotent};
  if (!ref.version_id.empty()) c.query.emplace_back("versionId", ref.version_id);
  auto r = execute(c);
  if (!r.ok() && r.status().code() == StatusCode::kNotFound &&
      r.status().message().find("NoSuchBucket") == std::string::npos)
    return Status();
  return r.status();
}

Status S3Store::remove_many(std::span<const ObjectRef> refs) {
  constexpr size_t kBatch = 1000;  // the S3 limit per DeleteObjects request
  for (size_t i = 0; i < refs.size(); i += kBatch) {
    std::vector<DeleteItem> items;
    for (size_t j = i; j < std::min(refs.size(), i + kBatch); ++j)
      items.push_back({full_key(refs[j].key), refs[j].version_id});
    std::string body = build_delete_request(items, /*quiet=*/true);
    Call c{"DeleteObjects",         "POST", "", {{"delete", ""}}, {}, bytes_of(body),
           RetryPolicy::kIdempotent};
    c.headers.emplace_back("Content-MD5", content_md5(body));
    c.headers.emplace_back("Content-Type", "application/xml");
    LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
    auto failures = parse_delete_result(r.body.view());
    if (!failures.ok()) return std::move(failures).status().with_context("DeleteObjects " + uri_);
    if (!failures->empty()) {
      const auto& f = failures->front();
      return unavailable("S3 DeleteObjects s3://" + bucket_ + ": " +
                         std::to_string(failures->size()) + " of " + std::to_string(items.size()) +
                         " keys failed; first: " + f.key + ": " + f.code + ": " + f.message);
    }
  }
  return Status();
}

Status S3Store::copy(std::string_view from_key, std::string_view to_key) {
  Call c{"CopyObject", "PUT", full_key(to_key), {}, {}, {}, RetryPolicy::kIdempotent};
  c.headers.emplace_back("x-amz-copy-source",
                         "/" + bucket_ + "/" + uri_encode(full_key(from_key), true));
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  // S3 may report a failed copy inside a 200 response.
  auto etag = parse_etag_result(r.body.view());
  if (!etag.ok()) return std::move(etag).status().with_context("S3 CopyObject " + uri_of(to_key));
  return Status();
}

Result<std::unique_ptr<ObjectWriter>> S3Store::open_writer(std::string_view key,
                                                           const PutOptions& options) {
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<S3MultipartWriter>(this, std::string(key), options));
}

Status S3Store::create_bucket() {
  std::string body = build_create_bucket(options_.region);
  Call c{"CreateBucket", "PUT", "", {}, {}, bytes_of(body), RetryPolicy::kIdempotent};
  auto r = execute(c);
  if (!r.ok() && r.status().message().find("BucketAlreadyOwnedByYou") != std::string::npos)
    return Status();
  return r.status();
}

Result<std::string> S3Store::get_bucket_versioning() {
  Call c{"GetBucketVersioning", "GET", "", {{"versioning", ""}}, {}, {}, RetryPolicy::kIdempotent};
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  return parse_versioning(r.body.view());
}

Status S3Store::put_bucket_versioning(bool enabled) {
  std::string body = build_versioning(enabled);
  Call c{"PutBucketVersioning",   "PUT", "", {{"versioning", ""}}, {}, bytes_of(body),
         RetryPolicy::kIdempotent};
  c.headers.emplace_back("Content-MD5", content_md5(body));
  LS_RETURN_IF_ERROR(execute(c).status());
  std::lock_guard lock(caps_mu_);
  caps_.reset();
  return Status();
}

Result<std::string> S3Store::presign_get(std::string_view key, int expires_s) {
  if (expires_s < 1 || expires_s > 604800)
    return invalid_argument("presign: expiry must be 1..604800 s, got " +
                            std::to_string(expires_s));
  SignableRequest r;
  r.method = "GET";
  std::string fk = full_key(key);
  if (options_.path_style) {
    r.host = host_;
    r.encoded_path = "/" + bucket_ + "/" + uri_encode(fk, true);
  } else {
    r.host = bucket_ + "." + host_;
    r.encoded_path = "/" + uri_encode(fk, true);
  }
  std::string date = amz_date(std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
  return scheme_ + "://" + r.host + r.encoded_path + "?" +
         presigned_query(r, creds_, scope_, date, expires_s);
}

Result<std::string> S3Store::create_multipart(std::string_view key, const PutOptions& o) {
  // Retried only when certainly not applied: a lost response would leave an upload no one aborts.
  Call c{"CreateMultipartUpload",   "POST", full_key(key), {{"uploads", ""}}, {}, {},
         RetryPolicy::kIfNotApplied};
  c.headers.emplace_back("Content-Type", o.content_type);
  for (const auto& [k, v] : o.metadata) c.headers.emplace_back("x-amz-meta-" + k, v);
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  auto id = parse_initiate_multipart(r.body.view());
  if (!id.ok())
    return std::move(id).status().with_context("S3 CreateMultipartUpload " + uri_of(key));
  return id;
}

Result<std::string> S3Store::upload_part(std::string_view key, std::string_view upload_id,
                                         int number, std::span<const uint8_t> data) {
  Call c{"UploadPart",
         "PUT",
         full_key(key),
         {{"partNumber", std::to_string(number)}, {"uploadId", std::string(upload_id)}},
         {},
         data,
         RetryPolicy::kIdempotent};
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  std::string etag = unquote(r.header("etag"));
  if (etag.empty())
    return invalid_data("S3 UploadPart " + uri_of(key) + " part " + std::to_string(number) +
                        ": response has no ETag");
  return etag;
}

Result<PutResult> S3Store::complete_multipart(std::string_view key, std::string_view upload_id,
                                              const std::vector<PartInfo>& parts,
                                              const PutOptions& o) {
  std::string body = build_complete_multipart(parts);
  Call c{"CompleteMultipartUpload",
         "POST",
         full_key(key),
         {{"uploadId", std::string(upload_id)}},
         {},
         bytes_of(body),
         RetryPolicy::kIfNotApplied};
  c.headers.emplace_back("Content-Type", "application/xml");
  if (o.if_none_match) c.headers.emplace_back("If-None-Match", "*");
  if (!o.if_match_etag.empty()) c.headers.emplace_back("If-Match", unquote(o.if_match_etag));
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  auto etag = parse_etag_result(r.body.view());
  if (!etag.ok())
    return std::move(etag).status().with_context("S3 CompleteMultipartUpload " + uri_of(key));
  PutResult out{*etag, r.header("x-amz-version-id")};
  if (out.etag.empty()) {
    // RGW 16.2 answers with an empty ETag: ask for it.
    LS_ASSIGN_OR_RETURN(ObjectInfo info, head(key));
    out.etag = info.etag;
    if (out.version_id.empty()) out.version_id = info.version_id;
  }
  return out;
}

Status S3Store::abort_multipart(std::string_view key, std::string_view upload_id) {
  Call c{"AbortMultipartUpload",
         "DELETE",
         full_key(key),
         {{"uploadId", std::string(upload_id)}},
         {},
         {},
         RetryPolicy::kIdempotent};
  auto r = execute(c);
  if (!r.ok() && r.status().code() == StatusCode::kNotFound) return Status();  // already gone
  return r.status();
}

Result<std::vector<PartInfo>> S3Store::list_parts(std::string_view key,
                                                  std::string_view upload_id) {
  std::vector<PartInfo> out;
  int marker = 0;
  while (true) {
    Call c{"ListParts", "GET", full_key(key),           {{"uploadId", std::string(upload_id)}},
           {},          {},    RetryPolicy::kIdempotent};
    if (marker > 0) c.query.emplace_back("part-number-marker", std::to_string(marker));
    LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
    auto page = parse_list_parts(r.body.view());
    if (!page.ok()) return std::move(page).status().with_context("S3 ListParts " + uri_of(key));
    out.insert(out.end(), page->parts.begin(), page->parts.end());
    if (!page->truncated) break;
    marker = page->next_part_number_marker;
  }
  return out;
}

Result<std::vector<UploadInfo>> S3Store::list_multipart_uploads(std::string_view prefix) {
  Call c{"ListMultipartUploads",
         "GET",
         "",
         {{"uploads", ""},
          {"prefix", prefix.empty() ? (prefix_.empty() ? "" : prefix_ + "/") : full_key(prefix)}},
         {},
         {},
         RetryPolicy::kIdempotent};
  LS_ASSIGN_OR_RETURN(HttpResponse r, execute(c));
  LS_ASSIGN_OR_RETURN(auto uploads, parse_list_uploads(r.body.view()));
  for (auto& u : uploads) u.key = relative_key(u.key);
  return uploads;
}

}  // namespace lakestream::storage
