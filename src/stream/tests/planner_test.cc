#include "stream/planner.h"

#include <gtest/gtest.h>

namespace lakestream::stream {
namespace {

std::vector<PartitionWatermarks> marks(std::vector<std::pair<int64_t, int64_t>> lh) {
  std::vector<PartitionWatermarks> out;
  for (size_t p = 0; p < lh.size(); ++p) {
    out.push_back({{"t", static_cast<int32_t>(p)}, lh[p].first, lh[p].second});
  }
  return out;
}

TEST(Planner, StartsFromCommittedOffsetsThenFromStartingOffsets) {
  checkpoint::OffsetMap committed{{{"t", 0}, 40}};
  PlanOptions o;
  auto plan = plan_batch(committed, marks({{0, 100}, {10, 50}}), o);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->ranges.size(), 2u);
  EXPECT_EQ(plan->ranges[0], (OffsetRange{{"t", 0}, 40, 100}));
  EXPECT_EQ(plan->ranges[1], (OffsetRange{{"t", 1}, 10, 50}));
  o.starting.kind = StartingOffsets::Kind::kLatest;
  plan = plan_batch(committed, marks({{0, 100}, {10, 50}}), o);
  ASSERT_EQ(plan->ranges.size(), 1u);  // partition 1 starts at its end: nothing to read
}

TEST(Planner, SplitsMaxOffsetsPerTriggerInProportionToBacklog) {
  PlanOptions o;
  o.max_offsets_per_trigger = 100;
  auto plan = plan_batch({}, marks({{0, 300}, {0, 100}, {0, 1}}), o);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->ranges.size(), 3u);
  // shares: 100*300/401 = 74.8 -> 74, 100*100/401 = 24.9 -> 24, 100*1/401 = 0.25 -> ceil 1
  EXPECT_EQ(plan->ranges[0].end, 74);
  EXPECT_EQ(plan->ranges[1].end, 24);
  EXPECT_EQ(plan->ranges[2].end, 1);
}

TEST(Planner, DataLossFailsOrWarnsAndKeepsTheChainGapFree) {
  checkpoint::OffsetMap committed{{{"t", 0}, 5}};
  PlanOptions o;
  auto plan = plan_batch(committed, marks({{20, 30}}), o);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(plan.status().message().find("[5, 20)"), std::string::npos);
  o.fail_on_data_loss = false;
  plan = plan_batch(committed, marks({{20, 30}}), o);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->lost_offsets, 15);
  EXPECT_EQ(plan->ranges[0], (OffsetRange{{"t", 0}, 5, 30}));
  EXPECT_EQ(plan->warnings.size(), 1u);
}

TEST(Planner, MinPartitionsSplitsTheLargestRanges) {
  PlanOptions o;
  o.min_partitions = 4;
  auto plan = plan_batch({}, marks({{0, 100}, {0, 10}}), o);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->ranges.size(), 2u);
  ASSERT_EQ(plan->tasks.size(), 4u);
  EXPECT_EQ(plan->tasks[0], (OffsetRange{{"t", 0}, 0, 25}));
  EXPECT_EQ(plan->tasks[1], (OffsetRange{{"t", 0}, 25, 50}));
  EXPECT_EQ(plan->tasks[2], (OffsetRange{{"t", 0}, 50, 100}));
  EXPECT_EQ(plan->tasks[3], (OffsetRange{{"t", 1}, 0, 10}));
}

TEST(Planner, ParsesStartingOffsets) {
  auto s = parse_starting_offsets(R"({"t":{"0":23,"1":-2}})");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, StartingOffsets::Kind::kSpecific);
  auto plan = plan_batch({}, marks({{0, 100}, {5, 100}, {0, 100}}), PlanOptions{*s});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->ranges[0].start, 23);
  EXPECT_EQ(plan->ranges[1].start, 5);
  EXPECT_EQ(plan->ranges[2].start, 0);
  EXPECT_FALSE(parse_starting_offsets("newest").ok());
  EXPECT_FALSE(parse_starting_offsets(R"({"t":{"x":1}})").ok());
}

}  // namespace
}  // namespace lakestream::stream
