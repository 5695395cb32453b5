// Avro schemas (Avro 1.11 specification) parsed from JSON.
//
// A Schema is an immutable table of nodes; compound nodes refer to their children by index, so
// named types may be referenced by name after their definition (including recursively). Covered:
// null, boolean, int, long, float, double, bytes, string, record, enum, array, map, union, fixed;
// names, namespaces (inherited and dotted full names), aliases, field defaults (validated against
// the field type), enum defaults, doc, order; logical types decimal (bytes and fixed), uuid, date,
// time-millis, time-micros, timestamp-millis, timestamp-micros, local-timestamp-millis,
// local-timestamp-micros. As the spec says, an invalid logical type annotation (e.g. decimal with
// precision 0, date on a long) is ignored and the underlying type is used.
//
// Errors are kInvalidArgument and name the path inside the schema, e.g.
//   "schema: fields[3].type: unknown type name 'Foo'".
// Schemas are immutable after parsing and safe to share between threads.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace lakestream::avro {

enum class Type : uint8_t {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kArray,
  kMap,
  kUnion,
  kFixed,
};

enum class LogicalKind : uint8_t {
  kNone,
  kDecimal,               // bytes or fixed; precision, scale
  kUuid,                  // string
  kDate,                  // int: days since epoch
  kTimeMillis,            // int
  kTimeMicros,            // long
  kTimestampMillis,       // long, UTC instant
  kTimestampMicros,       // long, UTC instant
  kLocalTimestampMillis,  // long, wall clock
  kLocalTimestampMicros,  // long, wall clock
};

// "long", "record", ...
std::string_view type_name(Type t);
// "timestamp-millis", ...; "" for kNone.
std::string_view logical_name(LogicalKind k);

using NodeId = int32_t;

enum class SortOrder : uint8_t { kAscending, kDescending, kIgnore };

struct RecordField {
  std::string name;
  std::vector<std::string> aliases;
  std::string doc;
  NodeId type = -1;
  // The JSON default, already checked against `type` (for a union: its first branch).
  std::optional<nlohmann::json> default_value;
  SortOrder order = SortOrder::kAscending;
};

struct Node {
  Type type = Type::kNull;
  LogicalKind logical = LogicalKind::kNone;
  int32_t precision = 0;  // decimal
  int32_t scale = 0;      // decimal
  // Named types (record, enum, fixed): full name ("ns.Name"), namespace, full-name aliases, doc.
  std::string name;
  std::string name_space;
  std::vector<std::string> aliases;
  std::string doc;
  std::vector<RecordField> fields;          // record
  std::vector<std::string> symbols;         // enum
  std::optional<std::string> enum_default;  // enum
  int32_t fixed_size = 0;                   // fixed
  std::vector<NodeId> branches;             // union
  NodeId items = -1;                        // array items, map values
  // Extra attributes the spec lets schemas carry (e.g. "connect.name"); kept for to_json().
  nlohmann::json extra = nlohmann::json::object();

  // Short name without namespace.
  std::string_view short_name() const;
};

class Schema {
 public:
  Schema() = default;

  const Node& root() const { return nodes_[static_cast<size_t>(root_)]; }
  NodeId root_id() const { return root_; }
  const Node& node(NodeId id) const { return nodes_[static_cast<size_t>(id)]; }
  size_t num_nodes() const { return nodes_.size(); }
  // A named type by full name (or full-name alias), or -1.
  NodeId find_named(std::string_view full_name) const;
  // True when the schema refers to a named type from inside itself (such schemas have no
  // columnar shape).
  bool is_recursive() const;

  // Full JSON form of the schema (named types written once, then referenced by name). Suitable
  // for registering with a schema registry and re-parsing to an equal schema.
  std::string to_json() const;
  // The spec's Parsing Canonical Form (for fingerprints and schema equality).
  std::string canonical_form() const;
  // The spec's CRC-64-AVRO fingerprint of the canonical form.
  uint64_t fingerprint64() const;

  // Builder access for the parser.
  NodeId add_node(Node n) {
    nodes_.push_back(std::move(n));
    return static_cast<NodeId>(nodes_.size() - 1);
  }
  Node& mutable_node(NodeId id) { return nodes_[static_cast<size_t>(id)]; }
  void set_root(NodeId id) { root_ = id; }

 private:
  std::vector<Node> nodes_;
  NodeId root_ = -1;
};

// Parses a schema from JSON text (an .avsc file's contents, a registry response's "schema" field,
// or an inline string such as "\"long\""). Errors: kInvalidArgument naming the path in the schema.
Result<Schema> parse_schema(std::string_view json);
// Reads and parses an .avsc file; I/O failures are kIoError, parse errors carry the file name.
Result<Schema> parse_schema_file(const std::string& path);

}  // namespace lakestream::avro
