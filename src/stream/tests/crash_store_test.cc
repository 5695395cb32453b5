// The crash hook counts every request a store makes, including the capabilities probe that an
// S3 store makes once (GetBucketVersioning), so LAKESTREAM_CRASH_AFTER_S3_CALL=N can stop the
// job right after any of them.
#include "stream/crash_store.h"

#include <gtest/gtest.h>

#include <csignal>

namespace lakestream::stream {
namespace {

// Like S3Store: the first capabilities() call is a request (recorded in stats), later ones are
// cached. Every other call is one request that answers "not found".
class ProbingStore final : public storage::ObjectStore {
 public:
  const std::string& uri() const override { return uri_; }
  std::string uri_of(std::string_view key) const override { return uri_ + "/" + std::string(key); }
  storage::StoreCapabilities capabilities() const override {
    if (!probed_) stats_.record("GetBucketVersioning", false, 0, 0, 0);
    probed_ = true;
    return {};
  }
  const storage::CallStats& stats() const override { return stats_; }
  Result<storage::PutResult> put(std::string_view, std::span<const uint8_t>,
                                 const storage::PutOptions&) override {
    return request<storage::PutResult>("PutObject");
  }
  Result<Buffer> get(std::string_view, uint64_t, uint64_t) override {
    return request<Buffer>("GetObject");
  }
  Result<storage::ObjectInfo> head(std::string_view) override {
    return request<storage::ObjectInfo>("HeadObject");
  }
  Result<storage::ListResult> list(const storage::ListOptions&) override {
    return request<storage::ListResult>("ListObjectsV2");
  }
  Result<std::vector<storage::ObjectInfo>> list_versions(std::string_view) override {
    return request<std::vector<storage::ObjectInfo>>("ListObjectVersions");
  }
  Status remove(const storage::ObjectRef&) override {
    return request<int>("DeleteObject").status();
  }
  Status remove_many(std::span<const storage::ObjectRef>) override {
    return request<int>("DeleteObjects").status();
  }
  Status copy(std::string_view, std::string_view) override {
    return request<int>("CopyObject").status();
  }
  Result<std::unique_ptr<storage::ObjectWriter>> open_writer(std::string_view,
                                                             const storage::PutOptions&) override {
    return request<std::unique_ptr<storage::ObjectWriter>>("CreateMultipartUpload");
  }

 private:
  template <typename T>
  Result<T> request(const char* api) {
    stats_.record(api, true, 0, 0, 0);
    return not_found(api);
  }

  std::string uri_ = "probe://bucket";
  mutable bool probed_ = false;
  mutable storage::CallStats stats_;
};

// Makes `calls` requests of which the first is the capabilities probe, through a CrashingStore
// set to die after request `crash_after`.
void run(uint64_t crash_after, int calls) {
  CrashingStore store(std::make_unique<ProbingStore>(),
                      std::make_shared<CrashCounter>(crash_after));
  (void)store.capabilities();
  (void)store.capabilities();  // cached: no request, not counted
  for (int i = 1; i < calls; ++i) (void)store.head("k");
}

TEST(CrashingStore, DiesRightAfterTheCapabilitiesProbe) {
  EXPECT_EXIT(run(1, 1), testing::KilledBySignal(SIGKILL), "");
}

TEST(CrashingStore, CountsTheProbeOnceThenEveryRequest) {
  // Probe = request 1, then heads 2 and 3: dies at 3, not before.
  EXPECT_EXIT(run(3, 3), testing::KilledBySignal(SIGKILL), "");
  EXPECT_EXIT(
      {
        run(3, 2);
        std::exit(0);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace lakestream::stream
