// S3Store: the ObjectStore on any S3-compatible service (AWS, MinIO, Ceph RGW), our own client.
//
// Requests are signed with SigV4 (payload hashed: x-amz-content-sha256 is the body's SHA-256),
// sent with path-style or virtual-hosted addressing over http or https through a pool of curl
// handles, and retried with exponential backoff and full jitter on 5xx, 429/SlowDown, timeouts and
// connection resets -- but only where a retry cannot change the outcome: reads, lists, deletes,
// unconditional PUTs and part uploads always; conditional PUTs, CompleteMultipartUpload and
// CreateMultipartUpload only when the server certainly did not act (connection refused, 503/429).
// Every HTTP attempt is recorded in stats() under its S3 API name.
//
// Errors name the API, the object (s3://bucket/key), the HTTP status, the S3 error code and
// message and the request id; they never contain credentials.
//
// Server quirks designed around (Ceph RGW 16.2): If-None-Match: * on PUT is honoured only on
// unversioned buckets (capabilities().conditional_put is false on versioned buckets of a custom
// endpoint); If-Match is sent with the ETag unquoted; CompleteMultipartUpload's empty ETag is
// taken from a HEAD.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "storage/http_client.h"
#include "storage/object_store.h"
#include "storage/s3_xml.h"
#include "storage/sigv4.h"

namespace lakestream::storage {

class S3Store final : public ObjectStore {
 public:
  // A store rooted at s3://bucket/prefix. Resolves credentials (options > environment >
  // ~/.aws/credentials) and parses the endpoint; no network traffic. kPermissionDenied without
  // credentials, kInvalidArgument for a bad endpoint or bucket name.
  static Result<std::unique_ptr<S3Store>> open(std::string_view bucket, std::string_view prefix,
                                               S3Options options);

  const std::string& uri() const override { return uri_; }
  std::string uri_of(std::string_view key) const override;
  // Queries bucket versioning once (GetBucketVersioning) and caches it; on failure reports an
  // unversioned bucket.
  StoreCapabilities capabilities() const override;

  Result<PutResult> put(std::string_view key, std::span<const uint8_t> body,
                        const PutOptions& options = {}) override;
  Result<Buffer> get(std::string_view key, uint64_t offset = 0, uint64_t length = 0) override;
  Result<ObjectInfo> head(std::string_view key) override;
  Result<ListResult> list(const ListOptions& options) override;
  Result<std::vector<ObjectInfo>> list_versions(std::string_view prefix) override;
  Status remove(const ObjectRef& ref) override;
  Status remove_many(std::span<const ObjectRef> refs) override;
  Status copy(std::string_view from_key, std::string_view to_key) override;
  // An S3 multipart upload: parts of options().multipart_part_size are uploaded in parallel (at
  // most multipart_concurrency at once; memory about (concurrency + 1) x part size). Objects
  // smaller than one part go up in a single PutObject at close(). Any failure aborts the upload.
  Result<std::unique_ptr<ObjectWriter>> open_writer(std::string_view key,
                                                    const PutOptions& options = {}) override;
  const CallStats& stats() const override { return stats_; }

  // --- Bucket-level and multipart extras (S3 only) ---
  // CreateBucket; OK when the bucket already exists and is ours.
  Status create_bucket();
  // GetBucketVersioning: "Enabled", "Suspended" or "" (never enabled).
  Result<std::string> get_bucket_versioning();
  Status put_bucket_versioning(bool enabled);
  // A presigned GET URL for a key, valid for `expires_s` seconds (1..604800).
  Result<std::string> presign_get(std::string_view key, int expires_s);

  // The multipart steps, used by the writer (keys relative to the root).
  Result<std::string> create_multipart(std::string_view key, const PutOptions& options);
  Result<std::string> upload_part(std::string_view key, std::string_view upload_id, int number,
                                  std::span<const uint8_t> data);  // returns the part's ETag
  Result<PutResult> complete_multipart(std::string_view key, std::string_view upload_id,
                                       const std::vector<PartInfo>& parts,
                                       const PutOptions& options);
  Status abort_multipart(std::string_view key, std::string_view upload_id);
  Result<std::vector<PartInfo>> list_parts(std::string_view key, std::string_view upload_id);
  // In-progress multipart uploads under a prefix (relative keys): finds dangling uploads.
  Result<std::vector<UploadInfo>> list_multipart_uploads(std::string_view prefix);

  const S3Options& options() const { return options_; }
  const std::string& bucket() const { return bucket_; }

 private:
  enum class RetryPolicy {
    kIdempotent,   // any transient failure may be retried
    kIfNotApplied  // only when the server certainly did not act
  };
  struct Call {
    std::string_view api;
    std::string method;
    std::string full_key;  // empty: bucket-level request
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<std::pair<std::string, std::string>> headers;
    std::span<const uint8_t> body;
    RetryPolicy retry = RetryPolicy::kIdempotent;
  };

  S3Store(std::string bucket, std::string prefix, S3Options options);
  std::string full_key(std::string_view key) const;
  std::string relative_key(std::string_view full) const;
  // Sends with retries; a non-2xx final response becomes an error Status.
  Result<HttpResponse> execute(const Call& call);
  Status error_from_response(const Call& call, const HttpResponse& r) const;
  void backoff(int attempt);

  std::string bucket_;
  std::string prefix_;  // no leading/trailing '/'; empty = bucket root
  std::string uri_;
  S3Options options_;
  std::string scheme_;  // "http" / "https"
  std::string host_;    // host[:port] for path-style
  SigV4Credentials creds_;
  SigV4Scope scope_;
  std::unique_ptr<HttpClient> http_;
  mutable CallStats stats_;

  std::mutex rng_mu_;
  std::mt19937_64 rng_;

  mutable std::mutex caps_mu_;
  mutable std::optional<StoreCapabilities> caps_;
};

}  // namespace lakestream::storage
