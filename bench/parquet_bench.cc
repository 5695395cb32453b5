// The Parquet writer alone: taxi rows already in columnar::RecordBatches (parsed once from the
// generated CSV before timing), written to a counting null sink. Reports rows/s and output bytes
// per codec. The end-to-end comparison with DuckDB is bench/convert_vs_duckdb.sh.
//
//   (from the source root) build/release/bench/parquet_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "avro/columnar_mapping.h"
#include "avro/schema.h"
#include "csv/csv_reader.h"
#include "csv/taxi_generator.h"
#include "parquet/writer.h"

namespace lakestream {
namespace {

constexpr uint64_t kRows = 1'000'000;
constexpr uint64_t kSeed = 42;

class NullSink final : public ByteSink {
 public:
  Status write(std::span<const uint8_t> bytes) override {
    pos_ += bytes.size();
    return Status();
  }
  uint64_t position() const override { return pos_; }
  Status close() override { return Status(); }
  Status abort() override { return Status(); }

 private:
  uint64_t pos_ = 0;
};

struct TaxiBatches {
  std::shared_ptr<const columnar::Schema> schema;
  std::vector<std::unique_ptr<columnar::RecordBatch>> batches;
};

const TaxiBatches& taxi_batches() {
  static const TaxiBatches data = [] {
    TaxiBatches t;
    const char* dir = std::getenv("LAKESTREAM_SOURCE_DIR");  // default: run from the source root
    std::string src = std::string(dir ? dir : ".") + "/schemas/nyc_taxi.avsc";
    auto avsc = avro::parse_schema_file(src);
    if (!avsc.ok()) std::abort();
    auto cs = avro::to_columnar_schema(*avsc);
    if (!cs.ok()) std::abort();
    t.schema = std::make_shared<const columnar::Schema>(std::move(*cs));
    csv::TaxiGeneratorOptions go;
    go.seed = kSeed;
    csv::TaxiGenerator gen(go);
    Buffer text;
    text.append(csv::TaxiGenerator::header());
    csv::TaxiGeneratorStats gs;
    gen.write_rows(0, kRows, &text, &gs);
    auto reader = csv::CsvReader::make(t.schema, csv::CsvOptions{});
    if (!reader.ok()) std::abort();
    size_t chunk = 4 << 20;
    auto batch = std::make_unique<columnar::RecordBatch>(t.schema);
    for (size_t at = 0; at < text.size(); at += chunk) {
      size_t n = std::min(chunk, text.size() - at);
      if (!reader->feed({reinterpret_cast<const char*>(text.data()) + at, n}, batch.get()).ok())
        std::abort();
      if (batch->num_rows() >= 65536) {
        t.batches.push_back(std::move(batch));
        batch = std::make_unique<columnar::RecordBatch>(t.schema);
      }
    }
    if (!reader->finish(batch.get()).ok()) std::abort();
    if (batch->num_rows() > 0) t.batches.push_back(std::move(batch));
    return t;
  }();
  return data;
}

void BM_WriteTaxi(benchmark::State& state, parquet::Compression codec) {
  const auto& data = taxi_batches();
  uint64_t rows = 0, bytes = 0;
  for (auto _ : state) {
    NullSink sink;
    parquet::WriterOptions o;
    o.compression = codec;
    auto w = parquet::FileWriter::open(data.schema, &sink, o);
    if (!w.ok()) state.SkipWithError(w.status().to_string().c_str());
    for (const auto& b : data.batches) {
      if (!(*w)->write(*b).ok()) state.SkipWithError("write failed");
    }
    auto s = (*w)->close();
    if (!s.ok()) state.SkipWithError(s.status().to_string().c_str());
    rows += s->num_rows;
    bytes = s->file_size;
  }
  state.counters["rows/s"] =
      benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsRate);
  state.counters["file_bytes"] = static_cast<double>(bytes);
}

BENCHMARK_CAPTURE(BM_WriteTaxi, snappy, parquet::Compression::kSnappy)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WriteTaxi, zstd, parquet::Compression::kZstd)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_WriteTaxi, uncompressed, parquet::Compression::kUncompressed)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lakestream

BENCHMARK_MAIN();
