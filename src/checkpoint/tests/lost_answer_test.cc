// The conditional commit PUT whose answer is lost (a timeout or a reset after the server acted):
// the commit must be retried and recognised as our own, not fail the job or commit twice.
#include <gtest/gtest.h>

#include "checkpoint/checkpoint_store.h"
#include "checkpoint/tests/memory_store.h"
#include "checkpoint/tests/sim_writer.h"

namespace lakestream::checkpoint::testing {
namespace {

// Forwards to a MemoryStore; the next `lose` create-only PUTs are applied, then answered with
// kTimeout (the client cannot tell whether they landed).
class LostAnswerStore final : public storage::ObjectStore {
 public:
  explicit LostAnswerStore(MemoryStore& inner) : inner_(inner) {}
  int lose = 0;
  int lost = 0;

  const std::string& uri() const override { return inner_.uri(); }
  std::string uri_of(std::string_view key) const override { return inner_.uri_of(key); }
  storage::StoreCapabilities capabilities() const override { return inner_.capabilities(); }
  Result<storage::PutResult> put(std::string_view key, std::span<const uint8_t> body,
                                 const storage::PutOptions& o = {}) override {
    auto r = inner_.put(key, body, o);
    if (o.if_none_match && lose > 0) {
      --lose;
      ++lost;
      return timeout_error("request timed out (answer lost)");
    }
    return r;
  }
  Result<Buffer> get(std::string_view key, uint64_t offset, uint64_t length) override {
    return inner_.get(key, offset, length);
  }
  Result<storage::ObjectInfo> head(std::string_view key) override { return inner_.head(key); }
  Result<storage::ListResult> list(const storage::ListOptions& o) override {
    return inner_.list(o);
  }
  Result<std::vector<storage::ObjectInfo>> list_versions(std::string_view prefix) override {
    return inner_.list_versions(prefix);
  }
  Status remove(const storage::ObjectRef& ref) override { return inner_.remove(ref); }
  Status remove_many(std::span<const storage::ObjectRef> refs) override {
    return inner_.remove_many(refs);
  }
  Status copy(std::string_view from, std::string_view to) override { return inner_.copy(from, to); }
  Result<std::unique_ptr<storage::ObjectWriter>> open_writer(
      std::string_view key, const storage::PutOptions& o) override {
    return inner_.open_writer(key, o);
  }
  const storage::CallStats& stats() const override { return inner_.stats(); }

 private:
  MemoryStore& inner_;
};

CheckpointOptions conditional() {
  CheckpointOptions o;
  o.mode = CheckpointMode::kConditional;
  return o;
}

TEST(ConditionalLogLostAnswer, CommitWhoseAnswerWasLostIsRetriedAndRecognisedAsOurs) {
  MemoryStore meta, out;
  LostAnswerStore lossy(meta);
  SimSource src{"taxi", {30, 30}, 10};
  SimWriter w(lossy, out, conditional(), src);
  ASSERT_TRUE(w.recover().ok());
  lossy.lose = 2;  // batch 1's PUT lands but its answer is lost, twice (the retry gets a 412)
  CommitOutcome o;
  auto more = w.step(&o);
  ASSERT_TRUE(more.ok()) << more.status().to_string();
  EXPECT_TRUE(o.committed);
  EXPECT_EQ(o.batch, 1u);
  EXPECT_EQ(lossy.lost, 2);
  ASSERT_TRUE(w.run_to_end().ok());
  EXPECT_EQ(meta.keys("_commits/").size(), 4u);  // claim + 3 batches, none twice
  expect_exactly_once(meta, out, src);
}

TEST(ConditionalLogLostAnswer, CommitFailsAfterTheLastAttempt) {
  MemoryStore meta, out;
  LostAnswerStore lossy(meta);
  SimSource src{"taxi", {30}, 10};
  SimWriter w(lossy, out, conditional(), src);
  ASSERT_TRUE(w.recover().ok());
  lossy.lose = 100;
  auto more = w.step();
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), StatusCode::kTimeout);
  EXPECT_NE(more.status().message().find("commit batch 1"), std::string::npos)
      << more.status().to_string();
  EXPECT_EQ(lossy.lost, 6);
}

}  // namespace
}  // namespace lakestream::checkpoint::testing
