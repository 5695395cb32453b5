// LocalStore: the ObjectStore on a local directory (tests, single-machine runs, NFS).
//
// Keys are relative paths under the root. Writes are atomic: bytes go to a temp file in the target
// directory (".<name>.tmp-<random>"), are fsynced, then published by rename(2) -- or, for
// create-only writes (if_none_match), by link(2), which fails when the name exists, so two writers
// racing for one key get exactly one winner. The directory is fsynced after publishing. Temp files
// are never listed. The ETag of a file is derived from inode, size and mtime (it changes with every
// write); if_match compares it (checked just before the rename, not atomic across processes).
// User metadata is kept in user.* extended attributes where the filesystem supports them.
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"

namespace lakestream::storage {

class LocalStore final : public ObjectStore {
 public:
  // Opens (creating if missing) the directory `root` (absolute or relative path).
  static Result<std::unique_ptr<LocalStore>> open(std::string_view root);

  const std::string& uri() const override { return uri_; }
  std::string uri_of(std::string_view key) const override;
  StoreCapabilities capabilities() const override { return {true, false}; }

  Result<PutResult> put(std::string_view key, std::span<const uint8_t> body,
                        const PutOptions& options = {}) override;
  Result<Buffer> get(std::string_view key, uint64_t offset = 0, uint64_t length = 0) override;
  Result<ObjectInfo> head(std::string_view key) override;
  Result<ListResult> list(const ListOptions& options) override;
  Result<std::vector<ObjectInfo>> list_versions(std::string_view prefix) override;
  Status remove(const ObjectRef& ref) override;
  Status remove_many(std::span<const ObjectRef> refs) override;
  Status copy(std::string_view from_key, std::string_view to_key) override;
  Result<std::unique_ptr<ObjectWriter>> open_writer(std::string_view key,
                                                    const PutOptions& options = {}) override;
  const CallStats& stats() const override { return stats_; }

  // The file path of a key (kInvalidArgument for keys escaping the root: "..", absolute).
  Result<std::string> path_of(std::string_view key) const;
  // Publishes a finished temp file as `key` (used by the writer). Removes `tmp` on failure.
  Result<PutResult> publish(const std::string& tmp, std::string_view key, const PutOptions& o);
  CallStats& mutable_stats() { return stats_; }

 private:
  explicit LocalStore(std::string root);
  Result<PutResult> put_impl(std::string_view key, std::span<const uint8_t> body,
                             const PutOptions& options);

  std::string root_;  // absolute, no trailing '/'
  std::string uri_;
  CallStats stats_;
};

}  // namespace lakestream::storage
