#include "storage/local_store.h"
#include "storage/object_store.h"
#include "storage/s3_store.h"
#include "storage/store_uri.h"

namespace lakestream::storage {

Result<std::unique_ptr<ObjectStore>> open_store(std::string_view uri, const S3Options& s3) {
  LS_ASSIGN_OR_RETURN(StoreUri u, parse_store_uri(uri));
  if (u.kind == StoreUri::Kind::kS3) {
    LS_ASSIGN_OR_RETURN(auto store, S3Store::open(u.bucket, u.path, s3));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  LS_ASSIGN_OR_RETURN(auto store, LocalStore::open(u.path));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace lakestream::storage
