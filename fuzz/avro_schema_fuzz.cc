// libFuzzer target: the Avro schema parser on arbitrary JSON text.
//
// Must never crash; an accepted schema must print (to_json) to text that parses to the same
// canonical form, and compiling a decoder/encoder for it must not crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "avro/columnar_mapping.h"
#include "avro/decoder.h"
#include "avro/encoder.h"
#include "avro/schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = lakestream::avro::parse_schema(text);
  if (!s.ok()) return 0;
  auto again = lakestream::avro::parse_schema(s->to_json());
  if (!again.ok()) std::abort();
  if (again->canonical_form() != s->canonical_form()) std::abort();
  (void)s->fingerprint64();
  if (lakestream::avro::to_columnar_schema(*s).ok()) {
    auto d = lakestream::avro::Decoder::create(*s);
    auto e = lakestream::avro::Encoder::create(*s);
    (void)d;
    (void)e;
  }
  return 0;
}
