// An in-process Kafka-protocol cluster for development and tests: librdkafka's mock cluster.
//
// MockCluster starts N mock brokers (ids 1..N) listening on 127.0.0.1 at random free ports, each
// served by librdkafka's mock I/O thread. Any Kafka client (lakestream, kcat, librdkafka apps)
// can produce, consume (plain and in consumer groups, with offset commits) and read metadata.
//
// Limits of librdkafka 2.0.2's mock, which callers must plan for:
//  - Retention: each partition keeps at most ~5 MiB (and 100000 message sets); older records
//    are dropped as new ones arrive and the log start offset moves forward. Size test data to
//    stay under 5 MiB per partition, or use that to provoke offset loss (expire_partition()).
//  - Admin API: CreateTopics, DeleteRecords and DescribeConfigs are not implemented; topics are
//    created here (create_topic()), and a Metadata request for an unknown topic auto-creates it
//    with 4 partitions.
//  - ListOffsets by timestamp is not implemented: every timestamp answers "no offset", so
//    offsets_for_times() returns the high watermark.
//  - OffsetCommit does not check that the committing member owns the partition.
//  - Listeners are on 127.0.0.1 only, and everything is in memory (gone when the process ends).
//
// Fault controls (issue 10) map to the mock's own API: broker down/up, round-trip time,
// partition leader moves, injected protocol errors per API.
//
// Thread-safety: the control methods may be called from any one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "kafka/handles.h"

struct rd_kafka_mock_cluster_s;  // librdkafka/rdkafka_mock.h

namespace lakestream::kafka {

// librdkafka hard-codes the mock's per-partition retention (rdkafka_mock.c).
inline constexpr int64_t kMockRetentionBytesPerPartition = 5 * 1024 * 1024;

struct MockTopicSpec {
  std::string name;
  int partitions = 1;
  int replication = 1;  // capped at the broker count
};

// Parses "NAME:PARTITIONS" (as given to `lakestream broker --topic`); replication defaults to
// min(3, brokers) later. kInvalidArgument on a bad spec.
Result<MockTopicSpec> parse_topic_spec(std::string_view spec);

// Kafka protocol API key by name ("Produce", "Fetch", "Metadata", "OffsetCommit", ...) or by
// number. Returns -1 when unknown.
int16_t api_key_from_name(std::string_view name);

class MockCluster {
 public:
  // Starts `brokers` (>= 1) mock brokers.
  static Result<std::unique_ptr<MockCluster>> start(int brokers);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "127.0.0.1:PORT,127.0.0.1:PORT,...": the bootstrap.servers for clients.
  const std::string& bootstrap_servers() const { return bootstrap_; }
  int broker_count() const { return brokers_; }

  // Creates a topic; replication is capped at the broker count. kAlreadyExists is never
  // returned: the mock treats a second create as a no-op.
  Status create_topic(const MockTopicSpec& spec);

  // broker_id -1 means every broker.
  Status set_broker_down(int32_t broker_id);
  Status set_broker_up(int32_t broker_id);
  Status set_broker_rtt(int32_t broker_id, int rtt_ms);
  // broker_id -1 leaves the partition without a leader.
  Status set_partition_leader(std::string_view topic, int32_t partition, int32_t broker_id);
  // The next `errors.size()` requests of `api_key` fail with these errors, in order
  // (RD_KAFKA_RESP_ERR__TRANSPORT disconnects the client instead).
  Status push_request_errors(int16_t api_key, const std::vector<rd_kafka_resp_err_t>& errors);
  void clear_request_errors(int16_t api_key);
  // Every Metadata answer for `topic` carries `err` (NO_ERROR clears it).
  void set_topic_error(std::string_view topic, rd_kafka_resp_err_t err);
  // Makes `broker_id` the coordinator of consumer group `group`.
  Status set_group_coordinator(std::string_view group, int32_t broker_id);

  // Provokes retention loss: appends filler records (null value, 64 KiB key
  // "lakestream-expire-filler...") to the partition until the mock's 5 MiB retention has
  // dropped every record that existed before the call. Returns the new log start offset.
  // Consumers see the filler records as records with a null value.
  Result<int64_t> expire_partition(std::string_view topic, int32_t partition);

 private:
  MockCluster(KafkaPtr owner, rd_kafka_mock_cluster_s* cluster, int brokers);

  KafkaPtr owner_;  // the rd_kafka_t the mock cluster is attached to; outlives it
  rd_kafka_mock_cluster_s* cluster_;
  int brokers_;
  std::string bootstrap_;
  KafkaPtr filler_producer_;  // created on first expire_partition()
};

}  // namespace lakestream::kafka
