// Avro codec micro-benchmark: decode of the taxi schema into columns and encode from columns,
// ours next to Avro C (libavro, the anchor) doing the same work on the same records in the same
// run. Prints rows/s for each and the ratio ours / Avro C at the end.
//
//   cmake --preset release && cmake --build build/release --target avro_bench -j2
//   build/release/bench/avro_bench
//
// Records: kRows random taxi rows (fixed seed 20261125), encoded once by our encoder. After the
// timed loops, both decoders' columns are compared with the source rows and Avro C's encoded
// bytes with ours; a mismatch marks the benchmark as failed.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "avro/decoder.h"
#include "avro/encoder.h"
#include "avro/schema.h"

// Last: Avro C's headers open extern "C" around system headers, which breaks C++ headers
// included for the first time inside it. Avro C's <avro/schema.h> is shadowed by our
// src/avro/schema.h on the include path (-I src), so it is included by its absolute path first;
// avro.h's own #include <avro/schema.h> then finds our (already included) header and is a no-op.
// clang-format off
#include "/usr/include/avro/schema.h"
#include <avro.h>
// clang-format on

namespace {

using lakestream::Buffer;
using lakestream::avro::Decoder;
using lakestream::avro::Encoder;
using lakestream::columnar::ColumnBuffer;
using lakestream::columnar::PhysicalType;
using lakestream::columnar::RecordBatch;

constexpr size_t kRows = 100000;
constexpr unsigned kSeed = 20261125;

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

// Everything the benchmarks share, built once.
struct Data {
  lakestream::avro::Schema schema;
  std::shared_ptr<const lakestream::columnar::Schema> columns;
  std::unique_ptr<RecordBatch> source;  // the random rows as columns (encode input)
  Buffer encoded;                       // all rows back to back
  std::vector<uint32_t> ends;
  avro_schema_t c_schema = nullptr;
  avro_value_iface_t* c_iface = nullptr;
};

Data* g_data = nullptr;  // benchmark fixtures need shared state; set up once in main()

void fill_random(RecordBatch& b) {
  std::mt19937_64 rng(kSeed);
  char ts[32];
  for (size_t r = 0; r < kRows; ++r) {
    for (size_t c = 0; c < b.num_columns(); ++c) {
      ColumnBuffer& col = b.column(c);
      switch (col.physical()) {
        case PhysicalType::kInt64:
          col.append_fixed<int64_t>(static_cast<int64_t>(rng() % 300));
          break;
        case PhysicalType::kDouble:
          col.append_fixed<double>(static_cast<double>(rng() % 10000) / 100.0);
          break;
        default: {
          if (col.descriptor().path[0] == "store_and_fwd_flag") {
            col.append_bytes(rng() % 2 ? "N" : "Y");
          } else {
            std::snprintf(ts, sizeof ts, "2019-%02d-%02d %02d:%02d:%02d",
                          static_cast<int>(rng() % 12 + 1), static_cast<int>(rng() % 28 + 1),
                          static_cast<int>(rng() % 24), static_cast<int>(rng() % 60),
                          static_cast<int>(rng() % 60));
            col.append_bytes(ts);
          }
        }
      }
      col.count_slot();
    }
    b.finish_row();
  }
}

// True when `b` holds exactly the source rows (every column's values).
bool same_as_source(const RecordBatch& b) {
  const RecordBatch& src = *g_data->source;
  if (b.num_rows() != src.num_rows()) return false;
  for (size_t c = 0; c < src.num_columns(); ++c) {
    const auto& x = src.column(c);
    const auto& y = b.column(c);
    if (x.fixed().view() != y.fixed().view() || x.bytes().view() != y.bytes().view() ||
        x.offsets().size() != y.offsets().size()) {
      return false;
    }
  }
  return true;
}

void BM_Decode_Ours(benchmark::State& state) {
  auto dec = Decoder::create(g_data->schema);
  RecordBatch batch(dec->columnar_schema());
  const uint8_t* base = g_data->encoded.data();
  for (auto _ : state) {
    batch.clear();
    uint32_t start = 0;
    for (uint32_t end : g_data->ends) {
      if (!dec->decode({base + start, end - start}, batch).ok()) state.SkipWithError("decode");
      start = end;
    }
    benchmark::DoNotOptimize(batch.column(0).fixed().data());
  }
  if (!same_as_source(batch)) state.SkipWithError("decoded values differ from the source");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
}

// Avro C reads each record into a generic value, then the fields are copied into the same
// column buffers ours fills (what a columnar consumer of Avro C has to do).
void BM_Decode_AvroC(benchmark::State& state) {
  avro_value_t value;
  avro_generic_value_new(g_data->c_iface, &value);
  avro_reader_t reader = avro_reader_memory(nullptr, 0);
  RecordBatch batch(g_data->columns);
  const size_t ncols = batch.num_columns();
  for (auto _ : state) {
    batch.clear();
    uint32_t start = 0;
    for (uint32_t end : g_data->ends) {
      avro_reader_memory_set_source(
          reader, reinterpret_cast<const char*>(g_data->encoded.data()) + start, end - start);
      if (avro_value_read(reader, &value) != 0) state.SkipWithError(avro_strerror());
      for (size_t c = 0; c < ncols; ++c) {
        avro_value_t f;
        avro_value_get_by_index(&value, c, &f, nullptr);
        ColumnBuffer& col = batch.column(c);
        switch (col.physical()) {
          case PhysicalType::kInt64: {
            int64_t v;
            avro_value_get_long(&f, &v);
            col.append_fixed(v);
            break;
          }
          case PhysicalType::kDouble: {
            double v;
            avro_value_get_double(&f, &v);
            col.append_fixed(v);
            break;
          }
          default: {
            const char* s;
            size_t n;
            avro_value_get_string(&f, &s, &n);
            col.append_bytes({s, n - 1});  // n counts the NUL
          }
        }
        col.count_slot();
      }
      batch.finish_row();
      start = end;
    }
    benchmark::DoNotOptimize(batch.column(0).fixed().data());
  }
  if (!same_as_source(batch)) state.SkipWithError("Avro C decoded values differ from the source");
  avro_reader_free(reader);
  avro_value_decref(&value);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
}

void BM_Encode_Ours(benchmark::State& state) {
  auto enc = Encoder::create(g_data->schema);
  Buffer out;
  std::vector<uint32_t> ends;
  ends.reserve(kRows);
  for (auto _ : state) {
    out.clear();
    ends.clear();
    if (!enc->encode_batch(*g_data->source, out, ends).ok()) state.SkipWithError("encode");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
}

// Avro C: each row's fields are set on a generic value from the same columns, then written.
void BM_Encode_AvroC(benchmark::State& state) {
  avro_value_t value;
  avro_generic_value_new(g_data->c_iface, &value);
  std::vector<char> out(g_data->encoded.size() + 1024);
  avro_writer_t writer = avro_writer_memory(out.data(), static_cast<int64_t>(out.size()));
  const RecordBatch& b = *g_data->source;
  const size_t ncols = b.num_columns();
  std::string tmp;
  for (auto _ : state) {
    avro_writer_reset(writer);
    for (size_t r = 0; r < kRows; ++r) {
      for (size_t c = 0; c < ncols; ++c) {
        avro_value_t f;
        avro_value_get_by_index(&value, c, &f, nullptr);
        const ColumnBuffer& col = b.column(c);
        switch (col.physical()) {
          case PhysicalType::kInt64:
            avro_value_set_long(&f, col.values<int64_t>()[r]);
            break;
          case PhysicalType::kDouble:
            avro_value_set_double(&f, col.values<double>()[r]);
            break;
          default: {
            // Avro C wants NUL-terminated strings; the copy is part of its cost.
            tmp.assign(col.bytes_at(r));
            avro_value_set_string_len(&f, tmp.c_str(), tmp.size() + 1);
          }
        }
      }
      if (avro_value_write(writer, &value) != 0) state.SkipWithError(avro_strerror());
    }
    benchmark::DoNotOptimize(out.data());
  }
  if (static_cast<size_t>(avro_writer_tell(writer)) != g_data->encoded.size() ||
      std::memcmp(out.data(), g_data->encoded.data(), g_data->encoded.size()) != 0) {
    state.SkipWithError("Avro C wrote different bytes than ours");
  }
  avro_writer_free(writer);
  avro_value_decref(&value);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
}

BENCHMARK(BM_Decode_Ours)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Decode_AvroC)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode_Ours)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Encode_AvroC)->Unit(benchmark::kMillisecond);

// Console output plus the items/s of every run, for the ratio lines.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      // Single runs, or the median when run with --benchmark_repetitions.
      if (!r.aggregate_name.empty() && r.aggregate_name != "median") continue;
      auto it = r.counters.find("items_per_second");
      if (it != r.counters.end()) rate_[r.run_name.function_name] = it->second.value;
    }
  }
  void print_ratios() const {
    for (const char* op : {"Decode", "Encode"}) {
      auto ours = rate_.find(std::string("BM_") + op + "_Ours");
      auto anchor = rate_.find(std::string("BM_") + op + "_AvroC");
      if (ours == rate_.end() || anchor == rate_.end()) continue;
      std::printf("%s taxi: ours %.2fM rows/s, Avro C %.2fM rows/s, ratio %.2fx\n", op,
                  ours->second / 1e6, anchor->second / 1e6, ours->second / anchor->second);
    }
  }

 private:
  std::map<std::string, double> rate_;
};

}  // namespace

int main(int argc, char** argv) {
  Data data;
  auto schema = lakestream::avro::parse_schema(kTaxiSchema);
  if (!schema.ok()) return 1;
  data.schema = std::move(schema).value();
  auto enc = Encoder::create(data.schema);
  data.columns = enc->columnar_schema();
  data.source = std::make_unique<RecordBatch>(data.columns);
  fill_random(*data.source);
  if (!enc->encode_batch(*data.source, data.encoded, data.ends).ok()) return 1;
  if (avro_schema_from_json_length(kTaxiSchema, std::strlen(kTaxiSchema), &data.c_schema) != 0) {
    std::fprintf(stderr, "avro-c schema: %s\n", avro_strerror());
    return 1;
  }
  data.c_iface = avro_generic_class_from_schema(data.c_schema);
  g_data = &data;
  std::printf("taxi schema, %zu rows, %zu bytes encoded (%.1f bytes/row), seed %u\n", kRows,
              data.encoded.size(), static_cast<double>(data.encoded.size()) / kRows, kSeed);

  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  avro_value_iface_decref(data.c_iface);
  avro_schema_decref(data.c_schema);
  return 0;
}
