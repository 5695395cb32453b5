#include "avro/columnar_mapping.h"

#include <fmt/format.h>

#include "avro/mapping_util.h"

namespace lakestream::avro {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;

namespace {

Field leaf_for(const Node& n, std::string name) {
  Field f;
  f.name = std::move(name);
  switch (n.type) {
    case Type::kNull:
      f.physical = PhysicalType::kInt32;
      f.repetition = Repetition::kOptional;
      break;
    case Type::kBoolean:
      f.physical = PhysicalType::kBoolean;
      break;
    case Type::kInt:
      f.physical = PhysicalType::kInt32;
      if (n.logical == LogicalKind::kDate) f.logical = LogicalType::kDate;
      if (n.logical == LogicalKind::kTimeMillis) {
        f.logical = LogicalType::kTimeMillis;
        f.utc_adjusted = true;
      }
      break;
    case Type::kLong:
      f.physical = PhysicalType::kInt64;
      switch (n.logical) {
        case LogicalKind::kTimeMicros:
          f.logical = LogicalType::kTimeMicros;
          break;
        case LogicalKind::kTimestampMillis:
          f.logical = LogicalType::kTimestampMillis;
          break;
        case LogicalKind::kTimestampMicros:
          f.logical = LogicalType::kTimestampMicros;
          break;
        case LogicalKind::kLocalTimestampMillis:
          f.logical = LogicalType::kTimestampMillis;
          f.utc_adjusted = false;
          break;
        case LogicalKind::kLocalTimestampMicros:
          f.logical = LogicalType::kTimestampMicros;
          f.utc_adjusted = false;
          break;
        default:
          break;
      }
      break;
    case Type::kFloat:
      f.physical = PhysicalType::kFloat;
      break;
    case Type::kDouble:
      f.physical = PhysicalType::kDouble;
      break;
    case Type::kString:
      f.physical = PhysicalType::kByteArray;
      f.logical = LogicalType::kString;
      break;
    case Type::kBytes:
      f.physical = PhysicalType::kByteArray;
      break;
    case Type::kEnum:
      f.physical = PhysicalType::kByteArray;
      f.logical = LogicalType::kEnum;
      break;
    case Type::kFixed:
      f.physical = PhysicalType::kFixedLenByteArray;
      f.fixed_length = n.fixed_size;
      break;
    default:
      break;
  }
  if (n.logical == LogicalKind::kDecimal) {
    f.logical = LogicalType::kDecimal;
    f.precision = n.precision;
    f.scale = n.scale;
  }
  return f;
}

Result<Field> field_for(const Schema& s, NodeId id, std::string name, const std::string& path) {
  const Node& n = s.node(id);
  switch (n.type) {
    case Type::kRecord: {
      std::vector<Field> kids;
      for (size_t i = 0; i < n.fields.size(); ++i) {
        LS_ASSIGN_OR_RETURN(Field k, field_for(s, n.fields[i].type, n.fields[i].name,
                                               fmt::format("{}.{}", path, n.fields[i].name)));
        kids.push_back(std::move(k));
      }
      return Field::group_of(std::move(name), std::move(kids));
    }
    case Type::kArray: {
      LS_ASSIGN_OR_RETURN(Field e, field_for(s, n.items, "element", path + "[]"));
      return Field::list_of(std::move(name), std::move(e), Repetition::kRequired);
    }
    case Type::kMap: {
      Field key =
          Field::leaf("key", PhysicalType::kByteArray, Repetition::kRequired, LogicalType::kString);
      LS_ASSIGN_OR_RETURN(Field v, field_for(s, n.items, "value", path + "{}"));
      return Field::map_of(std::move(name), std::move(key), std::move(v), Repetition::kRequired);
    }
    case Type::kUnion: {
      UnionShape u = union_shape(s, n);
      if (u.non_null.size() == 1 && !u.has_null) {
        return field_for(s, n.branches[u.non_null[0]], std::move(name), path);
      }
      if (u.non_null.empty()) {
        Node null_node;
        return leaf_for(null_node, std::move(name));
      }
      if (u.non_null.size() == 1) {
        LS_ASSIGN_OR_RETURN(Field f,
                            field_for(s, n.branches[u.non_null[0]], std::move(name), path));
        f.repetition = Repetition::kOptional;
        return f;
      }
      std::vector<Field> members;
      for (size_t k = 0; k < u.non_null.size(); ++k) {
        LS_ASSIGN_OR_RETURN(Field m,
                            field_for(s, n.branches[u.non_null[k]], fmt::format("member{}", k),
                                      fmt::format("{}.member{}", path, k)));
        m.repetition = Repetition::kOptional;
        members.push_back(std::move(m));
      }
      return Field::group_of(std::move(name), std::move(members),
                             u.has_null ? Repetition::kOptional : Repetition::kRequired);
    }
    default:
      return leaf_for(n, std::move(name));
  }
}

}  // namespace

UnionShape union_shape(const Schema& s, const Node& u) {
  UnionShape out;
  for (size_t i = 0; i < u.branches.size(); ++i) {
    if (s.node(u.branches[i]).type == Type::kNull) {
      out.has_null = true;
      out.null_branch = static_cast<int>(i);
    } else {
      out.non_null.push_back(static_cast<int>(i));
    }
  }
  return out;
}

Result<columnar::Field> to_columnar_field(const Schema& schema, NodeId node, std::string name) {
  if (schema.is_recursive()) {
    return invalid_argument("avro schema is recursive; recursive types have no columnar shape");
  }
  std::string path = name;
  return field_for(schema, node, std::move(name), path);
}

Result<columnar::Schema> to_columnar_schema(const Schema& schema) {
  if (schema.root_id() < 0) return invalid_argument("empty avro schema");
  const Node& root = schema.root();
  if (root.type != Type::kRecord) {
    return invalid_argument(fmt::format(
        "avro schema root must be a record to become columns, not {}", type_name(root.type)));
  }
  if (schema.is_recursive()) {
    return invalid_argument(fmt::format(
        "avro schema '{}' is recursive; recursive types have no columnar shape", root.name));
  }
  std::vector<Field> fields;
  for (const auto& f : root.fields) {
    LS_ASSIGN_OR_RETURN(Field c, field_for(schema, f.type, f.name, f.name));
    fields.push_back(std::move(c));
  }
  return columnar::Schema(std::string(root.short_name()), std::move(fields));
}

}  // namespace lakestream::avro
