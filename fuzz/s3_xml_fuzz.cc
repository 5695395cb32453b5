// Fuzzes every S3 XML response parser (bytes off the network): no crash, no sanitizer report, and
// parsed structures stay consistent.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "storage/s3_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lakestream::storage;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  S3ErrorBody err;
  (void)parse_error(body, &err);
  if (auto p = parse_list_objects_v2(body); p.ok() && p->truncated) {
    if (p->next_continuation_token.empty()) __builtin_trap();
  }
  (void)parse_list_versions(body);
  (void)parse_initiate_multipart(body);
  (void)parse_list_parts(body);
  (void)parse_list_uploads(body);
  (void)parse_etag_result(body);
  (void)parse_delete_result(body);
  (void)parse_versioning(body);
  (void)parse_iso8601_ms(body);
  (void)parse_http_date_ms(body);
  return 0;
}
