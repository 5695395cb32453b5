// The per-partition chain layout: the data files' own create-only PUTs are the commit.
#include <gtest/gtest.h>

#include "checkpoint/checkpoint_store.h"
#include "checkpoint/data_file_name.h"
#include "checkpoint/tests/memory_store.h"
#include "checkpoint/tests/sim_writer.h"

namespace lakestream::checkpoint::testing {
namespace {

CheckpointOptions chain() {
  CheckpointOptions o;
  o.mode = CheckpointMode::kChain;
  return o;
}

TEST(ChainFileName, RoundTripsAndNeverParsesAsTheOtherLayout) {
  TopicPartition tp{"nyc-taxi-3", 12};
  std::string key = format_chain_file_key(tp, 4711);
  EXPECT_EQ(key, "nyc-taxi-3-12-00000000000000004711.parquet");
  auto n = parse_chain_file_key(key);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->tp, tp);
  EXPECT_EQ(n->start, 4711);
  EXPECT_FALSE(parse_data_file_key(key).has_value());
  std::string other = format_data_file_key({tp, 4711, "abc123", 0, ""});
  EXPECT_FALSE(parse_chain_file_key(other).has_value());
  EXPECT_FALSE(parse_chain_file_key("dt=1/taxi-0-00000000000000000000.parquet").has_value());
  EXPECT_FALSE(parse_chain_file_key("taxi-0-12.parquet").has_value());
  EXPECT_EQ(chain_prefix(tp), "nyc-taxi-3-12-");
}

TEST(ChainLog, SteadyStateMakesNoRequestBesidesTheDataFiles) {
  MemoryStore meta, out;
  SimSource src{"taxi", {100, 100, 100}, 10};
  SimWriter w(meta, out, chain(), src);
  ASSERT_TRUE(w.recover().ok());
  EXPECT_EQ(out.calls("ListObjectsV2"), 1u);
  uint64_t before = out.stats().total_calls();
  for (int i = 0; i < 10; ++i) {
    CommitOutcome o;
    auto more = w.step(&o);
    ASSERT_TRUE(more.ok()) << more.status().to_string();
    EXPECT_TRUE(o.committed);
    EXPECT_EQ(o.batch, static_cast<uint64_t>(i));
  }
  EXPECT_EQ(out.stats().total_calls() - before, 30u);  // the 30 data files, nothing else
  EXPECT_EQ(out.calls("PutObject"), 30u);
  EXPECT_EQ(meta.stats().total_calls(), 0u);
  expect_exactly_once(meta, out, src, /*chain=*/true);
}

TEST(ChainLog, RecoveryIsOneListAndOneHeadPerPartition) {
  MemoryStore meta, out;
  SimSource src{"taxi", {95, 40, 7}, 10};
  {
    SimWriter w(meta, out, chain(), src);
    ASSERT_TRUE(w.recover().ok());
    ASSERT_TRUE(w.run_to_end().ok());
  }
  uint64_t lists = out.calls("ListObjectsV2"), heads = out.calls("HeadObject");
  SimWriter again(meta, out, chain(), src);
  auto report = again.store().recover(std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(out.calls("ListObjectsV2") - lists, 1u);
  EXPECT_EQ(out.calls("HeadObject") - heads, 3u);
  EXPECT_EQ(report->manifests_read, 3u);
  const auto& s = again.store().state();
  EXPECT_EQ((s.offsets.at({"taxi", 0})), 95);
  EXPECT_EQ((s.offsets.at({"taxi", 1})), 40);
  EXPECT_EQ((s.offsets.at({"taxi", 2})), 7);
  EXPECT_EQ(s.files.size(), 10u + 4u + 1u);
  auto last = s.files.at(format_chain_file_key({"taxi", 0}, 90));
  EXPECT_EQ(last.start, 90);
  EXPECT_EQ(last.end, 95);
  EXPECT_EQ(s.files.at(format_chain_file_key({"taxi", 0}, 10)).end, 20);  // from the next start
  auto more = again.step();
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);  // caught up
}

TEST(ChainLog, ClaimedPartitionsAreListedByPrefix) {
  MemoryStore meta, out;
  // Topic "taxi-1" partition 0 shares the prefix "taxi-1-" with topic "taxi" partition 1.
  SimSource a{"taxi", {30, 30}, 10}, b{"taxi-1", {20}, 10};
  SimWriter wa(meta, out, chain(), a), wb(meta, out, chain(), b);
  ASSERT_TRUE(wa.recover().ok());
  ASSERT_TRUE(wa.run_to_end().ok());
  ASSERT_TRUE(wb.recover().ok());
  ASSERT_TRUE(wb.run_to_end().ok());
  uint64_t lists = out.calls("ListObjectsV2"), heads = out.calls("HeadObject");
  SimWriter w(meta, out, chain(), a, std::vector<TopicPartition>{{"taxi", 1}});
  ASSERT_TRUE(w.recover().ok());
  // The partition's prefix, and the dead-letter directory (a prefix listing cannot show it).
  EXPECT_EQ(out.calls("ListObjectsV2") - lists, 2u);
  EXPECT_EQ(out.calls("HeadObject") - heads, 1u);
  const auto& s = w.store().state();
  ASSERT_EQ(s.offsets.size(), 1u);
  EXPECT_EQ((s.offsets.at({"taxi", 1})), 30);
  EXPECT_EQ(s.files.size(), 3u);
}

TEST(ChainLog, TheSecondWriterOfARangeIsFencedAndAdoptsTheWinnersEnd) {
  MemoryStore meta, out;
  SimSource big{"taxi", {100, 100}, 10}, small{"taxi", {100, 100}, 7};
  SimWriter a(meta, out, chain(), big), b(meta, out, chain(), small);
  ASSERT_TRUE(a.recover().ok());
  ASSERT_TRUE(b.recover().ok());
  CommitOutcome oa, ob;
  ASSERT_TRUE(a.step(&oa).ok());  // [0,10) on both partitions
  EXPECT_TRUE(oa.committed);
  auto r = b.step(&ob);  // plans [0,7): same keys, 412 on both
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(ob.committed);
  EXPECT_EQ(ob.winner, a.store().writer_id());
  EXPECT_EQ((b.store().state().offsets.at({"taxi", 0})), 10);
  EXPECT_EQ((b.store().state().offsets.at({"taxi", 1})), 10);
  // Now b is ahead: it writes [10,17); a plans [10,20), meets b's file and adopts 17.
  ASSERT_TRUE(b.step(&ob).ok());
  EXPECT_TRUE(ob.committed);
  ASSERT_TRUE(a.step(&oa).ok());
  EXPECT_FALSE(oa.committed);
  EXPECT_EQ((a.store().state().offsets.at({"taxi", 0})), 17);
  // Alternate until both are done: every offset is in exactly one file.
  for (int i = 0; i < 100; ++i) {
    auto ma = a.step(), mb = b.step();
    ASSERT_TRUE(ma.ok() && mb.ok());
    if (!*ma && !*mb) break;
  }
  expect_exactly_once(meta, out, big, /*chain=*/true);
  EXPECT_EQ(meta.stats().total_calls(), 0u);
}

TEST(ChainLog, AFileWithoutItsEndOffsetIsReportedNotGuessed) {
  MemoryStore meta, out;
  std::string body = "x";
  ASSERT_TRUE(out.put(format_chain_file_key({"taxi", 0}, 0),
                      {reinterpret_cast<const uint8_t*>(body.data()), body.size()})
                  .ok());
  auto state = read_chain_state(out);
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(state.status().message().find("lakestream-end"), std::string::npos);
}

TEST(ChainLog, AnEmptyOutputHasNoState) {
  MemoryStore meta, out;
  auto state = read_chain_state(out);
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->files.empty());
  EXPECT_TRUE(state->offsets.empty());
}

}  // namespace
}  // namespace lakestream::checkpoint::testing
