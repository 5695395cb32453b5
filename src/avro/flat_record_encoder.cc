#include "avro/flat_record_encoder.h"

#include <fmt/format.h>

namespace lakestream::avro {
namespace {

// The wire form of a non-union, non-null type, or false when it is not a flat leaf.
bool wire_of(const Node& n, FlatRecordEncoder::Wire* w) {
  using Wire = FlatRecordEncoder::Wire;
  if (n.logical == LogicalKind::kDecimal) return false;
  switch (n.type) {
    case Type::kBoolean:
      *w = Wire::kBool;
      return true;
    case Type::kInt:
      *w = Wire::kInt;
      return true;
    case Type::kLong:
      *w = Wire::kLong;
      return true;
    case Type::kFloat:
      *w = Wire::kFloat;
      return true;
    case Type::kDouble:
      *w = Wire::kDouble;
      return true;
    case Type::kBytes:
    case Type::kString:
      *w = Wire::kBytes;
      return true;
    default:
      return false;
  }
}

}  // namespace

Result<FlatRecordEncoder> FlatRecordEncoder::create(const Schema& schema) {
  const Node& root = schema.root();
  if (root.type != Type::kRecord) {
    return invalid_argument(
        fmt::format("flat record encoder: the schema is a {}, not a record", type_name(root.type)));
  }
  std::vector<Field> fields;
  for (const RecordField& rf : root.fields) {
    const Node& n = schema.node(rf.type);
    Field f;
    bool ok = false;
    if (n.type == Type::kUnion && n.branches.size() == 2) {
      int null_branch = -1, value_branch = -1;
      for (int b = 0; b < 2; ++b) {
        const Node& branch = schema.node(n.branches[static_cast<size_t>(b)]);
        if (branch.type == Type::kNull) {
          null_branch = b;
        } else if (wire_of(branch, &f.wire)) {
          value_branch = b;
        }
      }
      ok = null_branch >= 0 && value_branch >= 0;
      f.nullable = true;
      // The union index as Avro writes it: a zig-zag varint, one byte for 0 or 1.
      uint8_t tmp[10];
      if (ok) {
        detail::put_long(tmp, null_branch);
        f.null_byte = tmp[0];
        detail::put_long(tmp, value_branch);
        f.value_byte = tmp[0];
      }
    } else {
      ok = wire_of(n, &f.wire);
    }
    if (!ok) {
      return invalid_argument(fmt::format(
          "flat record encoder: field {} is not a primitive or nullable primitive", rf.name));
    }
    fields.push_back(f);
  }
  return FlatRecordEncoder(std::move(fields));
}

}  // namespace lakestream::avro
