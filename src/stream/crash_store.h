// Crash injection for the crash tests: LAKESTREAM_CRASH_AFTER_S3_CALL=N kills the process with
// SIGKILL right after the Nth object-store request (counted across every store of the job), so a
// test can stop the job in every gap between two requests deterministically.
//
// CrashingStore forwards every call to the wrapped store and counts it on a shared CrashCounter.
// Thread-safe (the counter is atomic).
#pragma once

#include <atomic>
#include <csignal>
#include <cstdint>
#include <memory>

#include "storage/object_store.h"

namespace lakestream::stream {

class CrashCounter {
 public:
  explicit CrashCounter(uint64_t crash_after) : crash_after_(crash_after) {}
  // Called after each request completes.
  void count() {
    if (++calls_ == crash_after_) std::raise(SIGKILL);
  }

 private:
  std::atomic<uint64_t> calls_{0};
  uint64_t crash_after_;
};

class CrashingStore final : public storage::ObjectStore {
 public:
  CrashingStore(std::unique_ptr<storage::ObjectStore> inner, std::shared_ptr<CrashCounter> counter)
      : inner_(std::move(inner)), counter_(std::move(counter)) {}

  const std::string& uri() const override { return inner_->uri(); }
  std::string uri_of(std::string_view key) const override { return inner_->uri_of(key); }
  // The first call may make a request (S3: GetBucketVersioning); it counts like any other.
  storage::StoreCapabilities capabilities() const override {
    uint64_t before = inner_->stats().total_calls();
    storage::StoreCapabilities c = inner_->capabilities();
    if (inner_->stats().total_calls() != before) counter_->count();
    return c;
  }
  const storage::CallStats& stats() const override { return inner_->stats(); }

  Result<storage::PutResult> put(std::string_view key, std::span<const uint8_t> body,
                                 const storage::PutOptions& o = {}) override {
    return counted(inner_->put(key, body, o));
  }
  Result<Buffer> get(std::string_view key, uint64_t offset = 0, uint64_t length = 0) override {
    return counted(inner_->get(key, offset, length));
  }
  Result<storage::ObjectInfo> head(std::string_view key) override {
    return counted(inner_->head(key));
  }
  Result<storage::ListResult> list(const storage::ListOptions& o) override {
    return counted(inner_->list(o));
  }
  Result<std::vector<storage::ObjectInfo>> list_versions(std::string_view prefix) override {
    return counted(inner_->list_versions(prefix));
  }
  Status remove(const storage::ObjectRef& ref) override { return counted(inner_->remove(ref)); }
  Status remove_many(std::span<const storage::ObjectRef> refs) override {
    return counted(inner_->remove_many(refs));
  }
  Status copy(std::string_view from, std::string_view to) override {
    return counted(inner_->copy(from, to));
  }
  // A streamed object counts as one request when it is published (close()).
  Result<std::unique_ptr<storage::ObjectWriter>> open_writer(
      std::string_view key, const storage::PutOptions& o = {}) override {
    LS_ASSIGN_OR_RETURN(auto w, inner_->open_writer(key, o));
    return std::unique_ptr<storage::ObjectWriter>(new Writer(std::move(w), counter_));
  }

 private:
  class Writer final : public storage::ObjectWriter {
   public:
    Writer(std::unique_ptr<storage::ObjectWriter> w, std::shared_ptr<CrashCounter> c)
        : w_(std::move(w)), c_(std::move(c)) {}
    Status write(std::span<const uint8_t> b) override { return w_->write(b); }
    uint64_t position() const override { return w_->position(); }
    Status close() override {
      Status s = w_->close();
      c_->count();
      return s;
    }
    Status abort() override { return w_->abort(); }
    const storage::PutResult& result() const override { return w_->result(); }

   private:
    std::unique_ptr<storage::ObjectWriter> w_;
    std::shared_ptr<CrashCounter> c_;
  };

  template <typename T>
  T counted(T result) {
    counter_->count();
    return result;
  }

  std::unique_ptr<storage::ObjectStore> inner_;
  std::shared_ptr<CrashCounter> counter_;
};

}  // namespace lakestream::stream
