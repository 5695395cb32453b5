#include "kafka/broker_control.h"

#include <gtest/gtest.h>

#include "kafka/tests/test_cluster.h"

namespace lakestream::kafka {
namespace {

using Kind = ControlCommand::Kind;

TEST(BrokerControl, ParsesEveryCommand) {
  auto c = parse_control_line("  broker-down 2 ");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kBrokerDown);
  EXPECT_EQ(c->broker, 2);
  c = parse_control_line("broker-up all");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kBrokerUp);
  EXPECT_EQ(c->broker, -1);
  c = parse_control_line("rtt 1 500");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kRtt);
  EXPECT_EQ(c->value, 500);
  c = parse_control_line("leader topic 3 none");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kLeader);
  EXPECT_EQ(c->name, "topic");
  EXPECT_EQ(c->partition, 3);
  EXPECT_EQ(c->broker, -1);
  c = parse_control_line("errors Produce 5 NOT_LEADER_FOR_PARTITION");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kErrors);
  EXPECT_EQ(c->api_key, 0);
  EXPECT_EQ(c->value, 5);
  EXPECT_EQ(c->error, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
  c = parse_control_line("errors fetch 1 _TRANSPORT");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->api_key, 1);
  EXPECT_EQ(c->error, RD_KAFKA_RESP_ERR__TRANSPORT);
  c = parse_control_line("create-topic t 12 2");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kCreateTopic);
  EXPECT_EQ(c->value, 12);
  EXPECT_EQ(c->replication, 2);
  c = parse_control_line("expire t 7");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kExpire);
  EXPECT_EQ(c->partition, 7);
  c = parse_control_line("# a comment");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kNone);
  c = parse_control_line("");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kNone);
  c = parse_control_line("stop");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, Kind::kStop);
}

TEST(BrokerControl, RejectsMalformedLinesWithUsage) {
  for (const char* bad :
       {"broker-down", "broker-down x", "broker-down 0", "rtt 1", "rtt 1 -5", "leader t x 1",
        "errors Produce 0 NOT_LEADER_FOR_PARTITION", "errors Nope 1 NOT_LEADER_FOR_PARTITION",
        "errors Produce 1 NOPE", "create-topic t 0", "expire t", "sleep", "frobnicate 1"}) {
    auto c = parse_control_line(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_NE(parse_control_line("rtt 1").status().message().find("usage: rtt ID|all MS"),
            std::string::npos);
}

TEST(BrokerControl, AppliesToAMockCluster) {
  auto cluster = testing::start_cluster(2);
  ASSERT_NE(cluster, nullptr);
  auto apply = [&](const char* line) -> Result<std::string> {
    auto c = parse_control_line(line);
    if (!c.ok()) return c.status();
    return apply_control(*cluster, *c);
  };
  EXPECT_TRUE(apply("create-topic t 3").ok());
  EXPECT_TRUE(apply("leader t 2 2").ok());
  EXPECT_TRUE(apply("rtt all 0").ok());
  EXPECT_TRUE(apply("errors Produce 2 NOT_LEADER_FOR_PARTITION").ok());
  EXPECT_TRUE(apply("clear-errors Produce").ok());
  EXPECT_TRUE(apply("broker-down 1").ok());
  EXPECT_TRUE(apply("broker-up 1").ok());
  auto bad = apply("broker-down 9");  // no such broker
  EXPECT_FALSE(bad.ok());
}

TEST(MockCluster, TopicSpecParsing) {
  auto s = parse_topic_spec("nyc-avro-topic:10");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->name, "nyc-avro-topic");
  EXPECT_EQ(s->partitions, 10);
  EXPECT_FALSE(parse_topic_spec("nopartitions").ok());
  EXPECT_FALSE(parse_topic_spec("t:0").ok());
  EXPECT_FALSE(parse_topic_spec(":3").ok());
  EXPECT_FALSE(parse_topic_spec("t:3x").ok());
}

}  // namespace
}  // namespace lakestream::kafka
