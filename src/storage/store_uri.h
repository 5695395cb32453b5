// Store URIs: s3://bucket/prefix, s3a://bucket/prefix (Spark's spelling, same thing),
// file:///abs/path and plain paths.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace lakestream::storage {

struct StoreUri {
  enum class Kind { kLocal, kS3 } kind = Kind::kLocal;
  std::string bucket;  // S3 only
  std::string path;    // S3: key prefix without leading/trailing '/'; local: the directory
};

// kInvalidArgument for an unknown scheme ("gs://...") or an s3 URI without a bucket.
Result<StoreUri> parse_store_uri(std::string_view uri);

}  // namespace lakestream::storage
