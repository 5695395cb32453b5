// An in-memory ObjectStore for checkpoint tests: S3 semantics that matter to the commit protocol
// (If-None-Match, If-Match, versioning with delete markers, sorted LIST with StartAfter), per-API
// call counting, and a "crash" switch: after N calls every further call fails, as if the process
// had died between two requests.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "storage/object_store.h"

namespace lakestream::checkpoint::testing {

class MemoryStore final : public storage::ObjectStore {
 public:
  struct Version {
    std::string id;
    std::string body;
    bool delete_marker = false;
    std::map<std::string, std::string> metadata;
  };

  explicit MemoryStore(bool versioned = false, std::string uri = "mem://bucket/root")
      : versioned_(versioned), uri_(std::move(uri)) {}

  // Every call after the next `n` fails with kUnavailable ("crashed"); -1 disables.
  void crash_after(int64_t n) { budget_ = n; }
  bool crashed() const { return budget_ == 0; }
  // Runs before each call (after counting), e.g. to let a second writer interleave.
  std::function<void(std::string_view api, std::string_view key)> before_call;

  const std::string& uri() const override { return uri_; }
  std::string uri_of(std::string_view key) const override {
    return fmt::format("{}/{}", uri_, key);
  }
  storage::StoreCapabilities capabilities() const override { return {true, versioned_}; }
  const storage::CallStats& stats() const override { return stats_; }
  uint64_t calls(const std::string& api) const {
    auto s = stats_.snapshot();
    return s.count(api) ? s.at(api).calls : 0;
  }

  Result<storage::PutResult> put(std::string_view key, std::span<const uint8_t> body,
                                 const storage::PutOptions& o = {}) override {
    LS_RETURN_IF_ERROR(enter("PutObject", key, body.size()));
    std::lock_guard lock(mu_);
    auto& versions = objects_[std::string(key)];
    bool exists = !versions.empty() && !versions.back().delete_marker;
    if (o.if_none_match && exists) return precondition_failed(std::string(key));
    if (!o.if_match_etag.empty() && (!exists || etag(versions.back()) != o.if_match_etag)) {
      return precondition_failed(std::string(key));
    }
    Version v{next_version(), std::string(reinterpret_cast<const char*>(body.data()), body.size()),
              false, o.metadata};
    if (!versioned_) versions.clear();
    versions.push_back(v);
    return storage::PutResult{etag(v), versioned_ ? v.id : ""};
  }

  Result<Buffer> get(std::string_view key, uint64_t offset = 0, uint64_t length = 0) override {
    LS_RETURN_IF_ERROR(enter("GetObject", key, 0));
    std::lock_guard lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end() || it->second.empty() || it->second.back().delete_marker) {
      return not_found(std::string(key));
    }
    const std::string& b = it->second.back().body;
    Buffer out;
    if (offset < b.size()) {
      size_t n = length ? std::min<size_t>(length, b.size() - offset) : b.size() - offset;
      out.append(b.data() + offset, n);
    }
    return out;
  }

  Result<storage::ObjectInfo> head(std::string_view key) override {
    LS_RETURN_IF_ERROR(enter("HeadObject", key, 0));
    std::lock_guard lock(mu_);
    auto it = objects_.find(std::string(key));
    if (it == objects_.end() || it->second.empty() || it->second.back().delete_marker) {
      return not_found(std::string(key));
    }
    storage::ObjectInfo info = info_of(it->first, it->second.back());
    info.metadata = it->second.back().metadata;
    return info;
  }

  Result<storage::ListResult> list(const storage::ListOptions& o) override {
    LS_RETURN_IF_ERROR(enter("ListObjectsV2", o.prefix, 0));
    std::lock_guard lock(mu_);
    storage::ListResult r;
    for (const auto& [key, versions] : objects_) {
      if (!key.starts_with(o.prefix) || key <= o.start_after) continue;
      if (versions.empty() || versions.back().delete_marker) continue;
      r.objects.push_back(info_of(key, versions.back()));
      if (o.max_keys && r.objects.size() >= o.max_keys) break;
    }
    return r;
  }

  Result<std::vector<storage::ObjectInfo>> list_versions(std::string_view prefix) override {
    LS_RETURN_IF_ERROR(enter("ListObjectVersions", prefix, 0));
    std::lock_guard lock(mu_);
    std::vector<storage::ObjectInfo> out;
    for (const auto& [key, versions] : objects_) {
      if (!key.starts_with(prefix)) continue;
      for (size_t i = 0; i < versions.size(); ++i) {
        auto info = info_of(key, versions[i]);
        info.is_latest = i + 1 == versions.size();
        info.is_delete_marker = versions[i].delete_marker;
        out.push_back(info);
      }
    }
    return out;
  }

  Status remove(const storage::ObjectRef& ref) override {
    LS_RETURN_IF_ERROR(enter("DeleteObject", ref.key, 0));
    std::lock_guard lock(mu_);
    remove_locked(ref);
    return Status();
  }

  Status remove_many(std::span<const storage::ObjectRef> refs) override {
    LS_RETURN_IF_ERROR(enter("DeleteObjects", refs.empty() ? "" : refs[0].key, 0));
    std::lock_guard lock(mu_);
    for (const auto& r : refs) remove_locked(r);
    return Status();
  }

  Status copy(std::string_view from, std::string_view to) override {
    LS_RETURN_IF_ERROR(enter("CopyObject", to, 0));
    std::lock_guard lock(mu_);
    auto it = objects_.find(std::string(from));
    if (it == objects_.end() || it->second.empty() || it->second.back().delete_marker) {
      return not_found(std::string(from));
    }
    Version v = it->second.back();
    v.id = next_version();
    auto& dst = objects_[std::string(to)];
    if (!versioned_) dst.clear();
    dst.push_back(v);
    return Status();
  }

  Result<std::unique_ptr<storage::ObjectWriter>> open_writer(
      std::string_view key, const storage::PutOptions& o = {}) override {
    return std::unique_ptr<storage::ObjectWriter>(new Writer(this, std::string(key), o));
  }

  // Test inspection (not counted).
  std::vector<std::string> keys(std::string_view prefix = "") const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [key, versions] : objects_) {
      if (key.starts_with(prefix) && !versions.empty() && !versions.back().delete_marker) {
        out.push_back(key);
      }
    }
    return out;
  }
  // Versions + delete markers left anywhere (what `mc ls --versions` would count).
  size_t version_count() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [key, versions] : objects_) n += versions.size();
    return n;
  }
  size_t delete_markers() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& [key, versions] : objects_) {
      for (const auto& v : versions) n += v.delete_marker;
    }
    return n;
  }
  std::string body(const std::string& key) const {
    std::lock_guard lock(mu_);
    return objects_.at(key).back().body;
  }

 private:
  class Writer final : public storage::ObjectWriter {
   public:
    Writer(MemoryStore* s, std::string key, storage::PutOptions o)
        : store_(s), key_(std::move(key)), options_(std::move(o)) {}
    Status write(std::span<const uint8_t> b) override {
      data_.append(reinterpret_cast<const char*>(b.data()), b.size());
      return Status();
    }
    uint64_t position() const override { return data_.size(); }
    Status close() override {
      LS_ASSIGN_OR_RETURN(
          result_, store_->put(key_, {reinterpret_cast<const uint8_t*>(data_.data()), data_.size()},
                               options_));
      return Status();
    }
    Status abort() override { return Status(); }
    const storage::PutResult& result() const override { return result_; }

   private:
    MemoryStore* store_;
    std::string key_;
    storage::PutOptions options_;
    std::string data_;
    storage::PutResult result_;
  };

  Status enter(std::string_view api, std::string_view key, uint64_t tx) {
    if (budget_ == 0) {
      stats_.record(api, true, 0, 0, 0);
      return unavailable("crashed");
    }
    if (budget_ > 0) --budget_;
    stats_.record(api, false, tx, 0, 0);
    if (before_call) before_call(api, key);
    return Status();
  }
  std::string next_version() { return fmt::format("v{:06d}", ++version_seq_); }
  static std::string etag(const Version& v) {
    return fmt::format("{:x}", std::hash<std::string>{}(v.body));
  }
  storage::ObjectInfo info_of(const std::string& key, const Version& v) const {
    storage::ObjectInfo info;
    info.key = key;
    info.size = v.body.size();
    info.etag = etag(v);
    info.version_id = versioned_ ? v.id : "";
    return info;
  }
  void remove_locked(const storage::ObjectRef& r) {
    auto it = objects_.find(r.key);
    if (!versioned_) {
      if (it != objects_.end()) objects_.erase(it);
      return;
    }
    if (r.version_id.empty()) {
      objects_[r.key].push_back(Version{next_version(), "", true, {}});
      return;
    }
    if (it == objects_.end()) return;
    std::erase_if(it->second, [&](const Version& v) { return v.id == r.version_id; });
    if (it->second.empty()) objects_.erase(it);
  }

  bool versioned_;
  std::string uri_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Version>> objects_;
  storage::CallStats stats_;
  int64_t budget_ = -1;
  uint64_t version_seq_ = 0;
};

}  // namespace lakestream::checkpoint::testing
