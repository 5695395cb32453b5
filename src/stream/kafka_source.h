// A RecordSource reading exact offset ranges from Kafka through librdkafka.
//
// One consumer handle (no consumer group: offsets live in the checkpoint, not in Kafka) is shared
// by every fetch. A fetch adds its partition to the assignment at the range's start, reads the
// partition's own queue (so concurrent fetches of different partitions do not see each other's
// records) until the range's end, and removes the partition again. Records lost to retention
// are skipped (auto.offset.reset=earliest moves the fetch to the log start).
//
// Interim implementation owned by stream/ until the kafka module's consumer API lands.
// Thread-safety: fetch() may run concurrently for different partitions.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>

#include "kafka/config.h"
#include "kafka/handles.h"
#include "stream/source.h"

namespace lakestream::stream {

class KafkaSource final : public RecordSource {
 public:
  // `config` holds bootstrap.servers and any kafka.* passthrough options.
  static Result<std::unique_ptr<KafkaSource>> open(const kafka::KafkaConfig& config);

  Result<std::vector<TopicPartition>> partitions(const std::vector<std::string>& topics) override;
  Result<std::vector<TopicPartition>> partitions_matching(const std::string& pattern) override;
  Result<std::vector<PartitionWatermarks>> watermarks(
      const std::vector<TopicPartition>& partitions) override;
  Status fetch(const OffsetRange& range,
               const std::function<Status(const SourceRecord&)>& sink) override;

 private:
  explicit KafkaSource(kafka::KafkaPtr rk) : rk_(std::move(rk)) {}
  Status change_assignment(const TopicPartition& tp, int64_t offset, bool add);

  kafka::KafkaPtr rk_;
  std::mutex assign_mu_;
  std::chrono::milliseconds timeout_{30000};
};

}  // namespace lakestream::stream
