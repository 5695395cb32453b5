// Request counts of the three protocols per batch, from the store's own counters: the numbers the
// S3-call tables compare. Data-file requests go to the output store and are not counted here.
#include <gtest/gtest.h>

#include "checkpoint/checkpoint_store.h"
#include "checkpoint/tests/memory_store.h"
#include "checkpoint/tests/sim_writer.h"

namespace lakestream::checkpoint::testing {
namespace {

struct Costs {
  std::map<std::string, storage::ApiStats> per_api;
  uint64_t total = 0;
};

// Requests to the checkpoint store over `batches` steady-state batches (after recovery and a
// warm-up long enough for retention to start).
Costs steady_state_costs(CheckpointMode mode, int batches) {
  MemoryStore meta, out;
  SimSource src{"taxi", {100000}, 1};
  CheckpointOptions o;
  o.mode = mode;
  o.retain = 1000;  // no retention round inside the window
  SimWriter w(meta, out, o, src);
  EXPECT_TRUE(w.recover().ok());
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(w.step().ok());
  auto before = meta.stats().snapshot();
  for (int i = 0; i < batches; ++i) EXPECT_TRUE(w.step().ok());
  Costs c;
  for (auto [api, s] : meta.stats().snapshot()) {
    s.calls -= before.count(api) ? before[api].calls : 0;
    if (s.calls) c.per_api[api] = s;
    c.total += s.calls;
  }
  return c;
}

TEST(CheckpointModes, ConditionalMakesOneRequestPerBatch) {
  auto c = steady_state_costs(CheckpointMode::kConditional, 20);
  EXPECT_EQ(c.total, 20u);
  EXPECT_EQ(c.per_api["PutObject"].calls, 20u);
}

TEST(CheckpointModes, DirectProbesAndListsLikeMinIOsManager) {
  auto c = steady_state_costs(CheckpointMode::kDirect, 20);
  // offsets/<n>: HEAD + PUT; commits/<n>: HEAD + PUT; purge: LIST offsets/ + LIST commits/.
  EXPECT_EQ(c.per_api["HeadObject"].calls, 40u);
  EXPECT_EQ(c.per_api["PutObject"].calls, 40u);
  EXPECT_EQ(c.per_api["ListObjectsV2"].calls, 40u);
  EXPECT_EQ(c.total, 120u);
}

TEST(CheckpointModes, RenameCostsSixteenRequestsPerLogFile) {
  auto c = steady_state_costs(CheckpointMode::kRename, 20);
  // Three files per batch (offsets, sink log, commits) x 16 requests, plus the two purge LISTs.
  EXPECT_EQ(c.total, 20u * (3 * 16 + 2));
  EXPECT_EQ(c.per_api["CopyObject"].calls, 60u);
  EXPECT_EQ(c.per_api["DeleteObject"].calls, 60u);
  EXPECT_EQ(c.per_api["HeadObject"].calls, 60u * 8);
}

TEST(CheckpointModes, DirectModeLetsTwoWritersOverwriteEachOther) {
  // MinIO's manager ignores "do not overwrite": the second writer's commits/<n> replaces the
  // first one's, and the first writer's files silently drop out of the committed set.
  MemoryStore meta, out;
  SimSource src{"taxi", {10}, 10};
  CheckpointOptions o;
  o.mode = CheckpointMode::kDirect;
  SimWriter a(meta, out, o, src), b(meta, out, o, src);
  ASSERT_TRUE(a.recover().ok());
  ASSERT_TRUE(b.recover().ok());
  CommitOutcome oa, ob;
  ASSERT_TRUE(a.step(&oa).ok());
  ASSERT_TRUE(b.step(&ob).ok());
  EXPECT_TRUE(oa.committed);
  EXPECT_TRUE(ob.committed);  // both think they won batch 0
  EXPECT_EQ(oa.batch, ob.batch);
  auto state = read_committed_state(meta);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->files.size(), 1u);
  EXPECT_EQ(out.keys().size(), 2u);  // a's file is orphaned in the output
}

TEST(CheckpointModes, ParsesModeNames) {
  EXPECT_EQ(*parse_checkpoint_mode("conditional"), CheckpointMode::kConditional);
  EXPECT_EQ(*parse_checkpoint_mode("direct"), CheckpointMode::kDirect);
  EXPECT_EQ(*parse_checkpoint_mode("rename"), CheckpointMode::kRename);
  EXPECT_EQ(parse_checkpoint_mode("hdfs").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakestream::checkpoint::testing
