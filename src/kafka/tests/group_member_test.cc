#include "kafka/group_member.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "kafka/tests/test_cluster.h"

namespace lakestream::kafka {
namespace {

using namespace std::chrono_literals;
using Kind = RebalanceEvent::Kind;

class GroupMemberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = testing::start_cluster(3);
    ASSERT_NE(cluster_, nullptr);
    ASSERT_TRUE(cluster_->create_topic({"shared", 6, 3}).ok());
  }
  std::unique_ptr<GroupMember> join(const std::string& group) {
    GroupOptions options;
    options.config.set("bootstrap.servers", cluster_->bootstrap_servers());
    options.group_id = group;
    options.topics = {"shared"};
    options.session_timeout = 6000ms;
    auto m = GroupMember::join(options);
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    return m.ok() ? std::move(m).value() : nullptr;
  }
  // Polls every member until `done` holds or 60 s pass; collects each member's events.
  template <typename Done>
  bool poll_until(std::vector<GroupMember*> members,
                  std::vector<std::vector<RebalanceEvent>>* events, Done done) {
    events->resize(members.size());
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      for (size_t i = 0; i < members.size(); ++i) {
        auto ev = members[i]->poll(100ms);
        EXPECT_TRUE(ev.ok()) << ev.status().to_string();
        if (ev.ok()) (*events)[i].insert((*events)[i].end(), ev->begin(), ev->end());
      }
      if (done()) return true;
    }
    return false;
  }
  std::unique_ptr<MockCluster> cluster_;
};

std::set<TopicPartition> all_partitions() {
  std::set<TopicPartition> s;
  for (int32_t p = 0; p < 6; ++p) s.insert({"shared", p});
  return s;
}

TEST_F(GroupMemberTest, TwoMembersSplitThePartitionsAndTheSurvivorTakesAllWhenOneLeaves) {
  auto a = join("g-split");
  ASSERT_NE(a, nullptr);
  std::vector<std::vector<RebalanceEvent>> events;
  ASSERT_TRUE(poll_until({a.get()}, &events, [&] { return a->assignment().size() == 6; }))
      << "first member never got the 6 partitions";
  ASSERT_FALSE(events[0].empty());
  EXPECT_EQ(events[0][0].kind, Kind::kAssigned);
  EXPECT_EQ(a->assignment(), all_partitions());

  auto b = join("g-split");
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(
      poll_until({a.get(), b.get()}, &events,
                 [&] { return a->assignment().size() == 3 && b->assignment().size() == 3; }))
      << "no 3/3 split: a holds " << a->assignment().size() << ", b holds "
      << b->assignment().size();
  // Disjoint and complete.
  std::set<TopicPartition> both = a->assignment();
  both.insert(b->assignment().begin(), b->assignment().end());
  EXPECT_EQ(both, all_partitions());
  // Cooperative: a gave up exactly the three partitions b received, nothing else moved.
  std::set<TopicPartition> revoked_from_a;
  for (const auto& ev : events[0]) {
    if (ev.kind == Kind::kRevoked)
      revoked_from_a.insert(ev.partitions.begin(), ev.partitions.end());
    EXPECT_NE(ev.kind, Kind::kLost);
  }
  EXPECT_EQ(revoked_from_a, b->assignment());
  std::set<TopicPartition> assigned_to_b;
  for (const auto& ev : events[1]) {
    if (ev.kind == Kind::kAssigned)
      assigned_to_b.insert(ev.partitions.begin(), ev.partitions.end());
  }
  EXPECT_EQ(assigned_to_b, b->assignment());

  // b leaves: its close reports the revocation of its three, and a gets them back.
  std::set<TopicPartition> b_held = b->assignment();
  auto final_events = b->close();
  ASSERT_TRUE(final_events.ok()) << final_events.status().to_string();
  std::set<TopicPartition> b_revoked;
  for (const auto& ev : *final_events) {
    EXPECT_EQ(ev.kind, Kind::kRevoked);
    b_revoked.insert(ev.partitions.begin(), ev.partitions.end());
  }
  EXPECT_EQ(b_revoked, b_held);
  events.clear();
  ASSERT_TRUE(poll_until({a.get()}, &events, [&] { return a->assignment().size() == 6; }))
      << "survivor holds " << a->assignment().size();
  std::set<TopicPartition> regained;
  for (const auto& ev : events[0]) {
    if (ev.kind == Kind::kAssigned) regained.insert(ev.partitions.begin(), ev.partitions.end());
  }
  EXPECT_EQ(regained, b_held);
}

TEST_F(GroupMemberTest, CommittedOffsetsAreVisibleToTheGroup) {
  auto a = join("g-commit");
  ASSERT_NE(a, nullptr);
  std::vector<std::vector<RebalanceEvent>> events;
  ASSERT_TRUE(poll_until({a.get()}, &events, [&] { return a->assignment().size() == 6; }));
  ASSERT_TRUE(a->commit_sync({{{"shared", 0}, 42}, {{"shared", 5}, 7}}).ok());
  auto committed = a->committed({{"shared", 0}, {"shared", 5}, {"shared", 3}}, 10s);
  ASSERT_TRUE(committed.ok()) << committed.status().to_string();
  ASSERT_EQ(committed->size(), 3u);
  EXPECT_EQ((*committed)[0].offset, 42);
  EXPECT_EQ((*committed)[1].offset, 7);
  EXPECT_EQ((*committed)[2].offset, -1);
  EXPECT_FALSE(a->member_id().empty());
}

TEST_F(GroupMemberTest, RejectsBadOptions) {
  GroupOptions options;
  options.config.set("bootstrap.servers", cluster_->bootstrap_servers());
  options.topics = {"shared"};
  EXPECT_EQ(GroupMember::join(options).status().code(), StatusCode::kInvalidArgument);  // no id
  options.group_id = "g";
  options.pattern = "sha.*";
  EXPECT_EQ(GroupMember::join(options).status().code(), StatusCode::kInvalidArgument);  // both
}

TEST_F(GroupMemberTest, PatternSubscriptionMatchesWholeTopicNames) {
  ASSERT_TRUE(cluster_->create_topic({"shared-extra", 2, 1}).ok());
  GroupOptions options;
  options.config.set("bootstrap.servers", cluster_->bootstrap_servers());
  options.group_id = "g-pattern";
  options.pattern = "shar.d";  // "shared" but not "shared-extra"
  options.session_timeout = 6000ms;
  auto m = GroupMember::join(options);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  std::vector<std::vector<RebalanceEvent>> events;
  ASSERT_TRUE(poll_until({m->get()}, &events, [&] { return (*m)->assignment().size() >= 6; }));
  EXPECT_EQ((*m)->assignment(), all_partitions());
}

}  // namespace
}  // namespace lakestream::kafka

namespace lakestream::kafka {
namespace {

// A member that stops polling past max.poll.interval.ms (a paused process, a zombie) learns on
// its next poll that its partitions were lost, and then joins again.
TEST_F(GroupMemberTest, MemberThatStopsPollingLosesItsPartitions) {
  GroupOptions options;
  options.config.set("bootstrap.servers", cluster_->bootstrap_servers());
  options.group_id = "g-zombie";
  options.topics = {"shared"};
  options.session_timeout = 6000ms;
  options.max_poll_interval = 6000ms;
  auto joined = GroupMember::join(options);
  ASSERT_TRUE(joined.ok()) << joined.status().to_string();
  GroupMember* m = joined->get();
  std::vector<std::vector<RebalanceEvent>> events;
  ASSERT_TRUE(poll_until({m}, &events, [&] { return m->assignment().size() == 6; }));

  std::this_thread::sleep_for(9s);  // no poll() for longer than max.poll.interval.ms

  events.clear();
  bool saw_loss = false;
  ASSERT_TRUE(poll_until({m}, &events, [&] {
    for (const auto& ev : events[0]) saw_loss = saw_loss || ev.kind == Kind::kLost;
    return saw_loss;
  })) << "no kLost event after missing the poll interval";
  std::set<TopicPartition> dropped;
  for (const auto& ev : events[0]) {
    if (ev.kind == Kind::kLost) dropped.insert(ev.partitions.begin(), ev.partitions.end());
  }
  EXPECT_EQ(dropped, all_partitions());
  // Polling again rejoins the group and gets the partitions back.
  ASSERT_TRUE(poll_until({m}, &events, [&] { return m->assignment().size() == 6; }));
}

}  // namespace
}  // namespace lakestream::kafka
