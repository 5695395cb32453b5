// Encodes rows from column buffers: the Dremel shape is walked back into values. Each column
// keeps a cursor (next slot, next value); a node reads the levels at its first column's cursor
// to decide null / empty / which branch, then consumes exactly the slots the decoder would have
// produced for that value.
#include "avro/encoder.h"

#include <fmt/format.h>

#include <map>

#include "avro/columnar_mapping.h"
#include "avro/mapping_util.h"
#include "avro/varint.h"
#include "avro/wire_format.h"

namespace lakestream::avro {

namespace detail {

enum class EncKind : uint8_t {
  kBool,
  kInt32,
  kInt64,
  kFloat,
  kDouble,
  kBytes,
  kFixed,
  kEnum,
  kNullColumn,  // always-null column (null type, or a union of only null)
  kRecord,
  kArray,
  kMap,
  kOptional,  // union with null + one other branch
  kSingle,    // union with one non-null branch and no null
  kGroup,     // union of several non-null branches (and maybe null): member columns
};

struct EncNode {
  EncKind kind = EncKind::kNullColumn;
  uint32_t col = 0;
  uint32_t col_end = 0;
  int16_t def = 0;  // def of a present value at this node's columns
  int16_t rep_level = 0;
  bool levels = false;
  int32_t null_branch = -1;  // union index of null (kOptional, kGroup, kNullColumn in a union)
  int32_t value_branch = -1;
  uint32_t aux = 0;                    // fixed size / enum table
  std::vector<uint32_t> children;      // record fields, group members, array item, map value
  std::vector<int32_t> member_branch;  // kGroup: avro branch index of member k
  std::string path;
};

struct EncodePlan {
  std::vector<EncNode> nodes;
  uint32_t root = 0;
  std::vector<std::map<std::string, int64_t, std::less<>>> enums;
  std::shared_ptr<const columnar::Schema> columns;
};

}  // namespace detail

namespace {

using detail::EncKind;
using detail::EncNode;
using detail::EncodePlan;

class Builder {
 public:
  Builder(const Schema& s, EncodePlan& p) : s_(s), p_(p) {}

  // Builds the node for `id` whose columns start at `col`; returns its index.
  uint32_t build(NodeId id, uint32_t col, int16_t def, int16_t rep, const std::string& path,
                 uint32_t* col_end) {
    const Node& n = s_.node(id);
    EncNode e;
    e.col = col;
    e.def = def;
    e.levels = def > 0 || rep > 0;
    e.path = path.empty() ? "(root)" : path;
    uint32_t c = col;
    switch (n.type) {
      case Type::kNull:
        e.kind = EncKind::kNullColumn;
        c = col + 1;
        break;
      case Type::kBoolean:
        e.kind = EncKind::kBool;
        c = col + 1;
        break;
      case Type::kInt:
        e.kind = EncKind::kInt32;
        c = col + 1;
        break;
      case Type::kLong:
        e.kind = EncKind::kInt64;
        c = col + 1;
        break;
      case Type::kFloat:
        e.kind = EncKind::kFloat;
        c = col + 1;
        break;
      case Type::kDouble:
        e.kind = EncKind::kDouble;
        c = col + 1;
        break;
      case Type::kBytes:
      case Type::kString:
        e.kind = EncKind::kBytes;
        c = col + 1;
        break;
      case Type::kFixed:
        e.kind = EncKind::kFixed;
        e.aux = static_cast<uint32_t>(n.fixed_size);
        c = col + 1;
        break;
      case Type::kEnum: {
        e.kind = EncKind::kEnum;
        std::map<std::string, int64_t, std::less<>> m;
        for (size_t i = 0; i < n.symbols.size(); ++i) m[n.symbols[i]] = static_cast<int64_t>(i);
        p_.enums.push_back(std::move(m));
        e.aux = static_cast<uint32_t>(p_.enums.size() - 1);
        c = col + 1;
        break;
      }
      case Type::kRecord:
        e.kind = EncKind::kRecord;
        for (const auto& f : n.fields) {
          uint32_t end;
          e.children.push_back(
              build(f.type, c, def, rep, path.empty() ? f.name : path + "." + f.name, &end));
          c = end;
        }
        break;
      case Type::kArray:
      case Type::kMap: {
        e.kind = n.type == Type::kArray ? EncKind::kArray : EncKind::kMap;
        e.rep_level = static_cast<int16_t>(rep + 1);
        uint32_t start = col + (n.type == Type::kMap ? 1 : 0);
        uint32_t end;
        e.children.push_back(build(n.items, start, static_cast<int16_t>(def + 1),
                                   static_cast<int16_t>(rep + 1),
                                   path + (n.type == Type::kArray ? "[]" : "{}"), &end));
        c = end;
        break;
      }
      case Type::kUnion: {
        UnionShape u = union_shape(s_, n);
        e.null_branch = u.null_branch;
        if (u.non_null.empty()) {
          e.kind = EncKind::kNullColumn;
          c = col + 1;
        } else if (u.non_null.size() == 1) {
          e.kind = u.has_null ? EncKind::kOptional : EncKind::kSingle;
          e.value_branch = u.non_null[0];
          uint32_t end;
          e.children.push_back(build(n.branches[static_cast<size_t>(u.non_null[0])], col,
                                     u.has_null ? static_cast<int16_t>(def + 1) : def, rep, path,
                                     &end));
          c = end;
        } else {
          e.kind = EncKind::kGroup;
          int16_t group_def = u.has_null ? static_cast<int16_t>(def + 1) : def;
          for (size_t k = 0; k < u.non_null.size(); ++k) {
            uint32_t end;
            e.children.push_back(build(n.branches[static_cast<size_t>(u.non_null[k])], c,
                                       static_cast<int16_t>(group_def + 1), rep,
                                       fmt::format("{}.member{}", path, k), &end));
            e.member_branch.push_back(u.non_null[k]);
            c = end;
          }
          e.def = group_def;
        }
        break;
      }
    }
    e.col_end = c;
    *col_end = c;
    p_.nodes.push_back(std::move(e));
    return static_cast<uint32_t>(p_.nodes.size() - 1);
  }

 private:
  const Schema& s_;
  EncodePlan& p_;
};

// A read-only view of one column with its cursors.
struct Cursor {
  const int16_t* def = nullptr;
  const int16_t* rep = nullptr;
  size_t slots = 0;
  const uint8_t* fixed = nullptr;
  const uint32_t* offsets = nullptr;
  const uint8_t* bytes = nullptr;
  size_t values = 0;
  size_t slot = 0;
  size_t value = 0;
};

class Writer {
 public:
  Writer(const EncodePlan& p, std::vector<Cursor>& cur, Buffer& out)
      : p_(p), cur_(cur), out_(out) {}

  Status bad_levels(const EncNode& n) {
    return invalid_data(
        fmt::format("field '{}': column levels do not describe a valid value", n.path));
  }

  // Def level at the next slot of column c (the caller checks bounds with has_slot).
  bool has_slot(uint32_t c) const { return cur_[c].slot < cur_[c].slots; }
  int16_t peek_def(uint32_t c) const { return cur_[c].def ? cur_[c].def[cur_[c].slot] : 0; }

  // Consumes one null/empty slot in every column of [b, e).
  Status skip_slots(const EncNode& n, uint32_t b, uint32_t e) {
    for (uint32_t c = b; c < e; ++c) {
      if (!has_slot(c)) return bad_levels(n);
      ++cur_[c].slot;
    }
    return Status();
  }

  // Claims the leaf's slot and value; false when the levels or the value count are off.
  bool take_leaf(const EncNode& n, size_t& v) {
    Cursor& c = cur_[n.col];
    if (c.slot >= c.slots || c.value >= c.values) return false;
    if (n.levels && c.def && c.def[c.slot] != n.def) return false;
    ++c.slot;
    v = c.value++;
    return true;
  }

  Status write(uint32_t idx) {
    const EncNode& n = p_.nodes[idx];
    size_t v;
    switch (n.kind) {
      case EncKind::kBool:
        if (!take_leaf(n, v)) return bad_levels(n);
        out_.push_back(cur_[n.col].fixed[v] ? 1 : 0);
        return Status();
      case EncKind::kInt32: {
        if (!take_leaf(n, v)) return bad_levels(n);
        int32_t x;
        std::memcpy(&x, cur_[n.col].fixed + v * 4, 4);
        detail::write_long(out_, x);
        return Status();
      }
      case EncKind::kInt64: {
        if (!take_leaf(n, v)) return bad_levels(n);
        int64_t x;
        std::memcpy(&x, cur_[n.col].fixed + v * 8, 8);
        detail::write_long(out_, x);
        return Status();
      }
      case EncKind::kFloat:
        if (!take_leaf(n, v)) return bad_levels(n);
        out_.append(cur_[n.col].fixed + v * 4, 4);
        return Status();
      case EncKind::kDouble:
        if (!take_leaf(n, v)) return bad_levels(n);
        out_.append(cur_[n.col].fixed + v * 8, 8);
        return Status();
      case EncKind::kBytes: {
        if (!take_leaf(n, v)) return bad_levels(n);
        const Cursor& c = cur_[n.col];
        uint32_t b = c.offsets[v], e = c.offsets[v + 1];
        detail::write_bytes(out_, c.bytes + b, e - b);
        return Status();
      }
      case EncKind::kFixed:
        if (!take_leaf(n, v)) return bad_levels(n);
        out_.append(cur_[n.col].fixed + v * n.aux, n.aux);
        return Status();
      case EncKind::kEnum: {
        if (!take_leaf(n, v)) return bad_levels(n);
        const Cursor& c = cur_[n.col];
        std::string_view sym(reinterpret_cast<const char*>(c.bytes) + c.offsets[v],
                             c.offsets[v + 1] - c.offsets[v]);
        const auto& table = p_.enums[n.aux];
        auto it = table.find(sym);
        if (it == table.end()) {
          return invalid_data(
              fmt::format("field '{}': '{}' is not a symbol of the enum", n.path, sym));
        }
        detail::write_long(out_, it->second);
        return Status();
      }
      case EncKind::kNullColumn:
        if (n.null_branch >= 0) detail::write_long(out_, n.null_branch);
        return skip_slots(n, n.col, n.col + 1);
      case EncKind::kRecord:
        for (uint32_t child : n.children) LS_RETURN_IF_ERROR(write(child));
        return Status();
      case EncKind::kSingle:
        detail::write_long(out_, n.value_branch);
        return write(n.children[0]);
      case EncKind::kOptional: {
        if (!has_slot(n.col)) return bad_levels(n);
        // The first column's def says whether the value under this union is present.
        if (peek_def(n.col) < n.def + 1) {
          detail::write_long(out_, n.null_branch);
          return skip_slots(n, n.col, n.col_end);
        }
        detail::write_long(out_, n.value_branch);
        return write(n.children[0]);
      }
      case EncKind::kGroup: {
        if (!has_slot(n.col)) return bad_levels(n);
        if (n.null_branch >= 0 && peek_def(n.col) < n.def) {
          detail::write_long(out_, n.null_branch);
          return skip_slots(n, n.col, n.col_end);
        }
        int chosen = -1;
        for (size_t k = 0; k < n.children.size() && chosen < 0; ++k) {
          const EncNode& m = p_.nodes[n.children[k]];
          if (!has_slot(m.col)) return bad_levels(n);
          if (peek_def(m.col) > n.def) chosen = static_cast<int>(k);
        }
        if (chosen < 0) {
          return invalid_data(fmt::format("field '{}': union has no member set", n.path));
        }
        for (size_t k = 0; k < n.children.size(); ++k) {
          if (static_cast<int>(k) == chosen) continue;
          const EncNode& m = p_.nodes[n.children[k]];
          LS_RETURN_IF_ERROR(skip_slots(n, m.col, m.col_end));
        }
        detail::write_long(out_, n.member_branch[static_cast<size_t>(chosen)]);
        return write(n.children[static_cast<size_t>(chosen)]);
      }
      case EncKind::kArray:
      case EncKind::kMap: {
        const Cursor& first = cur_[n.col];
        if (!has_slot(n.col)) return bad_levels(n);
        if (first.def[first.slot] <= n.def) {  // empty
          detail::write_long(out_, 0);
          return skip_slots(n, n.col, n.col_end);
        }
        // Items: the first slot plus every later slot of the first column at this rep level,
        // up to the first slot that starts an outer item or row.
        size_t count = 1;
        for (size_t i = first.slot + 1; i < first.slots && first.rep[i] >= n.rep_level; ++i) {
          if (first.rep[i] == n.rep_level) ++count;
        }
        detail::write_long(out_, static_cast<int64_t>(count));
        for (size_t k = 0; k < count; ++k) {
          if (n.kind == EncKind::kMap) {
            Cursor& key = cur_[n.col];
            if (key.slot >= key.slots || key.value >= key.values ||
                key.def[key.slot] != n.def + 1) {
              return bad_levels(n);
            }
            ++key.slot;
            size_t kv = key.value++;
            detail::write_bytes(out_, key.bytes + key.offsets[kv],
                                key.offsets[kv + 1] - key.offsets[kv]);
          }
          LS_RETURN_IF_ERROR(write(n.children[0]));
        }
        detail::write_long(out_, 0);
        return Status();
      }
    }
    return internal_error("unreachable encoder node");
  }

 private:
  const EncodePlan& p_;
  std::vector<Cursor>& cur_;
  Buffer& out_;
};

}  // namespace

Encoder::Encoder(std::unique_ptr<detail::EncodePlan> plan) : plan_(std::move(plan)) {}
Encoder::Encoder(Encoder&&) noexcept = default;
Encoder& Encoder::operator=(Encoder&&) noexcept = default;
Encoder::~Encoder() = default;

Result<Encoder> Encoder::create(const Schema& schema) {
  LS_ASSIGN_OR_RETURN(columnar::Schema cols, to_columnar_schema(schema));
  auto plan = std::make_unique<EncodePlan>();
  plan->columns = std::make_shared<const columnar::Schema>(std::move(cols));
  Builder b(schema, *plan);
  uint32_t end;
  plan->root = b.build(schema.root_id(), 0, 0, 0, "", &end);
  if (end != plan->columns->num_columns()) {
    return internal_error(fmt::format("avro encoder: {} columns laid out, mapping has {}", end,
                                      plan->columns->num_columns()));
  }
  return Encoder(std::move(plan));
}

const std::shared_ptr<const columnar::Schema>& Encoder::columnar_schema() const {
  return plan_->columns;
}

Status Encoder::encode_batch(const columnar::RecordBatch& batch, Buffer& out,
                             std::vector<uint32_t>& row_ends,
                             std::optional<uint32_t> confluent_id) const {
  const columnar::Schema& want = *plan_->columns;
  const size_t n = want.num_columns();
  if (batch.num_columns() < n) {
    return invalid_argument(fmt::format("avro encode: batch has {} columns, the schema needs {}",
                                        batch.num_columns(), n));
  }
  std::vector<Cursor> cur(n);
  for (size_t c = 0; c < n; ++c) {
    const auto& wd = want.columns()[c];
    const auto& col = batch.column(c);
    const auto& bd = col.descriptor();
    if (bd.field->physical != wd.field->physical || bd.max_def != wd.max_def ||
        bd.max_rep != wd.max_rep ||
        (wd.field->physical == columnar::PhysicalType::kFixedLenByteArray &&
         bd.field->fixed_length != wd.field->fixed_length)) {
      return invalid_argument(fmt::format(
          "avro encode: column {} '{}' of the batch does not match the schema's '{}' (type or "
          "nesting differs)",
          c, bd.dotted_path(), wd.dotted_path()));
    }
    Cursor& k = cur[c];
    k.slots = col.num_slots();
    k.values = col.num_values();
    if (bd.max_def > 0) k.def = col.def_levels().data();
    if (bd.max_rep > 0) k.rep = col.rep_levels().data();
    k.fixed = col.fixed().data();
    k.offsets = col.offsets().data();
    k.bytes = col.bytes().data();
    if (bd.max_def > 0 && col.def_levels().size() < k.slots) {
      return invalid_argument(
          fmt::format("avro encode: column '{}' has fewer levels than slots", bd.dotted_path()));
    }
    if (bd.field->physical == columnar::PhysicalType::kByteArray && k.values > 0 &&
        col.offsets().size() < k.values + 1) {
      return invalid_argument(
          fmt::format("avro encode: column '{}' has fewer offsets than values", bd.dotted_path()));
    }
  }
  Writer w(*plan_, cur, out);
  for (size_t row = 0; row < batch.num_rows(); ++row) {
    size_t mark = out.size();
    if (confluent_id) append_confluent_header(*confluent_id, out);
    Status st = w.write(plan_->root);
    if (!st.ok()) {
      out.resize(mark);
      return std::move(st).with_context(fmt::format("avro encode: row {}", row));
    }
    if (out.size() > UINT32_MAX) {
      out.resize(mark);
      return invalid_argument("avro encode: output over 4 GiB; encode smaller batches");
    }
    row_ends.push_back(static_cast<uint32_t>(out.size()));
  }
  return Status();
}

}  // namespace lakestream::avro
