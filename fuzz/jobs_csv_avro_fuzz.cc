// Differential fuzzing of the producer's two CSV -> Avro paths: arbitrary bytes parsed by
// csv::RowParser into a RecordBatch and encoded by avro::Encoder (the general path) must give
// exactly the bytes, row count and reject count of RowParser -> jobs::AvroRowSink (the direct path
// for flat schemas), and neither may crash or trip the sanitizers. The first input byte picks
// options (delimiter, header, mode, Confluent framing).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "avro/encoder.h"
#include "avro/flat_record_encoder.h"
#include "avro/schema.h"
#include "avro/wire_format.h"
#include "columnar/record_batch.h"
#include "csv/row_parser.h"
#include "jobs/avro_row_sink.h"

namespace {

using namespace lakestream;

struct Codecs {
  avro::Schema schema;
  std::unique_ptr<avro::Encoder> encoder;
  std::unique_ptr<avro::FlatRecordEncoder> flat;
};

const Codecs& codecs() {
  static const Codecs c = [] {
    Codecs c;
    auto s = avro::parse_schema(R"({"type":"record","name":"r","fields":[
      {"name":"a","type":"long"},
      {"name":"b","type":["null","string"]},
      {"name":"c","type":["double","null"]},
      {"name":"d","type":["null",{"type":"long","logicalType":"timestamp-micros"}]},
      {"name":"e","type":["null","boolean"]},
      {"name":"f","type":"float"},
      {"name":"g","type":{"type":"int","logicalType":"date"}},
      {"name":"h","type":"string"}]})");
    if (!s.ok()) std::abort();
    c.schema = *s;
    auto e = avro::Encoder::create(c.schema);
    auto f = avro::FlatRecordEncoder::create(c.schema);
    if (!e.ok() || !f.ok()) std::abort();
    c.encoder = std::make_unique<avro::Encoder>(std::move(*e));
    c.flat = std::make_unique<avro::FlatRecordEncoder>(std::move(*f));
    return c;
  }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Codecs& c = codecs();
  const uint8_t opt = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  csv::CsvOptions o;
  o.delimiter = (opt & 1) ? ';' : ',';
  o.header = (opt & 2) == 0;
  o.mode = (opt & 4) ? csv::BadRowMode::kDropMalformed : csv::BadRowMode::kPermissive;
  o.max_record_bytes = 1 << 16;
  std::optional<uint32_t> confluent;
  if (opt & 8) confluent = 0xA1B2C3D4u;

  auto p1 = csv::RowParser::make(c.encoder->columnar_schema(), o);
  auto p2 = csv::RowParser::make(c.encoder->columnar_schema(), o);
  if (!p1.ok() || !p2.ok()) std::abort();

  // General path.
  columnar::RecordBatch batch(c.encoder->columnar_schema());
  size_t consumed1 = 0, consumed2 = 0;
  uint64_t lines1 = 0, lines2 = 0;
  Status st1 = p1->parse(text, 1, true, &batch, &consumed1, &lines1);
  Buffer general;
  std::vector<uint32_t> general_ends;
  if (!c.encoder->encode_batch(batch, general, general_ends, confluent).ok()) std::abort();

  // Direct path.
  Buffer direct;
  std::vector<uint32_t> direct_ends;
  auto sink = jobs::AvroRowSink::make(*c.flat, *p2, confluent, -1, {&direct, &direct_ends});
  if (!sink.ok()) std::abort();
  Status st2 = p2->parse(text, 1, true, &*sink, &consumed2, &lines2);

  if (st1.code() != st2.code() || consumed1 != consumed2 || lines1 != lines2) std::abort();
  if (p1->stats().rows_rejected != p2->stats().rows_rejected) std::abort();
  if (p1->stats().rows_accepted != p2->stats().rows_accepted) std::abort();
  if (general_ends != direct_ends || general.size() != direct.size()) std::abort();
  if (general.size() && std::memcmp(general.data(), direct.data(), general.size()) != 0)
    std::abort();
  return 0;
}
