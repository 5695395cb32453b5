#include "kafka/producer.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <atomic>
#include <map>
#include <set>
#include <string>

namespace lakestream::kafka {
namespace {

// An in-process mock cluster (librdkafka's) with one topic.
class MockCluster {
 public:
  MockCluster(const char* topic, int partitions) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    mc_ = rd_kafka_mock_cluster_new(rk_, 1);
    rd_kafka_mock_topic_create(mc_, topic, partitions, 1);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(rk_);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mc_); }

 private:
  rd_kafka_t* rk_;
  rd_kafka_mock_cluster_t* mc_;
};

// Every message of `topic` as (partition -> values in offset order), read with a plain consumer.
std::map<int, std::vector<std::string>> consume_all(const std::string& bootstrap,
                                                    const std::string& topic, int partitions,
                                                    size_t expected) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
  rd_kafka_conf_set(conf, "group.id", "producer-test", err, sizeof(err));
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof(err));
  rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err));
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_assign(c, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  std::map<int, std::vector<std::string>> out;
  size_t got = 0;
  for (int idle = 0; got < expected && idle < 100;) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 100);
    if (m == nullptr) {
      ++idle;
      continue;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out[m->partition].emplace_back(static_cast<const char*>(m->payload), m->len);
      ++got;
      idle = 0;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return out;
}

TEST(Producer, DeliversEveryMessageExactlyOnceWithKeysToPartitions) {
  MockCluster mc("t", 4);
  ProducerOptions o;
  o.bootstrap = mc.bootstraps();
  o.topic = "t";
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*(*p)->partition_count(std::chrono::seconds(10)), 4);

  const int n = 20000;
  std::vector<std::string> values, keys;
  for (int i = 0; i < n; ++i) {
    values.push_back("value-" + std::to_string(i));
    keys.push_back("k" + std::to_string(i % 37));
  }
  std::vector<OutMessage> batch;
  for (int i = 0; i < n; ++i) {
    batch.push_back({{reinterpret_cast<const uint8_t*>(values[i].data()), values[i].size()},
                     {reinterpret_cast<const uint8_t*>(keys[i].data()), keys[i].size()}});
    if (batch.size() == 1000) {
      ASSERT_TRUE((*p)->send_batch(batch).ok());
      batch.clear();
    }
  }
  ASSERT_TRUE((*p)->flush(std::chrono::seconds(30)).ok());
  ProducerStats s = (*p)->stats();
  EXPECT_EQ(s.enqueued, static_cast<uint64_t>(n));
  EXPECT_EQ(s.delivered, static_cast<uint64_t>(n));
  EXPECT_EQ(s.failed, 0u);
  EXPECT_TRUE(s.first_error.empty());

  auto got = consume_all(o.bootstrap, "t", 4, n);
  std::set<std::string> seen;
  size_t total = 0;
  for (auto& [part, vals] : got) {
    total += vals.size();
    // Per partition, messages keep the order they were sent in.
    int last = -1;
    for (const auto& v : vals) {
      int i = std::stoi(v.substr(6));
      EXPECT_GT(i, last);
      last = i;
      seen.insert(v);
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(n));
  EXPECT_EQ(seen.size(), static_cast<size_t>(n));
  EXPECT_EQ(got.size(), 4u);  // 37 keys spread over all partitions
}

TEST(Producer, ExplicitPartitions) {
  MockCluster mc("e", 3);
  ProducerOptions o{mc.bootstraps(), "e", {{"compression.type", "zstd"}}};
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok());
  std::string v = "x";
  std::vector<OutMessage> batch;
  for (int i = 0; i < 30; ++i) {
    batch.push_back({{reinterpret_cast<const uint8_t*>(v.data()), 1}, {}, i % 3 == 0 ? 2 : 1});
  }
  ASSERT_TRUE((*p)->send_batch(batch).ok());
  ASSERT_TRUE((*p)->flush(std::chrono::seconds(30)).ok());
  auto got = consume_all(o.bootstrap, "e", 3, 30);
  EXPECT_EQ(got[2].size(), 10u);
  EXPECT_EQ(got[1].size(), 20u);
  EXPECT_EQ(got.count(0), 0u);
}

TEST(Producer, OnePartitionBatchLandsThereInOrder) {
  MockCluster mc("one", 3);
  ProducerOptions o{mc.bootstraps(), "one", {}};
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok());
  std::vector<std::string> values;
  for (int i = 0; i < 40; ++i) values.push_back("v" + std::to_string(i));
  std::vector<OutMessage> batch;
  for (const auto& v : values) {
    batch.push_back({{reinterpret_cast<const uint8_t*>(v.data()), v.size()}, {}, 2});
  }
  ASSERT_TRUE((*p)->send_batch(batch).ok());
  ASSERT_TRUE((*p)->flush(std::chrono::seconds(30)).ok());
  EXPECT_EQ((*p)->stats().delivered, 40u);
  auto got = consume_all(o.bootstrap, "one", 3, 40);
  EXPECT_EQ(got[2], values);
  EXPECT_EQ(got.count(0) + got.count(1), 0u);
}

TEST(Producer, SeveralClientsShareThePartitionsAndKeepTheirOrder) {
  MockCluster mc("m", 5);
  ProducerOptions o{mc.bootstraps(), "m", {}};
  o.clients = 2;
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_NE((*p)->describe().find("x2 clients"), std::string::npos);
  // Mixed batches (every partition, so both clients) and one-partition batches, interleaved.
  const int n = 6000;
  std::vector<std::string> values;
  for (int i = 0; i < n; ++i) values.push_back(std::to_string(i));
  std::vector<OutMessage> batch;
  for (int i = 0; i < n; ++i) {
    const int32_t part = (i / 1000) % 2 == 0 ? i % 5 : (i / 1000) % 5;
    batch.push_back(
        {{reinterpret_cast<const uint8_t*>(values[i].data()), values[i].size()}, {}, part});
    if (batch.size() == 250) {
      ASSERT_TRUE((*p)->send_batch(batch).ok());
      batch.clear();
    }
  }
  ASSERT_TRUE((*p)->flush(std::chrono::seconds(30)).ok());
  ProducerStats s = (*p)->stats();
  EXPECT_EQ(s.enqueued, static_cast<uint64_t>(n));
  EXPECT_EQ(s.delivered, static_cast<uint64_t>(n));
  EXPECT_EQ(s.failed, 0u);
  auto got = consume_all(o.bootstrap, "m", 5, n);
  size_t total = 0;
  for (int part = 0; part < 5; ++part) {
    std::vector<std::string> expected;
    for (int i = 0; i < n; ++i) {
      const int32_t want = (i / 1000) % 2 == 0 ? i % 5 : (i / 1000) % 5;
      if (want == part) expected.push_back(values[i]);
    }
    EXPECT_EQ(got[part], expected) << "partition " << part;  // all there, once, in send order
    total += got[part].size();
  }
  EXPECT_EQ(total, static_cast<size_t>(n));
}

TEST(Producer, DrainWithSeveralClientsFailsEveryUnsentMessage) {
  ProducerOptions o{"127.0.0.1:1", "t", {{"message.timeout.ms", "600000"}, {"log_level", "0"}}};
  o.clients = 3;
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok());
  std::string v = "x";
  std::vector<OutMessage> batch;
  for (int i = 0; i < 60; ++i)
    batch.push_back({{reinterpret_cast<const uint8_t*>(v.data()), 1}, {}, i % 7});
  ASSERT_TRUE((*p)->send_batch(batch).ok());
  Status st = (*p)->drain(std::chrono::milliseconds(200), std::chrono::milliseconds(200));
  EXPECT_EQ(st.code(), StatusCode::kTimeout) << st.to_string();
  ProducerStats s = (*p)->stats();
  EXPECT_EQ(s.enqueued, 60u);
  EXPECT_EQ(s.failed, 60u);
  EXPECT_EQ(s.in_doubt, 0u);
}

TEST(Producer, RejectsAClientCountOutOfRange) {
  ProducerOptions o{"127.0.0.1:1", "t", {}};
  o.clients = 0;
  auto p = Producer::create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
}

TEST(Producer, BorrowedValuesAreReleasedOnceEachAfterDelivery) {
  MockCluster mc("b", 3);
  std::map<uintptr_t, int> released;  // batch number -> messages released
  ProducerOptions o{mc.bootstraps(), "b", {}};
  o.clients = 2;
  o.borrow_values = true;
  o.on_release = [&](void* opaque) { ++released[reinterpret_cast<uintptr_t>(opaque)]; };
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok());
  // Each batch's values live in their own string until all of them are released; the expected
  // contents are kept apart to compare with what the broker got.
  std::vector<std::unique_ptr<std::string>> storage;
  std::vector<std::string> expected[3];
  for (uintptr_t b = 1; b <= 20; ++b) {
    auto buf = std::make_unique<std::string>();
    std::vector<std::pair<size_t, size_t>> spans;
    for (int i = 0; i < 100; ++i) {
      std::string v = "b" + std::to_string(b) + "-m" + std::to_string(i);
      spans.emplace_back(buf->size(), v.size());
      *buf += v;
      expected[b % 3].push_back(v);
    }
    std::vector<OutMessage> batch;
    for (const auto& [off, len] : spans) {
      batch.push_back({{reinterpret_cast<const uint8_t*>(buf->data()) + off, len},
                       {},
                       static_cast<int32_t>(b % 3),
                       reinterpret_cast<void*>(b)});
    }
    ASSERT_TRUE((*p)->send_batch(batch).ok());
    storage.push_back(std::move(buf));
  }
  ASSERT_TRUE((*p)->flush(std::chrono::seconds(30)).ok());
  ASSERT_EQ(released.size(), 20u);
  for (const auto& [b, n] : released) EXPECT_EQ(n, 100) << "batch " << b;
  // Now the values may go: overwrite them; the broker must hold the originals.
  for (auto& buf : storage) std::fill(buf->begin(), buf->end(), 'X');
  auto got = consume_all(o.bootstrap, "b", 3, 2000);
  for (int part = 0; part < 3; ++part) EXPECT_EQ(got[part], expected[part]) << "partition " << part;
}

TEST(Producer, DestroyingReleasesEveryBorrowedValue) {
  // Nothing listens: the messages stay queued; the destructor purges them and must still report
  // each one, so the caller can free what it lent.
  int released = 0;
  {
    ProducerOptions o{"127.0.0.1:1", "t", {{"message.timeout.ms", "600000"}, {"log_level", "0"}}};
    o.borrow_values = true;
    o.on_release = [&](void*) { ++released; };
    auto p = Producer::create(o);
    ASSERT_TRUE(p.ok());
    std::string v = "x";
    std::vector<OutMessage> batch(40, OutMessage{{reinterpret_cast<const uint8_t*>(v.data()), 1}});
    ASSERT_TRUE((*p)->send_batch(batch).ok());
    EXPECT_EQ(released, 0);
  }
  EXPECT_EQ(released, 40);
}

TEST(Producer, DrainGivesUpUnsentMessagesAsFailedNotInDoubt) {
  // Nothing listens: the messages never leave the local queue, so giving up on them is certain
  // to leave them unwritten (failed, not in doubt).
  ProducerOptions o{"127.0.0.1:1", "t", {{"message.timeout.ms", "600000"}, {"log_level", "0"}}};
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok());
  std::string v = "x";
  OutMessage one;
  one.value = {reinterpret_cast<const uint8_t*>(v.data()), 1};
  std::vector<OutMessage> batch(50, one);
  ASSERT_TRUE((*p)->send_batch(batch).ok());
  Status st = (*p)->drain(std::chrono::milliseconds(200), std::chrono::milliseconds(200));
  EXPECT_EQ(st.code(), StatusCode::kTimeout) << st.to_string();
  ProducerStats s = (*p)->stats();
  EXPECT_EQ(s.enqueued, 50u);
  EXPECT_EQ(s.failed, 50u);
  EXPECT_EQ(s.delivered, 0u);
  EXPECT_EQ(s.in_doubt, 0u);
}

TEST(Producer, SendBatchStopsWaitingForRoomWhenCancelled) {
  ProducerOptions o{"127.0.0.1:1",
                    "t",
                    {{"message.timeout.ms", "600000"},
                     {"queue.buffering.max.messages", "10"},
                     {"log_level", "0"}}};
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok());
  std::string v = "x";
  OutMessage one;
  one.value = {reinterpret_cast<const uint8_t*>(v.data()), 1};
  std::vector<OutMessage> batch(50, one);
  std::atomic<bool> cancel{true};
  Status st = (*p)->send_batch(batch, &cancel);
  EXPECT_EQ(st.code(), StatusCode::kCancelled) << st.to_string();
  EXPECT_EQ((*p)->stats().enqueued, 10u);  // the queue's room, and no more
}

TEST(Producer, CountsFailedDeliveries) {
  // Nothing listens on this port: every message times out and is counted as failed.
  ProducerOptions o{"127.0.0.1:1", "t", {{"message.timeout.ms", "300"}, {"log_level", "0"}}};
  auto p = Producer::create(o);
  ASSERT_TRUE(p.ok());
  std::string v = "x";
  OutMessage one;
  one.value = {reinterpret_cast<const uint8_t*>(v.data()), 1};
  std::vector<OutMessage> batch(50, one);
  ASSERT_TRUE((*p)->send_batch(batch).ok());
  (void)(*p)->flush(std::chrono::seconds(10));
  ProducerStats s = (*p)->stats();
  EXPECT_EQ(s.failed, 50u);
  EXPECT_EQ(s.delivered, 0u);
  EXPECT_FALSE(s.first_error.empty());
}

TEST(Producer, RejectsBadPropertyNamingIt) {
  ProducerOptions o{"localhost:9092", "t", {{"no.such.property", "1"}}};
  auto p = Producer::create(o);
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(p.status().message().find("no.such.property"), std::string::npos);
  ProducerOptions s{"localhost:9092", "t", {{"sasl.password", "hunter2-secret"}, {"x.y", "1"}}};
  auto q = Producer::create(s);
  EXPECT_EQ(q.status().message().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace lakestream::kafka
