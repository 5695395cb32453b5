// The XML bodies of the S3 REST API: parsers for responses and builders for requests.
//
// Parsers never trust the input (it comes off the network and is fuzzed by fuzz/s3_xml_fuzz.cc):
// malformed XML or a missing required element gives kInvalidData, never a crash. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lakestream::storage {

// <Error><Code/><Message/><RequestId/><Resource/></Error>
struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
  std::string resource;
};
// Returns false when `body` is not an S3 <Error> document.
bool parse_error(std::string_view body, S3ErrorBody* out);

struct S3Entry {
  std::string key;  // as stored (full key, not relative to any prefix)
  uint64_t size = 0;
  std::string etag;  // quotes removed
  std::string version_id;
  int64_t mtime_ms = 0;
  bool is_latest = true;
  bool is_delete_marker = false;
};

struct ListPage {
  std::vector<S3Entry> entries;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_continuation_token;  // ListObjectsV2
  std::string next_key_marker;          // ListObjectVersions
  std::string next_version_id_marker;   // ListObjectVersions
};
// ListBucketResult (ListObjectsV2).
Result<ListPage> parse_list_objects_v2(std::string_view body);
// ListVersionsResult: Version and DeleteMarker entries in document order.
Result<ListPage> parse_list_versions(std::string_view body);

// InitiateMultipartUploadResult -> UploadId.
Result<std::string> parse_initiate_multipart(std::string_view body);

struct PartInfo {
  int number = 0;
  std::string etag;  // quotes removed
  uint64_t size = 0;
};
struct ListPartsPage {
  std::vector<PartInfo> parts;
  bool truncated = false;
  int next_part_number_marker = 0;
};
Result<ListPartsPage> parse_list_parts(std::string_view body);

struct UploadInfo {
  std::string key;
  std::string upload_id;
};
// ListMultipartUploadsResult (first page only; enough to find dangling uploads).
Result<std::vector<UploadInfo>> parse_list_uploads(std::string_view body);

// CompleteMultipartUploadResult / CopyObjectResult: ETag (may be empty: RGW 16.2 leaves it out
// of CompleteMultipartUpload). An <Error> document inside a 200 response (S3 does that for both
// calls) becomes kUnavailable for InternalError/SlowDown and kInvalidData otherwise, with its code.
Result<std::string> parse_etag_result(std::string_view body);

struct DeleteFailure {
  std::string key;
  std::string version_id;
  std::string code;
  std::string message;
};
// DeleteResult: the <Error> entries (quiet mode lists only failures).
Result<std::vector<DeleteFailure>> parse_delete_result(std::string_view body);

// VersioningConfiguration -> "Enabled", "Suspended" or "" (never enabled).
Result<std::string> parse_versioning(std::string_view body);

// "2026-11-25T19:40:01.123Z" -> ms since the epoch; 0 when unparsable.
int64_t parse_iso8601_ms(std::string_view s);
// "Wed, 25 Nov 2026 19:40:01 GMT" (Last-Modified header) -> ms since the epoch; 0 when unparsable.
int64_t parse_http_date_ms(std::string_view s);

std::string xml_escape(std::string_view s);

struct DeleteItem {
  std::string key;
  std::string version_id;
};
std::string build_delete_request(const std::vector<DeleteItem>& items, bool quiet);
std::string build_complete_multipart(const std::vector<PartInfo>& parts);
std::string build_versioning(bool enabled);
std::string build_create_bucket(std::string_view region);

}  // namespace lakestream::storage
