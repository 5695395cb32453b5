// Test helpers: an in-process mock cluster and a tiny producer to fill it.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>

#include "kafka/config.h"
#include "kafka/handles.h"
#include "kafka/mock_cluster.h"

namespace lakestream::kafka::testing {

// Produces `count` records "<prefix><i>" (keys "k<i>") to one partition, timestamps
// base_ts + i when base_ts >= 0, and waits for every delivery.
inline void produce(const std::string& bootstrap, const std::string& topic, int32_t partition,
                    int count, const std::string& prefix, int64_t base_ts = -1) {
  KafkaConfig config;
  config.set("bootstrap.servers", bootstrap).set("linger.ms", "5");
  auto rk = create_handle(RD_KAFKA_PRODUCER, config);
  ASSERT_TRUE(rk.ok()) << rk.status().to_string();
  for (int i = 0; i < count; ++i) {
    std::string value = prefix + std::to_string(i);
    std::string key = "k" + std::to_string(i);
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk->get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_TIMESTAMP(base_ts >= 0 ? base_ts + i : 0),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
    rd_kafka_poll(rk->get(), 0);
  }
  ASSERT_EQ(rd_kafka_flush(rk->get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
}

inline std::unique_ptr<MockCluster> start_cluster(int brokers) {
  auto cluster = MockCluster::start(brokers);
  EXPECT_TRUE(cluster.ok()) << cluster.status().to_string();
  return cluster.ok() ? std::move(cluster).value() : nullptr;
}

}  // namespace lakestream::kafka::testing
