#include "kafka/consumer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "kafka/metadata.h"
#include "kafka/tests/test_cluster.h"

namespace lakestream::kafka {
namespace {

std::string str(std::span<const uint8_t> s) {
  return std::string(reinterpret_cast<const char*>(s.data()), s.size());
}

class ConsumerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = testing::start_cluster(3);
    ASSERT_NE(cluster_, nullptr);
    ASSERT_TRUE(cluster_->create_topic({"events", 3, 3}).ok());
    ASSERT_TRUE(cluster_->create_topic({"other", 2, 1}).ok());
    for (int32_t p = 0; p < 3; ++p) {
      testing::produce(cluster_->bootstrap_servers(), "events", p, 100,
                       "p" + std::to_string(p) + "-", 1'700'000'000'000 + p * 1000);
    }
    ConsumerOptions options;
    options.config.set("bootstrap.servers", cluster_->bootstrap_servers());
    auto c = Consumer::open(options);
    ASSERT_TRUE(c.ok()) << c.status().to_string();
    consumer_ = std::move(c).value();
  }
  std::unique_ptr<MockCluster> cluster_;
  std::unique_ptr<Consumer> consumer_;
};

TEST_F(ConsumerTest, DiscoversPartitionsByNameAndPattern) {
  auto parts = consumer_->partitions({"events", "other"});
  ASSERT_TRUE(parts.ok()) << parts.status().to_string();
  std::vector<TopicPartition> want = {
      {"events", 0}, {"events", 1}, {"events", 2}, {"other", 0}, {"other", 1}};
  EXPECT_EQ(*parts, want);
  auto matched = consumer_->partitions_matching("ev.*");
  ASSERT_TRUE(matched.ok());
  EXPECT_EQ(matched->size(), 3u);
  auto none = consumer_->partitions_matching("ev");  // whole-name match only
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto missing = consumer_->partitions({"events", "missing"});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
  EXPECT_EQ(consumer_->partitions_matching("(").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ConsumerTest, WatermarksAndOffsetsForTimes) {
  auto marks = consumer_->watermarks({{"events", 0}, {"events", 2}, {"other", 1}});
  ASSERT_TRUE(marks.ok()) << marks.status().to_string();
  ASSERT_EQ(marks->size(), 3u);
  EXPECT_EQ((*marks)[0].low, 0);
  EXPECT_EQ((*marks)[0].high, 100);
  EXPECT_EQ((*marks)[1].tp, (TopicPartition{"events", 2}));
  EXPECT_EQ((*marks)[1].high, 100);
  EXPECT_EQ((*marks)[2].high, 0);
  // librdkafka 2.0.2's mock does not look up offsets by timestamp (it answers "none", as a real
  // broker does for a timestamp later than every record), so only that path is checkable here:
  // it resolves to the high watermark.
  auto offs = consumer_->offsets_for_times({{"events", 1}, {"other", 0}},
                                           {1'800'000'000'000, 1'800'000'000'000});
  ASSERT_TRUE(offs.ok()) << offs.status().to_string();
  EXPECT_EQ((*offs)[0].tp, (TopicPartition{"events", 1}));
  EXPECT_EQ((*offs)[0].offset, 100);
  EXPECT_EQ((*offs)[1].offset, 0);
  EXPECT_EQ(consumer_->offsets_for_times({{"events", 1}}, {-5}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(consumer_->offsets_for_times({{"events", 1}}, {}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ConsumerTest, FetchReturnsExactlyTheRequestedRanges) {
  std::vector<OffsetRange> ranges = {{{"events", 1}, 0, 100},
                                     {{"events", 0}, 10, 60},
                                     {{"events", 2}, 99, 100},
                                     {{"other", 0}, 0, 0}};
  auto batch = consumer_->fetch(ranges);
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  ASSERT_EQ(batch->partitions().size(), 4u);
  EXPECT_TRUE(batch->gaps().empty());
  EXPECT_TRUE(batch->data_loss_status().ok());
  EXPECT_EQ(batch->record_count(), 100u + 50u + 1u);

  const PartitionRecords& p1 = batch->partitions()[0];
  EXPECT_EQ(p1.tp(), (TopicPartition{"events", 1}));
  ASSERT_EQ(p1.size(), 100u);
  for (size_t i = 0; i < p1.size(); ++i) {
    Record r = p1[i];
    ASSERT_EQ(r.offset, static_cast<int64_t>(i));
    ASSERT_EQ(str(r.value), "p1-" + std::to_string(i));
    ASSERT_EQ(str(r.key), "k" + std::to_string(i));
    ASSERT_EQ(r.partition, 1);
    ASSERT_EQ(r.topic, "events");
    ASSERT_EQ(r.timestamp_ms, 1'700'000'001'000 + static_cast<int64_t>(i));
  }
  const PartitionRecords& p0 = batch->partitions()[1];
  ASSERT_EQ(p0.size(), 50u);
  EXPECT_EQ(p0[0].offset, 10);
  EXPECT_EQ(str(p0[0].value), "p0-10");
  EXPECT_EQ(p0[49].offset, 59);
  EXPECT_EQ(str(p0[49].value), "p0-59");
  const PartitionRecords& p2 = batch->partitions()[2];
  ASSERT_EQ(p2.size(), 1u);
  EXPECT_EQ(str(p2[0].value), "p2-99");
  EXPECT_TRUE(batch->partitions()[3].empty());

  // The next micro-batch on the same consumer continues where the last one ended.
  auto next = consumer_->fetch({{{"events", 0}, 60, 100}});
  ASSERT_TRUE(next.ok()) << next.status().to_string();
  ASSERT_EQ(next->partitions()[0].size(), 40u);
  EXPECT_EQ(str(next->partitions()[0][0].value), "p0-60");
  EXPECT_EQ(next->partitions()[0][39].offset, 99);
}

TEST_F(ConsumerTest, FetchRejectsMalformedRanges) {
  EXPECT_EQ(consumer_->fetch({{{"events", 0}, 5, 4}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(consumer_->fetch({{{"events", 0}, -1, 4}}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(consumer_->fetch({{{"events", 0}, 0, 4}, {{"events", 0}, 4, 8}}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(ConsumerTest, FetchPastTheHighWatermarkTimesOutNamingThePartition) {
  FetchOptions options;
  options.timeout = std::chrono::milliseconds(1500);
  auto batch = consumer_->fetch({{{"events", 2}, 90, 120}}, options);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.status().code(), StatusCode::kTimeout);
  EXPECT_NE(batch.status().message().find("topic events partition 2 at offset 100 of [90, 120)"),
            std::string::npos)
      << batch.status().message();
}

TEST_F(ConsumerTest, OffsetsLostToRetentionAreReportedAsDataLoss) {
  auto low = cluster_->expire_partition("events", 1);
  ASSERT_TRUE(low.ok()) << low.status().to_string();
  ASSERT_GE(*low, 100);
  auto marks = consumer_->watermarks({{"events", 1}});
  ASSERT_TRUE(marks.ok());
  ASSERT_EQ((*marks)[0].low, *low);
  const int64_t high = (*marks)[0].high;

  // A batch planned before the loss: [20, high) on partition 1, plus an intact partition.
  auto batch = consumer_->fetch({{{"events", 1}, 20, high}, {{"events", 0}, 0, 100}});
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  ASSERT_EQ(batch->gaps().size(), 1u);
  const OffsetGap& gap = batch->gaps()[0];
  EXPECT_EQ(gap.kind, OffsetGap::Kind::kRetention);
  EXPECT_EQ(gap.tp, (TopicPartition{"events", 1}));
  EXPECT_EQ(gap.from, 20);
  EXPECT_EQ(gap.to, *low);
  EXPECT_EQ(batch->lost_record_count(), *low - 20);
  // What survived is still delivered, from the new log start: the filler records (null values).
  const PartitionRecords& p1 = batch->partitions()[0];
  ASSERT_EQ(static_cast<int64_t>(p1.size()), high - *low);
  EXPECT_EQ(p1[0].offset, *low);
  EXPECT_TRUE(p1[0].value_is_null);
  EXPECT_EQ(batch->partitions()[1].size(), 100u);

  Status loss = batch->data_loss_status();
  EXPECT_EQ(loss.code(), StatusCode::kDataLoss);
  EXPECT_NE(
      loss.message().find("topic events partition 1 offsets [20, " + std::to_string(*low) + ")"),
      std::string::npos)
      << loss.message();

  // A range entirely below the log start: all of it is reported lost, nothing is waited for.
  auto gone = consumer_->fetch({{{"events", 1}, 0, 50}});
  ASSERT_TRUE(gone.ok()) << gone.status().to_string();
  EXPECT_EQ(gone->record_count(), 0u);
  ASSERT_EQ(gone->gaps().size(), 1u);
  EXPECT_EQ(gone->gaps()[0].from, 0);
  EXPECT_EQ(gone->gaps()[0].to, 50);
}

TEST_F(ConsumerTest, UnknownTopicIsNotFound) {
  FetchOptions options;
  options.timeout = std::chrono::milliseconds(3000);
  auto batch = consumer_->fetch({{{"no-such-topic", 0}, 0, 10}}, options);
  ASSERT_FALSE(batch.ok());
  // A real broker answers UNKNOWN_TOPIC_OR_PART (kNotFound); librdkafka's mock auto-creates the
  // topic on the metadata request, so there the empty range times out.
  EXPECT_TRUE(batch.status().code() == StatusCode::kNotFound ||
              batch.status().code() == StatusCode::kTimeout)
      << batch.status().to_string();
}

TEST_F(ConsumerTest, StopRequestCancelsFetch) {
  std::stop_source stop;
  stop.request_stop();
  FetchOptions options;
  options.stop = stop.get_token();
  auto batch = consumer_->fetch({{{"events", 0}, 0, 1000}}, options);
  EXPECT_EQ(batch.status().code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace lakestream::kafka

namespace lakestream::kafka {
namespace {

TEST_F(ConsumerTest, FetchRidesOutInjectedFetchErrors) {
  ASSERT_TRUE(cluster_
                  ->push_request_errors(1 /* Fetch */, {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                                        RD_KAFKA_RESP_ERR__TRANSPORT,
                                                        RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT})
                  .ok());
  FetchOptions options;
  options.timeout = std::chrono::seconds(60);
  auto batch = consumer_->fetch(
      {{{"events", 0}, 0, 100}, {{"events", 1}, 0, 100}, {{"events", 2}, 0, 100}}, options);
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  EXPECT_TRUE(batch->gaps().empty());
  for (const auto& part : batch->partitions()) {
    ASSERT_EQ(part.size(), 100u) << "partition " << part.tp().partition;
    for (size_t i = 0; i < part.size(); ++i) ASSERT_EQ(part[i].offset, static_cast<int64_t>(i));
  }
}

TEST_F(ConsumerTest, FetchResumesAfterEveryBrokerWasDown) {
  ASSERT_TRUE(cluster_->set_broker_down(-1).ok());
  std::jthread revive([this] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    EXPECT_TRUE(cluster_->set_broker_up(-1).ok());
  });
  FetchOptions options;
  options.timeout = std::chrono::seconds(90);
  auto batch = consumer_->fetch({{{"events", 2}, 0, 100}, {{"events", 0}, 50, 100}}, options);
  ASSERT_TRUE(batch.ok()) << batch.status().to_string();
  ASSERT_EQ(batch->partitions()[0].size(), 100u);
  ASSERT_EQ(batch->partitions()[1].size(), 50u);
  EXPECT_EQ(str(batch->partitions()[1][0].value), "p0-50");
  EXPECT_TRUE(batch->gaps().empty());
}

}  // namespace
}  // namespace lakestream::kafka

namespace lakestream::kafka {
namespace {

// ListOffsets answered by a former leader (librdkafka 2.0 reports it instead of retrying): the
// watermark query tries again until its timeout, as after a leader change.
TEST_F(ConsumerTest, WatermarksRideOutListOffsetsErrorsAfterALeaderChange) {
  ASSERT_TRUE(cluster_->set_partition_leader("events", 0, 2).ok());
  ASSERT_TRUE(
      cluster_
          ->push_request_errors(2 /* ListOffsets */, {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                                      RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                                      RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE})
          .ok());
  auto marks = consumer_->watermarks({{"events", 0}, {"events", 1}});
  ASSERT_TRUE(marks.ok()) << marks.status().to_string();
  ASSERT_EQ(marks->size(), 2u);
  EXPECT_EQ((*marks)[0].low, 0);
  EXPECT_EQ((*marks)[0].high, 100);
  EXPECT_EQ((*marks)[1].high, 100);
}

}  // namespace
}  // namespace lakestream::kafka
