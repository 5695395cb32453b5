// Writes Avro datums of flat records field by field, straight from values a producer has at hand
// (the CSV producer's parsed fields), with no column buffers in between.
//
// A record is flat when every field is boolean, int, long, float, double, string or bytes (with
// any logical type those carry, except decimal), alone or as the non-null branch of a two-branch
// union with null ([null, T] or [T, null]). Other schemas use Encoder (encoder.h).
//
// create() compiles the schema into a table of fields; the writers are static and stateless, so
// a caller's per-row loop keeps that table in registers (stores through uint8_t* may alias any
// member, which would otherwise be reloaded after every byte). A row is written field by field
// in schema order: for a nullable field first the union byte (null_byte, or value_byte followed
// by the value), then the value with the writer of its wire type. The bytes are those Encoder
// writes for the same values (flat_record_encoder_test compares the two). A row needs at most
// 11 bytes per field plus its string/bytes payloads.
//
// Thread-safety: immutable after create().
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "avro/schema.h"
#include "avro/varint.h"
#include "common/status.h"

namespace lakestream::avro {

class FlatRecordEncoder {
 public:
  // How a field's value is written (logical types ride on their underlying type).
  enum class Wire : uint8_t { kBool, kInt, kLong, kFloat, kDouble, kBytes };
  struct Field {
    Wire wire = Wire::kLong;
    bool nullable = false;   // a union with null
    uint8_t null_byte = 0;   // nullable: the null branch's index, encoded (one varint byte)
    uint8_t value_byte = 0;  // nullable: the value branch's index, encoded
  };
  static constexpr size_t kMaxFixedBytesPerField = 11;

  // Errors (kInvalidArgument): the root is not a record, or a field is not flat (named).
  static Result<FlatRecordEncoder> create(const Schema& schema);

  const std::vector<Field>& fields() const { return fields_; }
  size_t num_fields() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }

  // Writers: each writes at d and returns the end of what it wrote.
  static uint8_t* put_bool(uint8_t* d, bool v) {
    *d = v ? 1 : 0;
    return d + 1;
  }
  static uint8_t* put_long(uint8_t* d, int64_t v) {  // int and long
    return d + detail::put_long(d, v);
  }
  static uint8_t* put_float(uint8_t* d, float v) {
    std::memcpy(d, &v, 4);  // little-endian hosts only, as the rest of the codec
    return d + 4;
  }
  static uint8_t* put_double(uint8_t* d, double v) {
    std::memcpy(d, &v, 8);
    return d + 8;
  }
  static uint8_t* put_bytes(uint8_t* d, std::string_view v) {
    d += detail::put_long(d, static_cast<int64_t>(v.size()));
    if (!v.empty()) std::memcpy(d, v.data(), v.size());
    return d + v.size();
  }

 private:
  explicit FlatRecordEncoder(std::vector<Field> fields) : fields_(std::move(fields)) {}
  std::vector<Field> fields_;
};

}  // namespace lakestream::avro
