// ObjectStore: the one interface to where output and checkpoints live.
//
// Two implementations: LocalStore (a directory; atomic writes by temp file + fsync + rename) and
// S3Store (our own S3 client: SigV4, retries, multipart). A store is rooted at a URI: keys passed
// to it are relative to that root ("_commits/00000000000000000012.json"), so the same code runs on
// `file:///tmp/out`, `/tmp/out`, `s3://bucket/prefix` and `s3a://bucket/prefix`.
//
// Every call is counted per API (CallStats) so jobs can print the S3-call table and benchmarks can
// compare checkpoint protocols. A job that wants to count some calls apart (the checkpoint's)
// opens a second store on the same URI.
//
// Thread-safety: all methods may be called concurrently from several threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/buffer.h"
#include "common/byte_sink.h"
#include "common/status.h"
#include "storage/call_stats.h"

namespace lakestream::storage {

struct ObjectInfo {
  std::string key;         // relative to the store's root
  uint64_t size = 0;
  std::string etag;        // without quotes
  std::string version_id;  // empty when the bucket is not versioned (or for local files)
  int64_t mtime_ms = 0;    // last modified, ms since epoch
  bool is_latest = true;   // list_versions only
  bool is_delete_marker = false;  // list_versions only
  std::map<std::string, std::string> metadata;  // user metadata (x-amz-meta-*), head() only
};

struct PutOptions {
  // Create-only: fail with kPreconditionFailed if the key exists (S3 `If-None-Match: *`,
  // local O_EXCL/link semantics). The basis of our commit protocol.
  bool if_none_match = false;
  // Replace only if the current ETag matches (S3 `If-Match`); empty = unconditional.
  std::string if_match_etag;
  std::map<std::string, std::string> metadata;  // stored as x-amz-meta-<name>
  std::string content_type = "application/octet-stream";
};

struct PutResult {
  std::string etag;
  std::string version_id;
};

struct ObjectRef {
  std::string key;
  std::string version_id;  // empty: the current version (creates a delete marker when versioned)
};

struct ListOptions {
  std::string prefix;
  std::string start_after;  // keys strictly greater (ListObjectsV2 StartAfter)
  std::string delimiter;    // "/" groups keys into common prefixes
  size_t max_keys = 0;      // 0 = all (paginates)
};

struct ListResult {
  std::vector<ObjectInfo> objects;          // sorted by key
  std::vector<std::string> common_prefixes;  // with delimiter only
};

// A writer that streams an object: local temp file or S3 multipart upload (bounded memory).
// close() publishes it atomically (whole object or nothing); abort() leaves nothing behind.
class ObjectWriter : public ByteSink {
 public:
  // After a successful close(): the object's ETag/version.
  virtual const PutResult& result() const = 0;
};

struct StoreCapabilities {
  bool conditional_put = true;  // honours if_none_match / if_match
  bool versioned = false;       // bucket versioning enabled (checked at open)
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // The root URI, normalised ("s3://bucket/prefix", "file:///abs/path").
  virtual const std::string& uri() const = 0;
  // Full URI of a key (for file lists and error messages).
  virtual std::string uri_of(std::string_view key) const = 0;
  virtual StoreCapabilities capabilities() const = 0;

  virtual Result<PutResult> put(std::string_view key, std::span<const uint8_t> body,
                                const PutOptions& options = {}) = 0;
  // Whole object, or [offset, offset + length) when length > 0. kNotFound when missing.
  virtual Result<Buffer> get(std::string_view key, uint64_t offset = 0, uint64_t length = 0) = 0;
  // kNotFound when missing.
  virtual Result<ObjectInfo> head(std::string_view key) = 0;
  virtual Result<ListResult> list(const ListOptions& options) = 0;
  // All versions and delete markers under a prefix (versioned buckets); local: same as list.
  virtual Result<std::vector<ObjectInfo>> list_versions(std::string_view prefix) = 0;
  // Deleting a missing key is not an error.
  virtual Status remove(const ObjectRef& ref) = 0;
  // Batched delete (S3 DeleteObjects, 1000 per request). Fails if any key failed.
  virtual Status remove_many(std::span<const ObjectRef> refs) = 0;
  virtual Status copy(std::string_view from_key, std::string_view to_key) = 0;
  // Streams a new object; see ObjectWriter.
  virtual Result<std::unique_ptr<ObjectWriter>> open_writer(std::string_view key,
                                                           const PutOptions& options = {}) = 0;

  // Per-API counts of every call this store made.
  virtual const CallStats& stats() const = 0;
};

// Connection settings; each field falls back to the standard AWS environment variables
// (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION /
// AWS_DEFAULT_REGION, AWS_CA_BUNDLE) and then ~/.aws/credentials when empty.
struct S3Options {
  std::string endpoint;  // "http://127.0.0.1:7480"; empty = AWS (https://s3.REGION.amazonaws.com)
  std::string region;    // default "us-east-1"
  std::string access_key;
  std::string secret_key;  // never logged
  std::string session_token;
  std::string profile = "default";
  bool path_style = true;       // MinIO/RGW default; false = virtual-hosted (always on AWS)
  std::string ca_bundle;        // PEM file for https with a private CA
  int connect_timeout_ms = 5000;
  int request_timeout_ms = 60000;
  int max_retries = 5;
  size_t multipart_part_size = 16 << 20;  // bytes per part
  int multipart_concurrency = 4;          // parts in flight per writer (memory = this x part size)
  size_t list_page_size = 1000;           // keys per ListObjectsV2 request (S3 maximum 1000)
};

// Opens the store for a URI: s3://, s3a:// (alias), file://, or a plain path (created if
// missing). For S3, checks nothing on the network until the first call. kInvalidArgument for an
// unknown scheme.
Result<std::unique_ptr<ObjectStore>> open_store(std::string_view uri, const S3Options& s3 = {});

}  // namespace lakestream::storage
