// Thrift compact protocol: the encoding of every Parquet footer structure.
//
// Spec: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md
// CompactWriter emits structs field by field (the caller writes fields in increasing id order and
// closes each struct); CompactReader parses any compact-encoded struct into a generic tree of
// ThriftValue so `inspect` (and tests) can walk a footer without generated code. Neither is
// thread-safe; both are allocation-light and bounds-checked (the reader never reads past its span).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/buffer.h"
#include "common/status.h"

namespace lakestream::parquet::thrift {

// Compact protocol type ids.
enum class CType : uint8_t {
  kStop = 0,
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

void put_uvarint(Buffer& out, uint64_t v);
inline uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

class CompactWriter {
 public:
  explicit CompactWriter(Buffer* out) : out_(out) {}

  void begin_struct() { last_ids_.push_back(last_id_), last_id_ = 0; }
  void end_struct() {
    out_->push_back(0);
    last_id_ = last_ids_.back();
    last_ids_.pop_back();
  }
  // Field header for a struct-valued field; follow with begin_struct() ... end_struct().
  void field_struct(int16_t id) { field_header(id, CType::kStruct); }
  void field_i32(int16_t id, int32_t v) {
    field_header(id, CType::kI32);
    put_uvarint(*out_, zigzag(v));
  }
  void field_i64(int16_t id, int64_t v) {
    field_header(id, CType::kI64);
    put_uvarint(*out_, zigzag(v));
  }
  void field_i16(int16_t id, int16_t v) {
    field_header(id, CType::kI16);
    put_uvarint(*out_, zigzag(v));
  }
  void field_byte(int16_t id, int8_t v) {
    field_header(id, CType::kByte);
    out_->push_back(static_cast<uint8_t>(v));
  }
  void field_bool(int16_t id, bool v) { field_header(id, v ? CType::kTrue : CType::kFalse); }
  void field_binary(int16_t id, std::string_view v) {
    field_header(id, CType::kBinary);
    binary(v);
  }
  // Field header for a list; follow with `size` elements written by the element functions below.
  void field_list(int16_t id, CType elem, size_t size) {
    field_header(id, CType::kList);
    list_header(elem, size);
  }
  // An empty struct field (used by Thrift unions whose member is an empty struct).
  void field_empty_struct(int16_t id) {
    field_struct(id);
    begin_struct();
    end_struct();
  }

  // List elements.
  void list_header(CType elem, size_t size);
  void elem_i32(int32_t v) { put_uvarint(*out_, zigzag(v)); }
  void elem_i64(int64_t v) { put_uvarint(*out_, zigzag(v)); }
  void elem_bool(bool v) { out_->push_back(v ? 1 : 2); }
  void binary(std::string_view v) {
    put_uvarint(*out_, v.size());
    out_->append(v);
  }

 private:
  void field_header(int16_t id, CType t);
  Buffer* out_;
  int16_t last_id_ = 0;
  std::vector<int16_t> last_ids_;
};

// A parsed compact-protocol value. One recursive vector holds a list's elements, a struct's
// fields (each carrying its field id) or a map's keys and values (alternating).
struct ThriftValue {
  CType type = CType::kStop;
  int16_t id = 0;   // field id, for struct members
  int64_t i = 0;    // bool (0/1), byte, i16, i32, i64
  double d = 0;     // double
  std::string bin;  // binary / string
  std::vector<ThriftValue> elems;

  const ThriftValue* field(int16_t fid) const {
    for (const auto& e : elems)
      if (e.id == fid) return &e;
    return nullptr;
  }
  int64_t int_or(int16_t fid, int64_t dflt) const {
    const auto* f = field(fid);
    return f ? f->i : dflt;
  }
};

// Parses one struct from `data`; *consumed receives its length in bytes. Errors: kInvalidData on
// truncation, bad types, nesting deeper than 64 or containers larger than the input could hold.
Result<ThriftValue> read_struct(std::span<const uint8_t> data, size_t* consumed);

}  // namespace lakestream::parquet::thrift
