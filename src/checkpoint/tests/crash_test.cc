// The process dies between any two requests, then a new process recovers and finishes: the
// committed files must hold every offset exactly once and the output no uncommitted file. Each
// protocol is cut at every request index of a reference run (no randomness: every gap is hit).
#include <gtest/gtest.h>

#include "checkpoint/checkpoint_store.h"
#include "checkpoint/tests/memory_store.h"
#include "checkpoint/tests/sim_writer.h"

namespace lakestream::checkpoint::testing {
namespace {

struct CrashCase {
  CheckpointMode mode;
  bool versioned;
};

class CrashEverywhere : public ::testing::TestWithParam<CrashCase> {
 protected:
  static bool chain() { return GetParam().mode == CheckpointMode::kChain; }
};

CheckpointOptions options_for(CheckpointMode mode) {
  CheckpointOptions o;
  o.mode = mode;
  o.retain = 3;  // small, so retention rounds happen inside the run and get cut too
  o.compact_every = 2;
  return o;
}

TEST_P(CrashEverywhere, RestartAfterACrashAtAnyRequestIsExactlyOnce) {
  const SimSource src{"taxi", {37, 23, 0}, 5};
  uint64_t total = 0;
  {
    // Checkpoint and output share one bucket (one store), so one budget cuts either.
    MemoryStore bucket(GetParam().versioned);
    SimWriter w(bucket, bucket, options_for(GetParam().mode), src);
    ASSERT_TRUE(w.recover().ok());
    ASSERT_TRUE(w.run_to_end().ok());
    total = bucket.stats().total_calls();
    expect_exactly_once(bucket, bucket, src, chain());
  }
  // The chain layout makes no request besides the data files and one LIST (+ HEADs) at start.
  ASSERT_GT(total, chain() ? 10u : 20u);
  for (uint64_t cut = 0; cut <= total; ++cut) {
    SCOPED_TRACE(::testing::Message() << "crash after request " << cut << " of " << total);
    MemoryStore bucket(GetParam().versioned);
    bucket.crash_after(static_cast<int64_t>(cut));
    {
      SimWriter w(bucket, bucket, options_for(GetParam().mode), src);
      Status s = w.recover();
      if (s.ok()) s = w.run_to_end();
      if (cut < total) {
        ASSERT_FALSE(s.ok());
      }
    }
    bucket.crash_after(-1);
    // A second crash during recovery itself, then a clean restart.
    {
      bucket.crash_after(static_cast<int64_t>(cut % 4));
      SimWriter w(bucket, bucket, options_for(GetParam().mode), src);
      (void)w.recover();
      bucket.crash_after(-1);
    }
    SimWriter restarted(bucket, bucket, options_for(GetParam().mode), src);
    Status s = restarted.recover();
    ASSERT_TRUE(s.ok()) << s.to_string();
    s = restarted.run_to_end();
    ASSERT_TRUE(s.ok()) << s.to_string();
    expect_exactly_once(bucket, bucket, src, chain());
    if (HasFailure()) return;
    if (GetParam().versioned && GetParam().mode != CheckpointMode::kRename) {
      EXPECT_EQ(bucket.delete_markers(), 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, CrashEverywhere,
                         ::testing::Values(CrashCase{CheckpointMode::kConditional, false},
                                           CrashCase{CheckpointMode::kConditional, true},
                                           CrashCase{CheckpointMode::kDirect, false},
                                           CrashCase{CheckpointMode::kDirect, true},
                                           CrashCase{CheckpointMode::kRename, false},
                                           CrashCase{CheckpointMode::kChain, false},
                                           CrashCase{CheckpointMode::kChain, true}),
                         [](const auto& info) {
                           return std::string(checkpoint_mode_name(info.param.mode)) +
                                  (info.param.versioned ? "_versioned" : "_plain");
                         });

}  // namespace
}  // namespace lakestream::checkpoint::testing
