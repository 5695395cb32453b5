// Broker-less stream benchmark (issue 7): MemorySource -> StreamEngine (decode + Parquet + upload
// + conditional commit) -> an in-memory object store, a local directory or S3. Reports rows/s of
// wall time and rows per CPU-second of the whole process (all threads: the issue's "rows/s/core"),
// per round, then the medians. The anchor is the issue's target: 2M rows/s/core.
//
// usage: stream_memory_bench [ROWS=2000000] [PARTITIONS=100] [THREADS=1] [ROUNDS=3] [OUTPUT=mem]
//   OUTPUT: "mem" (in-memory S3 double, nothing leaves the process), a local path, or an
//   s3://bucket/prefix URI (AWS_* environment as for the CLI). Each round writes under its own
//   prefix; local and S3 outputs are left in place (remove them after).
// Records: the rows of `lakestream generate --seed 1` (schemas/nyc_taxi.avsc, 17 fields), encoded
// as raw Avro as `lakestream produce` does, spread round-robin over the partitions. After each
// round the committed row count and the file count are checked against what was fed in; a mismatch
// exits non-zero.
#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "avro/decoder.h"
#include "avro/encoder.h"
#include "avro/schema.h"
#include "checkpoint/checkpoint_store.h"
#include "checkpoint/tests/memory_store.h"
#include "csv/row_parser.h"
#include "csv/taxi_generator.h"
#include "stream/engine.h"
#include "stream/memory_source.h"

using namespace lakestream;
using Clock = std::chrono::steady_clock;

namespace {

constexpr uint64_t kSeed = 1;  // as bench/stream_bench.sh

const char* kTaxiSchema = R"({"type":"record","name":"nyc_avro_test","fields":[
  {"name":"VendorID","type":"long"},{"name":"tpep_pickup_datetime","type":"string"},
  {"name":"tpep_dropoff_datetime","type":"string"},{"name":"passenger_count","type":"double"},
  {"name":"trip_distance","type":"double"},{"name":"RatecodeID","type":"double"},
  {"name":"store_and_fwd_flag","type":"string"},{"name":"PULocationID","type":"long"},
  {"name":"DOLocationID","type":"long"},{"name":"payment_type","type":"long"},
  {"name":"fare_amount","type":"double"},{"name":"extra","type":"double"},
  {"name":"mta_tax","type":"double"},{"name":"tip_amount","type":"double"},
  {"name":"tolls_amount","type":"double"},{"name":"improvement_surcharge","type":"double"},
  {"name":"total_amount","type":"double"}]})";

// Rows [0, rows) of `lakestream generate --seed 1` (the e2e benchmark's data), encoded as raw Avro
// with the taxi schema exactly as `lakestream produce` does (CSV -> columns -> Avro), and spread
// round-robin over the partitions.
lakestream::Status fill(stream::MemorySource& source, const avro::Schema& schema, int64_t rows,
                        int partitions, size_t* payload) {
  LS_ASSIGN_OR_RETURN(auto encoder, avro::Encoder::create(schema));
  csv::CsvOptions co;
  co.header = false;  // generated rows are in schema order
  LS_ASSIGN_OR_RETURN(auto parser, csv::RowParser::make(encoder.columnar_schema(), co));
  csv::TaxiGenerator gen({kSeed, 0.0});
  constexpr int64_t kChunk = 100000;
  columnar::RecordBatch batch(encoder.columnar_schema());
  for (int64_t first = 0; first < rows; first += kChunk) {
    int64_t n = std::min(kChunk, rows - first);
    Buffer text;
    csv::TaxiGeneratorStats st;
    gen.write_rows(static_cast<uint64_t>(first), static_cast<uint64_t>(n), &text, &st);
    batch.clear();
    size_t consumed = 0;
    uint64_t lines = 0;
    std::string_view sv(reinterpret_cast<const char*>(text.data()), text.size());
    LS_RETURN_IF_ERROR(parser.parse(sv, 1, true, &batch, &consumed, &lines));
    if (batch.num_rows() != static_cast<size_t>(n)) return internal_error("generator rows lost");
    Buffer avro;
    std::vector<uint32_t> ends;
    LS_RETURN_IF_ERROR(encoder.encode_batch(batch, avro, ends));
    uint32_t begin = 0;
    for (int64_t i = 0; i < n; ++i) {
      std::string v(reinterpret_cast<const char*>(avro.data()) + begin, ends[i] - begin);
      begin = ends[i];
      *payload += v.size();
      int64_t row = first + i;
      source.append({"taxi", static_cast<int32_t>(row % partitions)}, std::move(v), std::nullopt,
                    1700000000000 + row);
    }
  }
  return Status();
}

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int die(const Status& s) {
  std::fprintf(stderr, "stream_memory_bench: %s\n", s.to_string().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::atoll(argv[1]) : 2'000'000;
  const int partitions = argc > 2 ? std::atoi(argv[2]) : 100;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const int rounds = argc > 4 ? std::atoi(argv[4]) : 3;
  const std::string output = argc > 5 ? argv[5] : "mem";

  auto schema = avro::parse_schema(kTaxiSchema);
  if (!schema.ok()) return die(schema.status());
  auto decoder = avro::Decoder::create(*schema);
  if (!decoder.ok()) return die(decoder.status());

  stream::MemorySource source;
  size_t payload = 0;
  for (int p = 0; p < partitions; ++p) source.add_partition({"taxi", p});
  if (Status s = fill(source, *schema, rows, partitions, &payload); !s.ok()) return die(s);
  std::printf(
      "stream_memory_bench: %lld rows (%.1f bytes/row, generate --seed %llu), %d partitions, %d "
      "threads, output %s\n",
      static_cast<long long>(rows), static_cast<double>(payload) / rows,
      static_cast<unsigned long long>(kSeed), partitions, threads, output.c_str());

  std::vector<double> wall_rates, cpu_rates;
  for (int round = 0; round < rounds; ++round) {
    std::unique_ptr<storage::ObjectStore> out, meta;
    if (output == "mem") {
      out = std::make_unique<checkpoint::testing::MemoryStore>();
      meta = std::make_unique<checkpoint::testing::MemoryStore>();
    } else {
      std::string base = fmt::format("{}/round{}-{}", output, round, ::getpid());
      auto o = storage::open_store(base);
      if (!o.ok()) return die(o.status());
      auto m = storage::open_store(base + "/_checkpoint");
      if (!m.ok()) return die(m.status());
      out = std::move(*o);
      meta = std::move(*m);
    }
    auto ckpt = checkpoint::open_checkpoint(*meta, *out, {});
    if (auto r = ckpt->recover(std::nullopt); !r.ok()) return die(r.status());

    stream::EngineConfig c;
    c.topics = {"taxi"};
    c.trigger = stream::Trigger::kAvailableNow;
    c.threads = threads;
    c.task.source = &source;
    c.task.decoder = &*decoder;
    c.task.output = out.get();
    c.task.parquet.compression = parquet::Compression::kSnappy;
    stream::StreamEngine engine(c, *ckpt, &out->stats(), &meta->stats(), nullptr);

    std::atomic<bool> stop{false};
    double cpu0 = cpu_seconds();
    auto t0 = Clock::now();
    Status s = engine.run(stop);
    double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    double cpu = cpu_seconds() - cpu0;
    if (!s.ok()) return die(s);
    const auto& t = engine.totals();
    if (t.rows != static_cast<uint64_t>(rows) || t.files != static_cast<uint64_t>(partitions)) {
      std::fprintf(stderr, "round %d: committed %llu rows in %llu files, expected %lld in %d\n",
                   round, static_cast<unsigned long long>(t.rows),
                   static_cast<unsigned long long>(t.files), static_cast<long long>(rows),
                   partitions);
      return 1;
    }
    wall_rates.push_back(static_cast<double>(rows) / wall);
    cpu_rates.push_back(static_cast<double>(rows) / cpu);
    std::printf(
        "round %d: %.3f s wall, %.3f s CPU, %llu batches, %llu files, %.1f MB Parquet: "
        "%.0f rows/s, %.0f rows/CPU-s\n",
        round + 1, wall, cpu, static_cast<unsigned long long>(t.batches),
        static_cast<unsigned long long>(t.files), static_cast<double>(t.bytes) / 1e6,
        wall_rates.back(), cpu_rates.back());
  }
  double per_core = median(cpu_rates);
  std::printf(
      "median: %.0f rows/s wall, %.0f rows/s/core (rows per CPU-second); target 2000000 "
      "rows/s/core: ratio %.2fx\n",
      median(wall_rates), per_core, per_core / 2e6);
  return 0;
}
