#include "jobs/avro_row_sink.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "avro/wire_format.h"

namespace lakestream::jobs {

using Kind = csv::RowParser::Kind;
using Wire = avro::FlatRecordEncoder::Wire;

namespace {

bool compatible(Kind k, Wire w) {
  switch (k) {
    case Kind::kBool:
      return w == Wire::kBool;
    case Kind::kInt32:
    case Kind::kDate:
      return w == Wire::kInt;
    case Kind::kInt64:
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros:
      return w == Wire::kLong;
    case Kind::kFloat:
      return w == Wire::kFloat;
    case Kind::kDouble:
      return w == Wire::kDouble;
    case Kind::kString:
      return w == Wire::kBytes;
  }
  return false;
}

}  // namespace

Result<AvroRowSink> AvroRowSink::make(const avro::FlatRecordEncoder& encoder,
                                      const csv::RowParser& parser,
                                      std::optional<uint32_t> confluent_id, int key_column,
                                      Output out) {
  const auto& fields = parser.schema().fields();
  if (fields.size() != encoder.num_fields()) {
    return invalid_argument(fmt::format("CSV columns ({}) and Avro fields ({}) differ in number",
                                        fields.size(), encoder.num_fields()));
  }
  std::vector<Kind> kinds;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Kind k = parser.kind(i);
    const auto& f = encoder.field(i);
    const bool nullable = fields[i].repetition == columnar::Repetition::kOptional;
    if (!compatible(k, f.wire) || nullable != f.nullable) {
      return invalid_argument(
          fmt::format("column {}: its CSV type does not match its Avro field", fields[i].name));
    }
    kinds.push_back(k);
  }
  if (key_column >= static_cast<int>(fields.size()) || (key_column >= 0 && out.keys == nullptr)) {
    return invalid_argument(fmt::format("key column {} out of range", key_column));
  }
  std::vector<uint32_t> byte_fields;
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (encoder.field(i).wire == Wire::kBytes) byte_fields.push_back(static_cast<uint32_t>(i));
  }
  return AvroRowSink(encoder.fields(), std::move(byte_fields), std::move(kinds), confluent_id,
                     key_column, out);
}

void AvroRowSink::row(const csv::RowParser::Value* values, size_t n) {
  using Enc = avro::FlatRecordEncoder;
  Buffer& out = *out_.values;
  if (confluent_id_) avro::append_confluent_header(*confluent_id_, out);
  const Enc::Field* fields = fields_.data();  // a local: see flat_record_encoder.h on aliasing
  size_t need = n * Enc::kMaxFixedBytesPerField;
  for (uint32_t i : byte_fields_) need += values[i].text.size();
  uint8_t* const start = out.prepare(need);
  uint8_t* d = start;
  for (size_t i = 0; i < n; ++i) {
    const Enc::Field f = fields[i];
    const csv::RowParser::Value& v = values[i];
    if (f.nullable) {
      if (v.null) {
        *d++ = f.null_byte;
        continue;
      }
      *d++ = f.value_byte;
    }
    switch (f.wire) {
      case Wire::kBool:
        d = Enc::put_bool(d, v.i64 != 0);
        break;
      case Wire::kInt:
      case Wire::kLong:
        d = Enc::put_long(d, v.i64);
        break;
      case Wire::kFloat:
        d = Enc::put_float(d, v.f32);
        break;
      case Wire::kDouble:
        d = Enc::put_double(d, v.f64);
        break;
      case Wire::kBytes:
        d = Enc::put_bytes(d, v.text);
        break;
    }
  }
  out.commit(static_cast<size_t>(d - start));
  out_.ends->push_back(static_cast<uint32_t>(out.size()));
  if (key_column_ >= 0) {
    append_key(values[key_column_], kinds_[static_cast<size_t>(key_column_)]);
  }
}

// The key is the value's text (append_key_text); null: no key.
void AvroRowSink::append_key(const csv::RowParser::Value& v, Kind kind) {
  Buffer& keys = *out_.keys;
  if (!v.null) {
    switch (kind) {
      case Kind::kString:
        keys.append(v.text);
        break;
      case Kind::kBool:
        append_key_text(keys, v.i64 != 0);
        break;
      case Kind::kInt32:
      case Kind::kDate:
        append_key_text(keys, static_cast<int32_t>(v.i64));
        break;
      case Kind::kInt64:
      case Kind::kTimestampMillis:
      case Kind::kTimestampMicros:
        append_key_text(keys, v.i64);
        break;
      case Kind::kFloat:
        append_key_text(keys, v.f32);
        break;
      case Kind::kDouble:
        append_key_text(keys, v.f64);
        break;
    }
  }
  out_.key_ends->push_back(static_cast<uint32_t>(keys.size()));
}

}  // namespace lakestream::jobs
