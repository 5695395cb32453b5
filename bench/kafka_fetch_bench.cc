// Kafka fetch benchmark: kafka::Consumer::fetch() of every partition's full range, next to
// `kcat -C` consuming the same topic to /dev/null from the same (in-process mock) broker in the
// same run: kcat is the anchor (issue 7: the broker's ceiling). Rounds alternate; medians and
// the ratio are printed.
//
// usage: kafka_fetch_bench [RECORDS=2000000] [PARTITIONS=100] [VALUE_BYTES=100] [ROUNDS=3]
// The mock keeps ~5 MiB per partition: RECORDS * VALUE_BYTES / PARTITIONS must stay below it.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "kafka/config.h"
#include "kafka/consumer.h"
#include "kafka/errors.h"
#include "kafka/mock_cluster.h"

using namespace lakestream;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int die(const Status& s) {
  std::fprintf(stderr, "kafka_fetch_bench: %s\n", s.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t records = argc > 1 ? std::atoll(argv[1]) : 2'000'000;
  const int partitions = argc > 2 ? std::atoi(argv[2]) : 100;
  const int value_bytes = argc > 3 ? std::atoi(argv[3]) : 100;
  const int rounds = argc > 4 ? std::atoi(argv[4]) : 3;
  if (records * value_bytes / partitions > 4 * 1024 * 1024) {
    std::fprintf(stderr, "too much data per partition for the mock's ~5 MiB retention\n");
    return 2;
  }
  auto cluster = kafka::MockCluster::start(1);
  if (!cluster.ok()) return die(cluster.status());
  const std::string bootstrap = (*cluster)->bootstrap_servers();
  if (Status s = (*cluster)->create_topic({"bench", partitions, 1}); !s.ok()) return die(s);

  // Fill: random bytes (seed 42), keyless, round-robin over partitions, lz4 like our producer.
  kafka::KafkaConfig pconf;
  pconf.set("bootstrap.servers", bootstrap)
      .set("linger.ms", "20")
      .set("batch.size", "1048576")
      .set("compression.type", "lz4")
      .set("queue.buffering.max.messages", "1000000");
  auto producer = kafka::create_handle(RD_KAFKA_PRODUCER, pconf);
  if (!producer.ok()) return die(producer.status());
  std::mt19937_64 rng(42);
  std::string value(static_cast<size_t>(value_bytes), '\0');
  auto t_fill = Clock::now();
  for (int64_t i = 0; i < records; ++i) {
    for (auto& c : value) c = static_cast<char>('a' + rng() % 26);
    for (;;) {
      rd_kafka_resp_err_t err =
          rd_kafka_producev(producer->get(), RD_KAFKA_V_TOPIC("bench"),
                            RD_KAFKA_V_PARTITION(static_cast<int32_t>(i % partitions)),
                            RD_KAFKA_V_VALUE(value.data(), value.size()),
                            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(producer->get(), 10);
        continue;
      }
      if (err) return die(kafka::kafka_status(err, "produce"));
      break;
    }
  }
  if (rd_kafka_flush(producer->get(), 600000)) return die(internal_error("flush timed out"));
  producer->reset();
  std::printf("filled %lld records x %d bytes into %d partitions in %.1f s (seed 42)\n",
              static_cast<long long>(records), value_bytes, partitions, seconds_since(t_fill));

  kafka::ConsumerOptions options;
  options.config.set("bootstrap.servers", bootstrap);
  auto consumer = kafka::Consumer::open(options);
  if (!consumer.ok()) return die(consumer.status());
  auto parts = (*consumer)->partitions({"bench"});
  if (!parts.ok()) return die(parts.status());
  auto marks = (*consumer)->watermarks(*parts);
  if (!marks.ok()) return die(marks.status());
  std::vector<kafka::OffsetRange> ranges;
  int64_t total = 0;
  for (const auto& m : *marks) {
    ranges.push_back({m.tp, m.low, m.high});
    total += m.high - m.low;
  }
  if (total != records) {
    return die(internal_error(fmt::format("topic holds {} records, expected {}", total, records)));
  }

  const std::string kcat =
      fmt::format("kcat -C -b {} -t bench -o beginning -e -q >/dev/null 2>&1", bootstrap);
  std::vector<double> ours_s, kcat_s;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = Clock::now();
    auto batch = (*consumer)->fetch(ranges);
    double s = seconds_since(t0);
    if (!batch.ok()) return die(batch.status());
    if (static_cast<int64_t>(batch->record_count()) != records || !batch->gaps().empty()) {
      return die(internal_error(
          fmt::format("fetched {} records, {} gaps", batch->record_count(), batch->gaps().size())));
    }
    size_t bytes = batch->payload_bytes();
    batch = kafka::FetchedBatch();  // release before timing kcat
    ours_s.push_back(s);
    t0 = Clock::now();
    if (std::system(kcat.c_str()) != 0) return die(internal_error("kcat failed"));
    kcat_s.push_back(seconds_since(t0));
    std::printf(
        "round %d: Consumer::fetch %.3f s (%.0f rec/s, %.1f MB/s)  kcat -C %.3f s (%.0f rec/s)\n",
        r + 1, ours_s.back(), records / ours_s.back(), bytes / ours_s.back() / 1e6, kcat_s.back(),
        records / kcat_s.back());
  }
  double ours = median(ours_s), anchor = median(kcat_s);
  std::printf("median: Consumer::fetch %.0f rec/s, kcat -C %.0f rec/s, ratio %.2fx kcat\n",
              records / ours, records / anchor, anchor / ours);
  return 0;
}
