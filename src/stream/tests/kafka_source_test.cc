// KafkaSource against the in-process mock cluster: listing by name and pattern, watermarks,
// read-ahead of a prepared batch in several waves with concurrent fetches, an unprepared fetch,
// and a prepared batch abandoned half-way (the next prepare() and the destructor must not hang).
#include "stream/kafka_source.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <thread>

#include "kafka/tests/test_cluster.h"

namespace lakestream::stream {
namespace {

constexpr int kPerPartition = 500;

class KafkaSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = kafka::testing::start_cluster(1);
    ASSERT_NE(cluster_, nullptr);
    for (auto [topic, parts] : {std::pair{"rides-a", 3}, {"rides-b", 2}, {"other", 1}}) {
      ASSERT_TRUE(cluster_->create_topic({topic, parts, 1}).ok());
      for (int p = 0; p < parts; ++p) {
        kafka::testing::produce(cluster_->bootstrap_servers(), topic, p, kPerPartition,
                                std::string(topic) + "/" + std::to_string(p) + "/");
      }
    }
    kafka::KafkaConfig c;
    c.set("bootstrap.servers", cluster_->bootstrap_servers());
    KafkaSourceOptions o;
    o.wave_records = 300;  // several waves per batch
    auto s = KafkaSource::open(c, o);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    source_ = std::move(*s);
  }

  // Fetches `ranges` on two threads in order (as the engine does); values by (tp, offset).
  std::map<std::pair<TopicPartition, int64_t>, std::string> fetch_all(
      const std::vector<OffsetRange>& ranges) {
    std::map<std::pair<TopicPartition, int64_t>, std::string> got;
    std::mutex mu;
    std::atomic<size_t> next{0};
    {
      std::vector<std::jthread> pool;
      for (int t = 0; t < 2; ++t) {
        pool.emplace_back([&] {
          for (size_t i = next++; i < ranges.size(); i = next++) {
            Status s = source_->fetch(ranges[i], [&](const SourceRecord& r) -> Status {
              std::lock_guard lock(mu);
              bool fresh = got.emplace(std::pair{ranges[i].tp, r.offset},
                                       std::string(reinterpret_cast<const char*>(r.value.data()),
                                                   r.value.size()))
                               .second;
              EXPECT_TRUE(fresh) << to_string(ranges[i].tp) << " offset " << r.offset;
              return Status();
            });
            EXPECT_TRUE(s.ok()) << s.to_string();
          }
        });
      }
    }
    return got;
  }

  std::unique_ptr<kafka::MockCluster> cluster_;
  std::unique_ptr<KafkaSource> source_;
};

TEST_F(KafkaSourceTest, ListsByNameAndPatternWithWatermarks) {
  auto a = source_->partitions({"rides-a"});
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(*a, (std::vector<TopicPartition>{{"rides-a", 0}, {"rides-a", 1}, {"rides-a", 2}}));
  auto m = source_->partitions_matching("rides-.*");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->size(), 5u);
  EXPECT_EQ(m->back(), (TopicPartition{"rides-b", 1}));
  auto none = source_->partitions_matching("nope.*");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(source_->partitions_matching("(").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source_->partitions({"missing"}).status().code(), StatusCode::kNotFound);
  auto marks = source_->watermarks(*m);
  ASSERT_TRUE(marks.ok()) << marks.status().to_string();
  for (const auto& w : *marks) {
    EXPECT_EQ(w.low, 0) << to_string(w.tp);
    EXPECT_EQ(w.high, kPerPartition) << to_string(w.tp);
  }
}

TEST_F(KafkaSourceTest, PreparedBatchIsReadAheadInWavesExactlyOnce) {
  auto parts = source_->partitions_matching("rides-.*");
  ASSERT_TRUE(parts.ok());
  // Each partition split in two tasks, as minPartitions does: 10 tasks, 2500 records.
  std::vector<OffsetRange> tasks;
  for (const auto& tp : *parts) {
    tasks.push_back({tp, 0, 200});
    tasks.push_back({tp, 200, kPerPartition});
  }
  ASSERT_TRUE(source_->prepare(tasks).ok());
  auto got = fetch_all(tasks);
  ASSERT_EQ(got.size(), 5u * kPerPartition);
  for (const auto& [key, value] : got) {
    EXPECT_EQ(value, key.first.topic + "/" + std::to_string(key.first.partition) + "/" +
                         std::to_string(key.second));
  }
  // A second batch on the same source, starting mid-log.
  std::vector<OffsetRange> more = {{{"rides-a", 1}, 450, 500}, {{"other", 0}, 0, 10}};
  ASSERT_TRUE(source_->prepare(more).ok());
  auto got2 = fetch_all(more);
  EXPECT_EQ(got2.size(), 60u);
  EXPECT_EQ(got2.begin()->second, "other/0/0");
}

TEST_F(KafkaSourceTest, UnpreparedRangeIsFetchedDirectly) {
  std::vector<int64_t> offsets;
  Status s = source_->fetch({{"rides-b", 1}, 100, 110}, [&](const SourceRecord& r) -> Status {
    offsets.push_back(r.offset);
    EXPECT_FALSE(r.key_null);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(r.key.data()), r.key.size()),
              "k" + std::to_string(r.offset));
    return Status();
  });
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_EQ(offsets.size(), 10u);
  EXPECT_EQ(offsets.front(), 100);
  EXPECT_EQ(offsets.back(), 109);
}

TEST_F(KafkaSourceTest, AbandonedBatchDoesNotBlockTheNextOne) {
  std::vector<OffsetRange> tasks;
  for (int p = 0; p < 3; ++p) tasks.push_back({{"rides-a", p}, 0, kPerPartition});
  ASSERT_TRUE(source_->prepare(tasks).ok());
  // Only the first task runs (the others were skipped after a failure), then the next batch.
  auto first = fetch_all({tasks[0]});
  EXPECT_EQ(first.size(), static_cast<size_t>(kPerPartition));
  ASSERT_TRUE(source_->prepare(tasks).ok());
  auto all = fetch_all(tasks);
  EXPECT_EQ(all.size(), 3u * kPerPartition);
  // Prepared and never fetched: the destructor stops the fetcher.
  ASSERT_TRUE(source_->prepare(tasks).ok());
  source_.reset();
}

}  // namespace
}  // namespace lakestream::stream
