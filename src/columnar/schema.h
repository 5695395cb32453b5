// The columnar schema: the contract between decoders (Avro, CSV) and the Parquet writer.
//
// A schema is a tree of `Field`s, mirroring Parquet's schema model: groups (records, and the
// LIST/MAP wrappers) have children, leaves have a physical type. Every leaf becomes one column
// (`ColumnDescriptor`) with its maximum definition and repetition level, computed once by
// `flatten()`. Decoders produce values in this shape (see record_batch.h); the Parquet writer
// turns it into SchemaElements. Nothing here knows about Avro or Parquet files.
//
// LIST and MAP follow Parquet's three-level convention so any reader understands them:
//   optional group tags (LIST) { repeated group list { optional binary element (STRING); } }
//   optional group props (MAP) { repeated group key_value { required binary key; optional ... value; } }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lakestream::columnar {

enum class Repetition : uint8_t { kRequired, kOptional, kRepeated };

// Parquet physical types (values match parquet.thrift's Type enum).
enum class PhysicalType : uint8_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

// Logical annotations, independent of any file format.
enum class LogicalType : uint8_t {
  kNone,
  kString,     // BYTE_ARRAY, UTF-8
  kEnum,       // BYTE_ARRAY, UTF-8 symbol
  kUuid,       // FIXED_LEN_BYTE_ARRAY(16)
  kDate,       // INT32 days since 1970-01-01
  kTimeMillis, // INT32
  kTimeMicros, // INT64
  kTimestampMillis,  // INT64; `utc_adjusted` says instant (true) or local (false)
  kTimestampMicros,  // INT64
  kDecimal,    // INT32/INT64/FIXED_LEN_BYTE_ARRAY/BYTE_ARRAY big-endian two's complement
  kList,       // group annotation (3-level)
  kMap,        // group annotation (3-level)
  kInt8, kInt16, kUInt8, kUInt16, kUInt32, kUInt64,  // integer annotations (bit width, signedness)
  kJson,       // BYTE_ARRAY
};

struct Field {
  std::string name;
  Repetition repetition = Repetition::kRequired;
  // Leaves only.
  PhysicalType physical = PhysicalType::kInt64;
  LogicalType logical = LogicalType::kNone;
  int32_t fixed_length = 0;  // FIXED_LEN_BYTE_ARRAY width
  int32_t precision = 0;     // DECIMAL
  int32_t scale = 0;         // DECIMAL
  bool utc_adjusted = true;  // TIMESTAMP / TIME
  // Groups only. A field is a group iff it has children (or is_group is set for an empty record).
  std::vector<Field> children;
  bool is_group = false;

  bool group() const { return is_group || !children.empty(); }

  static Field leaf(std::string name, PhysicalType t, Repetition r = Repetition::kRequired,
                    LogicalType l = LogicalType::kNone) {
    Field f;
    f.name = std::move(name);
    f.physical = t;
    f.repetition = r;
    f.logical = l;
    return f;
  }
  static Field group_of(std::string name, std::vector<Field> kids,
                        Repetition r = Repetition::kRequired, LogicalType l = LogicalType::kNone) {
    Field f;
    f.name = std::move(name);
    f.children = std::move(kids);
    f.repetition = r;
    f.logical = l;
    f.is_group = true;
    return f;
  }
  // optional group NAME (LIST) { repeated group list { <element named "element"> } }
  static Field list_of(std::string name, Field element, Repetition r = Repetition::kOptional);
  // optional group NAME (MAP) { repeated group key_value { required key; value } }
  static Field map_of(std::string name, Field key, Field value, Repetition r = Repetition::kOptional);
};

// One leaf column of a flattened schema.
struct ColumnDescriptor {
  std::vector<std::string> path;  // names from the root's child to the leaf
  const Field* field = nullptr;   // the leaf, owned by the Schema
  int16_t max_def = 0;            // optional and repeated ancestors (and self) count 1 each
  int16_t max_rep = 0;            // repeated ancestors (and self) count 1 each
  std::string dotted_path() const;
};

// A whole schema: the root's children are the top-level columns (the root itself is the message).
class Schema {
 public:
  Schema() = default;
  Schema(std::string name, std::vector<Field> fields);
  Schema(const Schema& other);
  Schema& operator=(const Schema& other);
  Schema(Schema&&) noexcept = default;
  Schema& operator=(Schema&&) noexcept = default;

  const std::string& name() const { return root_.name; }
  const Field& root() const { return root_; }
  const std::vector<Field>& fields() const { return root_.children; }
  // Leaf columns in depth-first order; stable for the Schema's lifetime.
  const std::vector<ColumnDescriptor>& columns() const { return columns_; }
  size_t num_columns() const { return columns_.size(); }
  // Index of the top-level field named `name`, or -1.
  int field_index(const std::string& name) const;
  // A copy with extra top-level fields appended (e.g. Kafka metadata columns).
  Schema with_appended(std::vector<Field> extra) const;
  // Human-readable tree, one field per line (for `inspect` and error messages).
  std::string to_string() const;

 private:
  void flatten();
  Field root_;
  std::vector<ColumnDescriptor> columns_;
};

}  // namespace lakestream::columnar
