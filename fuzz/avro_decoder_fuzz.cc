// libFuzzer target: the Avro decoder on arbitrary bytes.
//
// Input: first byte picks the schema pair (taxi, kitchen sink, or a writer/reader resolution
// pair), the rest is the datum. Must never crash or over-read; when a datum decodes, its
// re-encoding must decode too and re-encode to the same bytes (a canonical round trip).
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "avro/decoder.h"
#include "avro/encoder.h"
#include "avro/schema.h"

namespace {

using lakestream::Buffer;
using lakestream::avro::Decoder;
using lakestream::avro::Encoder;
using lakestream::avro::Schema;
using lakestream::columnar::RecordBatch;

const char* kTaxi = R"({"type":"record","name":"nyc_avro_test","fields":[
  {"name":"VendorID","type":"long"},{"name":"tpep_pickup_datetime","type":"string"},
  {"name":"passenger_count","type":"double"},{"name":"store_and_fwd_flag","type":"string"},
  {"name":"PULocationID","type":"long"},{"name":"total_amount","type":"double"}]})";

const char* kSink = R"({"type":"record","name":"K","namespace":"t","fields":[
  {"name":"n","type":"null"},{"name":"b","type":"boolean"},{"name":"i","type":"int"},
  {"name":"f","type":"float"},{"name":"by","type":"bytes"},
  {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
  {"name":"h","type":{"type":"fixed","name":"H","size":3}},
  {"name":"o","type":["null","string"]},
  {"name":"u","type":["null","int","E",{"type":"array","items":"long"}]},
  {"name":"p","type":{"type":"record","name":"P","fields":[{"name":"x","type":"double"},{"name":"y","type":["null","H"]}]}},
  {"name":"ps","type":{"type":"array","items":["null","P"]}},
  {"name":"mm","type":{"type":"map","values":{"type":"array","items":{"type":"map","values":"int"}}}},
  {"name":"z","type":{"type":"array","items":"null"}},
  {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}}]})";

const char* kWriter = R"({"type":"record","name":"R","fields":[
  {"name":"a","type":"int"},{"name":"gone","type":{"type":"map","values":["null","string"]}},
  {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","Z"]}},
  {"name":"u","type":["int","string","float"]}]})";
const char* kReader = R"({"type":"record","name":"R","fields":[
  {"name":"a","type":"double"},
  {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},
  {"name":"u","type":["null","string","long"]},
  {"name":"add","type":{"type":"array","items":"int"},"default":[1]}]})";

struct Target {
  Schema writer;
  Schema reader;
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<Encoder> encoder;  // reader schema
  std::unique_ptr<RecordBatch> batch;
};

Target make(const char* w, const char* r) {
  Target t;
  t.writer = *lakestream::avro::parse_schema(w);
  t.reader = *lakestream::avro::parse_schema(r);
  t.decoder = std::make_unique<Decoder>(*Decoder::create(t.writer, t.reader));
  t.encoder = std::make_unique<Encoder>(*Encoder::create(t.reader));
  t.batch = std::make_unique<RecordBatch>(t.decoder->columnar_schema());
  return t;
}

std::vector<Target>& targets() {
  static std::vector<Target> t = [] {
    std::vector<Target> v;
    v.push_back(make(kTaxi, kTaxi));
    v.push_back(make(kSink, kSink));
    v.push_back(make(kWriter, kReader));
    return v;
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Target& t = targets()[data[0] % targets().size()];
  // An exact-size copy so ASan catches any read past the datum.
  std::vector<uint8_t> datum(data + 1, data + size);
  RecordBatch& batch = *t.batch;
  batch.clear();
  if (!t.decoder->decode(datum, batch).ok()) {
    if (batch.num_rows() != 0) std::abort();  // a failed record must leave nothing behind
    return 0;
  }
  bool same_schema = data[0] % targets().size() != 2;
  Buffer once;
  std::vector<uint32_t> ends;
  if (!t.encoder->encode_batch(batch, once, ends).ok()) std::abort();
  if (!same_schema) return 0;
  // Decode our encoding with the reader schema and encode again: must be a fixed point.
  auto again = Decoder::create(t.reader);
  RecordBatch b2(again->columnar_schema());
  if (!again->decode(once.span(), b2).ok()) std::abort();
  Buffer twice;
  ends.clear();
  if (!t.encoder->encode_batch(b2, twice, ends).ok()) std::abort();
  if (once.view() != twice.view()) std::abort();
  return 0;
}
