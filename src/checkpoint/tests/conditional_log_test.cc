#include <gtest/gtest.h>

#include "checkpoint/checkpoint_store.h"
#include "checkpoint/tests/memory_store.h"
#include "checkpoint/tests/sim_writer.h"

namespace lakestream::checkpoint::testing {
namespace {

CheckpointOptions conditional(uint64_t retain = 100, uint64_t compact_every = 10) {
  CheckpointOptions o;
  o.mode = CheckpointMode::kConditional;
  o.retain = retain;
  o.compact_every = compact_every;
  return o;
}

TEST(ConditionalLog, SteadyStateCostsOnePutPerBatch) {
  MemoryStore meta, out;
  SimSource src{"taxi", {100, 100, 100}, 10};
  SimWriter w(meta, out, conditional(), src);
  ASSERT_TRUE(w.recover().ok());
  uint64_t before = meta.stats().total_calls();
  uint64_t out_before = out.stats().total_calls();
  for (int i = 0; i < 10; ++i) {
    CommitOutcome o;
    auto more = w.step(&o);
    ASSERT_TRUE(more.ok()) << more.status().to_string();
    ASSERT_TRUE(*more);
    EXPECT_TRUE(o.committed);
    EXPECT_EQ(o.batch, static_cast<uint64_t>(i + 1));  // batch 0 was the claim
  }
  EXPECT_EQ(meta.stats().total_calls() - before, 10u);
  EXPECT_EQ(meta.calls("PutObject"), 11u);  // claim + 10 commits
  // The data side made only its 30 PUTs: no probes, no deletes.
  EXPECT_EQ(out.stats().total_calls() - out_before, 30u);
  EXPECT_EQ(out.calls("PutObject"), 30u);
  expect_exactly_once(meta, out, src);
}

TEST(ConditionalLog, RecoveryReadsFromTheNewestCompactManifestOnly) {
  MemoryStore meta, out;
  SimSource src{"taxi", {250}, 10};
  {
    SimWriter w(meta, out, conditional(100, 10), src);
    ASSERT_TRUE(w.recover().ok());
    ASSERT_TRUE(w.run_to_end().ok());  // claim at 0, batches 1..25
  }
  EXPECT_EQ(meta.keys("_commits/").size(), 26u);
  SimWriter again(meta, out, conditional(100, 10), src);
  auto report = again.store().recover(std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(*report->last_batch, 26u);    // its own claim
  EXPECT_EQ(report->manifests_read, 6u);  // 25, 24, 23, 22, 21, 20 (compact)
  EXPECT_EQ(again.store().state().files.size(), 25u);
  EXPECT_EQ((again.store().state().offsets.at({"taxi", 0})), 250);
}

TEST(ConditionalLog, RestartRemovesTheFilesOfAnUncommittedAttempt) {
  MemoryStore meta, out;
  SimSource src{"taxi", {30, 30}, 10};
  {
    SimWriter w(meta, out, conditional(), src);
    ASSERT_TRUE(w.recover().ok());
    ASSERT_TRUE(w.step().ok());
    auto attempt = w.write(w.plan());  // uploaded, never committed: the process "dies"
    ASSERT_TRUE(attempt.ok());
  }
  EXPECT_EQ(out.keys().size(), 4u);
  SimWriter w2(meta, out, conditional(), src);
  auto report = w2.store().recover(std::nullopt);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->files_removed, 2u);
  EXPECT_EQ(out.keys().size(), 2u);
  ASSERT_TRUE(w2.run_to_end().ok());
  expect_exactly_once(meta, out, src);
}

TEST(ConditionalLog, TwoWritersOnOneCheckpointExactlyOneWinsEachBatch) {
  MemoryStore meta, out;
  SimSource src{"taxi", {200, 200}, 10};
  SimWriter a(meta, out, conditional(), src), b(meta, out, conditional(), src);
  ASSERT_TRUE(a.recover().ok());
  ASSERT_TRUE(b.recover().ok());
  int wins_a = 0, wins_b = 0, fenced = 0;
  // Both plan from their state and upload, then race for the next slot. A fenced writer has read
  // the log only up to the slot that fenced it, so it may stay one entry behind and lose again;
  // every third round b sits out, and a catches up and commits alone.
  for (int round = 0; round < 200; ++round) {
    bool both = round % 3 != 2;
    auto ra = a.plan(), rb = both ? b.plan() : std::vector<OffsetRange>{};
    if (ra.empty() && rb.empty()) break;
    auto fa = a.write(ra), fb = b.write(rb);
    ASSERT_TRUE(fa.ok() && fb.ok());
    if (rb.empty()) {
      if (ra.empty()) continue;
      auto o = a.store().commit(*fa);
      ASSERT_TRUE(o.ok());
      (o->committed ? wins_a : fenced)++;
      continue;
    }
    if (ra.empty()) {
      auto o = b.store().commit(*fb);
      ASSERT_TRUE(o.ok());
      (o->committed ? wins_b : fenced)++;
      continue;
    }
    bool a_first = round % 2;
    auto o1 = a_first ? a.store().commit(*fa) : b.store().commit(*fb);
    auto o2 = a_first ? b.store().commit(*fb) : a.store().commit(*fa);
    ASSERT_TRUE(o1.ok() && o2.ok());
    // Exactly one of the two attempts on the same offsets commits.
    EXPECT_NE(o1->committed, o2->committed) << "round " << round;
    auto& w1 = a_first ? wins_a : wins_b;
    auto& w2 = a_first ? wins_b : wins_a;
    (o1->committed ? w1 : fenced)++;
    (o2->committed ? w2 : fenced)++;
  }
  EXPECT_GT(wins_a, 0);
  EXPECT_GT(wins_b, 0);
  EXPECT_GT(fenced, 0);
  // One manifest per slot, gap-free: the two claims and one winner per round.
  EXPECT_EQ(meta.keys("_commits/").size(), static_cast<size_t>(2 + wins_a + wins_b));
  expect_exactly_once(meta, out, src);
}

TEST(ConditionalLog, ZombieCommitLosesToTheClaimOfItsSuccessor) {
  MemoryStore meta, out;
  SimSource src{"taxi", {50, 50}, 10};
  SimWriter zombie(meta, out, conditional(), src);
  ASSERT_TRUE(zombie.recover().ok());
  ASSERT_TRUE(zombie.step().ok());
  auto attempt = zombie.write(zombie.plan());  // then it pauses past the session timeout
  ASSERT_TRUE(attempt.ok());

  SimWriter successor(meta, out, conditional(), src);
  auto report = successor.store().recover(std::nullopt);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->files_removed, 2u);  // the zombie's in-flight files
  ASSERT_TRUE(successor.step().ok());

  auto late = zombie.store().commit(*attempt);  // the zombie wakes up
  ASSERT_TRUE(late.ok()) << late.status().to_string();
  EXPECT_FALSE(late->committed);
  EXPECT_EQ(late->winner, successor.store().writer_id());
  ASSERT_TRUE(successor.run_to_end().ok());
  expect_exactly_once(meta, out, src);
}

TEST(ConditionalLog, GroupMembersOnDisjointPartitionsShareTheLogWithoutFencing) {
  MemoryStore meta, out;
  SimSource src{"taxi", {100, 100, 100, 100}, 10};
  SimWriter a(meta, out, conditional(100, 5), src,
              std::vector<TopicPartition>{{"taxi", 0}, {"taxi", 1}});
  SimWriter b(meta, out, conditional(100, 5), src,
              std::vector<TopicPartition>{{"taxi", 2}, {"taxi", 3}});
  ASSERT_TRUE(a.recover().ok());
  ASSERT_TRUE(b.recover().ok());
  for (;;) {
    auto ra = a.plan(), rb = b.plan();
    if (ra.empty() && rb.empty()) break;
    auto fa = a.write(ra), fb = b.write(rb);
    ASSERT_TRUE(fa.ok() && fb.ok());
    if (!ra.empty()) {
      auto o = a.store().commit(*fa);
      ASSERT_TRUE(o.ok());
      EXPECT_TRUE(o->committed);
    }
    if (!rb.empty()) {
      auto o = b.store().commit(*fb);  // meets a's manifest on its slot, takes the next one
      ASSERT_TRUE(o.ok());
      EXPECT_TRUE(o->committed);
    }
  }
  EXPECT_EQ(meta.keys("_commits/").size(), 22u);  // 2 claims + 2 x 10 batches, no gaps
  expect_exactly_once(meta, out, src);
}

TEST(ConditionalLog, AWriterManySlotsBehindCatchesUpWithOneList) {
  // b commits 10 batches of its own partitions while a sits idle; a's next commit loses the
  // first slot (412 + GET of the winner), then reads the other 10 after one LIST instead of a
  // 412 + GET per slot, and lands on the slot after them.
  MemoryStore meta, out;
  SimSource src{"taxi", {100, 100, 100, 100}, 10};
  SimWriter a(meta, out, conditional(100, 5), src,
              std::vector<TopicPartition>{{"taxi", 0}, {"taxi", 1}});
  SimWriter b(meta, out, conditional(100, 5), src,
              std::vector<TopicPartition>{{"taxi", 2}, {"taxi", 3}});
  ASSERT_TRUE(a.recover().ok());
  ASSERT_TRUE(b.recover().ok());
  for (int i = 0; i < 10; ++i) {
    CommitOutcome o;
    ASSERT_TRUE(b.step(&o).ok());
    ASSERT_TRUE(o.committed);
  }
  auto ra = a.plan();
  auto fa = a.write(ra);
  ASSERT_TRUE(fa.ok());
  auto puts = meta.calls("PutObject"), gets = meta.calls("GetObject"),
       lists = meta.calls("ListObjectsV2");
  auto o = a.store().commit(*fa);
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_TRUE(o->committed);
  EXPECT_EQ(o->batch, 12u);  // claims at 0 and 1, b's batches 2..11
  // PUT 1: 412, GET 1 (b's claim); PUT 2: 412, one LIST, GET 2..11; PUT 12: won. The old
  // slot-by-slot walk took 11 PUTs (412) + 11 GETs.
  EXPECT_EQ(meta.calls("PutObject") - puts, 3u);
  EXPECT_EQ(meta.calls("GetObject") - gets, 11u);
  EXPECT_EQ(meta.calls("ListObjectsV2") - lists, 1u);
  ASSERT_TRUE(a.run_to_end().ok());
  ASSERT_TRUE(b.run_to_end().ok());
  expect_exactly_once(meta, out, src);
}

TEST(ConditionalLog, TakenOverNamesThePartitionsAnotherWriterClaimedSinceWeLastRead) {
  MemoryStore meta, out;
  SimSource src{"taxi", {100, 100, 100}, 10};
  SimWriter a(meta, out, conditional(), src,
              std::vector<TopicPartition>{{"taxi", 0}, {"taxi", 1}, {"taxi", 2}});
  ASSERT_TRUE(a.recover().ok());
  CommitOutcome o;
  ASSERT_TRUE(a.step(&o).ok());
  ASSERT_TRUE(o.committed);
  std::vector<TopicPartition> mine{{"taxi", 0}, {"taxi", 1}, {"taxi", 2}};
  auto none = a.store().taken_over(mine);
  ASSERT_TRUE(none.ok()) << none.status().to_string();
  EXPECT_TRUE(none->empty());
  // Another worker is given partition 1 and claims it.
  auto b = open_checkpoint(meta, out, conditional());
  ASSERT_TRUE(b->recover(std::vector<TopicPartition>{{"taxi", 1}}).ok());
  auto taken = a.store().taken_over(mine);
  ASSERT_TRUE(taken.ok()) << taken.status().to_string();
  EXPECT_EQ(*taken, (std::vector<TopicPartition>{{"taxi", 1}}));
  EXPECT_EQ(a.store().state().last_batch, b->state().last_batch);  // a has read the claim
  // Entries a never read are gone (retention outran its pause): it cannot tell, so all of them.
  ASSERT_TRUE(b->recover(std::vector<TopicPartition>{{"taxi", 1}}).ok());
  ASSERT_TRUE(b->recover(std::vector<TopicPartition>{{"taxi", 1}}).ok());
  ASSERT_TRUE(
      meta.remove({"_commits/" + batch_name(*a.store().state().last_batch + 1) + ".json", ""})
          .ok());
  auto gap = a.store().taken_over(mine);
  ASSERT_TRUE(gap.ok()) << gap.status().to_string();
  EXPECT_EQ(*gap, mine);
}

TEST(ConditionalLog, RetentionOnVersionedBucketLeavesNoDeleteMarkersOrOldVersions) {
  MemoryStore meta(/*versioned=*/true), out(/*versioned=*/true);
  SimSource src{"taxi", {400}, 10};
  SimWriter w(meta, out, conditional(/*retain=*/5, /*compact_every=*/3), src);
  ASSERT_TRUE(w.recover().ok());
  ASSERT_TRUE(w.run_to_end().ok());
  EXPECT_LE(meta.keys("_commits/").size(), 10u);
  EXPECT_EQ(meta.delete_markers(), 0u);
  EXPECT_EQ(meta.version_count(), meta.keys().size());
  EXPECT_EQ(out.delete_markers(), 0u);
  // A fresh reader still rebuilds everything from what retention kept.
  expect_exactly_once(meta, out, src);
  SimWriter w2(meta, out, conditional(5, 3), src);
  ASSERT_TRUE(w2.recover().ok());
  EXPECT_EQ(w2.store().state().files.size(), 40u);
}

TEST(ConditionalLog, CommitRejectsAStalePlanAsFenced) {
  MemoryStore meta, out;
  SimSource src{"taxi", {30}, 10};
  SimWriter w(meta, out, conditional(), src);
  ASSERT_TRUE(w.recover().ok());
  auto a = w.write({{{"taxi", 0}, 0, 10}});
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(w.store().commit(*a)->committed);
  auto again = w.write({{{"taxi", 0}, 5, 15}});
  ASSERT_TRUE(again.ok());
  auto o = w.store().commit(*again);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->committed);
  EXPECT_EQ(out.keys().size(), 1u);  // the stale attempt's file is gone
}

}  // namespace
}  // namespace lakestream::checkpoint::testing
