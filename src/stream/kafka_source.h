// A RecordSource reading exact offset ranges from Kafka, through kafka::Consumer's range fetch.
//
// One kafka::Consumer (no consumer group: offsets live in the checkpoint, not in Kafka) serves
// every fetch. When the engine announces a micro-batch's tasks with prepare(), a fetcher thread
// reads them ahead in "waves" (consecutive tasks, at most one range per partition, about
// `wave_records` records): one Consumer::fetch() per wave fetches all its partitions at once with
// large fetch sizes, and the records stay in librdkafka's buffers (no copy). fetch() of a task
// then waits for its wave and hands the records to the sink straight from those buffers, and
// frees them. The fetcher keeps at most two waves ahead of the tasks, so memory is bounded by
// about 2 x wave_records records whatever the batch size. A fetch() of a range that was not
// prepared is served directly (one Consumer::fetch() of that range, serialised with the fetcher).
//
// Records lost to retention are skipped (the planner reports data loss from the watermarks).
// Thread-safety: fetch() may run concurrently for different ranges; the other methods from one
// thread (the engine's), not concurrently with each other.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "kafka/config.h"
#include "kafka/consumer.h"
#include "stream/source.h"

namespace lakestream::stream {

struct KafkaSourceOptions {
  // Records per wave fetched ahead of the tasks (two waves may be held at once). Small waves
  // start decoding sooner; each wave costs one assign + fetch round trip (tens of ms). 100k was
  // the best of 20k/100k/250k/1M on 1M taxi rows over 100 partitions
  // (bench/RESULTS-stream-perf.md).
  int64_t wave_records = 100000;
  // A wave's Consumer::fetch() fails with kTimeout after this long without completing.
  std::chrono::milliseconds fetch_timeout{120000};
};

class KafkaSource final : public RecordSource {
 public:
  // `config` holds bootstrap.servers and any kafka.* passthrough options (they win over the
  // consumer's defaults). Does no network I/O.
  static Result<std::unique_ptr<KafkaSource>> open(const kafka::KafkaConfig& config,
                                                   KafkaSourceOptions options = {});
  ~KafkaSource() override;

  Result<std::vector<TopicPartition>> partitions(const std::vector<std::string>& topics) override;
  Result<std::vector<TopicPartition>> partitions_matching(const std::string& pattern) override;
  Result<std::vector<PartitionWatermarks>> watermarks(
      const std::vector<TopicPartition>& partitions) override;
  Status prepare(const std::vector<OffsetRange>& ranges) override;
  Status fetch(const OffsetRange& range,
               const std::function<Status(const SourceRecord&)>& sink) override;

 private:
  using RangeKey = std::tuple<std::string, int32_t, int64_t, int64_t>;
  struct Slot {
    size_t wave = 0;
    bool ready = false;
    std::optional<kafka::PartitionRecords> records;
  };

  KafkaSource(std::unique_ptr<kafka::Consumer> consumer, KafkaSourceOptions options);
  void stop_fetcher();
  void run_fetcher(std::stop_token stop, std::vector<std::vector<OffsetRange>> waves);
  static RangeKey key_of(const OffsetRange& r) {
    return {r.tp.topic, r.tp.partition, r.start, r.end};
  }

  KafkaSourceOptions options_;
  std::mutex consumer_mu_;  // kafka::Consumer is used by one thread at a time
  std::unique_ptr<kafka::Consumer> consumer_;

  std::mutex mu_;  // guards everything below
  std::condition_variable_any cv_;
  std::map<RangeKey, Slot> slots_;    // the prepared batch's ranges
  std::vector<size_t> wave_pending_;  // per wave: ranges not yet handed out
  size_t waves_outstanding_ = 0;      // waves fetched and not fully handed out (at most 2)
  Status fetch_error_;                // the fetcher's first error, given to every waiter
  std::jthread fetcher_;
};

}  // namespace lakestream::stream
