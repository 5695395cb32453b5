// CSV -> RecordBatch -> Avro, one thread, on generated taxi rows held in memory.
//
//   BM_CsvParse          csv::RowParser into a reused RecordBatch
//   BM_CsvToAvro         the same plus avro::Encoder::encode_batch (the producer's per-core work)
//   BM_CsvToAvroDirect   CSV -> Avro bytes with no column buffers (jobs::AvroRowSink): what the
//                        producer runs for flat schemas such as the taxi one
//   BM_AvroCEncodeAnchor Avro C (libavro) encoding the same rows from already-parsed values: the
//                        reference implementation's cost for the encode step alone
// Reported as rows/s (items_per_second) and CSV bytes/s.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "avro/encoder.h"
#include "avro/flat_record_encoder.h"
#include "avro/schema.h"
#include "columnar/record_batch.h"
#include "csv/row_parser.h"
#include "csv/taxi_generator.h"
#include "jobs/avro_row_sink.h"

// Last: Avro C's headers open extern "C" around system headers (their C++ versions are included
// above first). Avro C's <avro/schema.h> is shadowed by our src/avro/schema.h on the include
// path, so it is included by absolute path first; avro.h's own #include then is a no-op.
// clang-format off
#include "/usr/include/avro/schema.h"
#include <avro.h>
// clang-format on

namespace {

using namespace lakestream;

constexpr uint64_t kRows = 200000;
constexpr size_t kBlockRows = 8192;  // the producer parses ~4 MiB blocks; similar row counts

struct Data {
  std::string header;
  std::vector<std::string> blocks;  // whole records, kBlockRows each
  avro::Schema schema;
  std::unique_ptr<avro::Encoder> encoder;
};

const Data& data() {
  static Data* d = [] {
    auto* d = new Data();
    csv::TaxiGenerator gen({1, 0});
    d->header = std::string(csv::TaxiGenerator::header());
    for (uint64_t first = 0; first < kRows; first += kBlockRows) {
      Buffer b;
      csv::TaxiGeneratorStats s;
      gen.write_rows(first, std::min<uint64_t>(kBlockRows, kRows - first), &b, &s);
      d->blocks.emplace_back(b.view());
    }
    // Run from the source tree, or set LAKESTREAM_SOURCE_DIR.
    const char* root = std::getenv("LAKESTREAM_SOURCE_DIR");
    std::string src = std::string(root ? root : ".") + "/schemas/nyc_taxi.avsc";
    auto schema = avro::parse_schema_file(src);
    if (!schema.ok()) {
      std::fprintf(stderr, "%s\n", schema.status().to_string().c_str());
      std::abort();
    }
    d->schema = *schema;
    d->encoder = std::make_unique<avro::Encoder>(std::move(*avro::Encoder::create(d->schema)));
    return d;
  }();
  return *d;
}

csv::RowParser make_parser() {
  const Data& d = data();
  auto p = csv::RowParser::make(d.encoder->columnar_schema(), {});
  size_t consumed;
  uint64_t lines;
  if (!p.ok() || !p->parse_header(d.header, false, &consumed, &lines).ok()) std::abort();
  return std::move(*p);
}

void BM_CsvParse(benchmark::State& state) {
  const Data& d = data();
  csv::RowParser parser = make_parser();
  columnar::RecordBatch batch(d.encoder->columnar_schema());
  uint64_t rows = 0, bytes = 0;
  for (auto _ : state) {
    for (const std::string& b : d.blocks) {
      batch.clear();
      size_t consumed;
      uint64_t lines;
      if (!parser.parse(b, 3, false, &batch, &consumed, &lines).ok()) std::abort();
      rows += batch.num_rows();
      bytes += b.size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_CsvParse)->Unit(benchmark::kMillisecond);

void BM_CsvToAvro(benchmark::State& state) {
  const Data& d = data();
  csv::RowParser parser = make_parser();
  columnar::RecordBatch batch(d.encoder->columnar_schema());
  Buffer out;
  std::vector<uint32_t> ends;
  uint64_t rows = 0, bytes = 0, avro_bytes = 0;
  for (auto _ : state) {
    for (const std::string& b : d.blocks) {
      batch.clear();
      size_t consumed;
      uint64_t lines;
      if (!parser.parse(b, 3, false, &batch, &consumed, &lines).ok()) std::abort();
      out.clear();
      ends.clear();
      if (!d.encoder->encode_batch(batch, out, ends).ok()) std::abort();
      rows += batch.num_rows();
      bytes += b.size();
      avro_bytes += out.size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["avro_bytes_per_row"] = static_cast<double>(avro_bytes) / rows;
}
BENCHMARK(BM_CsvToAvro)->Unit(benchmark::kMillisecond);

void BM_CsvToAvroDirect(benchmark::State& state) {
  const Data& d = data();
  csv::RowParser parser = make_parser();
  auto flat = avro::FlatRecordEncoder::create(d.schema);
  if (!flat.ok()) std::abort();
  Buffer out;
  std::vector<uint32_t> ends;
  uint64_t rows = 0, bytes = 0, avro_bytes = 0;
  for (auto _ : state) {
    for (const std::string& b : d.blocks) {
      out.clear();
      ends.clear();
      auto sink = jobs::AvroRowSink::make(*flat, parser, std::nullopt, -1, {&out, &ends});
      if (!sink.ok()) std::abort();
      size_t consumed;
      uint64_t lines;
      if (!parser.parse(b, 3, false, &*sink, &consumed, &lines).ok()) std::abort();
      rows += ends.size();
      bytes += b.size();
      avro_bytes += out.size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["avro_bytes_per_row"] =
      static_cast<double>(avro_bytes) / static_cast<double>(rows);
}
BENCHMARK(BM_CsvToAvroDirect)->Unit(benchmark::kMillisecond);

// Avro C encoding of the same rows (values parsed once, outside the timing loop).
void BM_AvroCEncodeAnchor(benchmark::State& state) {
  const Data& d = data();
  csv::RowParser parser = make_parser();
  columnar::RecordBatch batch(d.encoder->columnar_schema());
  size_t consumed;
  uint64_t lines;
  if (!parser.parse(d.blocks[0], 3, false, &batch, &consumed, &lines).ok()) std::abort();
  const std::string json = d.schema.to_json();
  avro_schema_t schema;
  if (avro_schema_from_json_length(json.data(), json.size(), &schema) != 0) std::abort();
  avro_value_iface_t* iface = avro_generic_class_from_schema(schema);
  avro_value_t rec;
  avro_generic_value_new(iface, &rec);
  std::vector<char> buf(1 << 16);
  avro_writer_t w = avro_writer_memory(buf.data(), static_cast<int64_t>(buf.size()));
  const size_t n = batch.num_rows();
  uint64_t rows = 0;
  for (auto _ : state) {
    for (size_t r = 0; r < n; ++r) {
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        avro_value_t field;
        avro_value_get_by_index(&rec, c, &field, nullptr);
        const auto& col = batch.column(c);
        switch (col.physical()) {
          case columnar::PhysicalType::kInt64:
            avro_value_set_long(&field, col.values<int64_t>()[r]);
            break;
          case columnar::PhysicalType::kDouble:
            avro_value_set_double(&field, col.values<double>()[r]);
            break;
          default: {
            auto s = col.bytes_at(r);
            avro_value_set_string_len(&field, s.data(), s.size() + 1);  // length includes NUL
            break;
          }
        }
      }
      avro_writer_reset(w);
      avro_value_write(w, &rec);
      ++rows;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(rows));
  avro_writer_free(w);
  avro_value_decref(&rec);
  avro_value_iface_decref(iface);
  avro_schema_decref(schema);
}
BENCHMARK(BM_AvroCEncodeAnchor)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
