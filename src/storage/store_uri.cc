#include "storage/store_uri.h"

namespace lakestream::storage {

Result<StoreUri> parse_store_uri(std::string_view uri) {
  StoreUri out;
  if (uri.empty()) return invalid_argument("empty store URI");
  size_t sep = uri.find("://");
  if (sep == std::string_view::npos) {
    out.path = std::string(uri);
    return out;
  }
  std::string_view scheme = uri.substr(0, sep);
  std::string_view rest = uri.substr(sep + 3);
  if (scheme == "file") {
    if (rest.empty() || rest.front() != '/')
      return invalid_argument("file URI '" + std::string(uri) + "' must be file:///absolute/path");
    out.path = std::string(rest);
    return out;
  }
  if (scheme == "s3" || scheme == "s3a") {
    out.kind = StoreUri::Kind::kS3;
    size_t slash = rest.find('/');
    out.bucket = std::string(rest.substr(0, slash));
    if (out.bucket.empty())
      return invalid_argument("S3 URI '" + std::string(uri) + "' has no bucket");
    std::string_view prefix = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    while (!prefix.empty() && prefix.front() == '/') prefix.remove_prefix(1);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    out.path = std::string(prefix);
    return out;
  }
  return invalid_argument("unsupported store URI scheme '" + std::string(scheme) + "' in '" +
                          std::string(uri) + "' (use s3://, s3a://, file:// or a path)");
}

}  // namespace lakestream::storage
