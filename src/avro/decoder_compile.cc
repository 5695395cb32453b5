// Compiles a (writer, reader) schema pair into a decode Plan, applying Avro schema resolution.
#include <fmt/format.h>

#include "avro/columnar_mapping.h"
#include "avro/decode_plan.h"
#include "avro/json_datum.h"
#include "avro/mapping_util.h"

namespace lakestream::avro::detail {
namespace {

// Where a reader node's values go: its first leaf column, the def level of a present value at
// this node, and the number of repeated ancestors.
struct Ctx {
  uint32_t col = 0;
  int16_t def = 0;
  int16_t rep = 0;
};

bool is_named(const Node& n) {
  return n.type == Type::kRecord || n.type == Type::kEnum || n.type == Type::kFixed;
}

// Unqualified names match (as the spec says), as do the reader's aliases.
bool names_match(const Node& w, const Node& r) {
  if (w.short_name() == r.short_name()) return true;
  for (const auto& a : r.aliases) {
    if (a == w.name) return true;
    auto dot = a.rfind('.');
    if ((dot == std::string::npos ? a : a.substr(dot + 1)) == w.short_name()) return true;
  }
  return false;
}

class Compiler {
 public:
  Compiler(const Schema& w, const Schema& r, Plan& plan) : w_(w), r_(r), p_(plan) {}

  // Number of leaf columns of a reader node (same walk as columnar_mapping.cc).
  uint32_t leaves(NodeId id) const {
    const Node& n = r_.node(id);
    switch (n.type) {
      case Type::kRecord: {
        uint32_t k = 0;
        for (const auto& f : n.fields) k += leaves(f.type);
        return k;
      }
      case Type::kArray:
        return leaves(n.items);
      case Type::kMap:
        return 1 + leaves(n.items);
      case Type::kUnion: {
        UnionShape u = union_shape(r_, n);
        if (u.non_null.empty()) return 1;
        if (u.non_null.size() == 1) return leaves(n.branches[u.non_null[0]]);
        uint32_t k = 0;
        for (int b : u.non_null) k += leaves(n.branches[b]);
        return k;
      }
      default:
        return 1;
    }
  }

  uint32_t name(std::string path) {
    p_.names.push_back(std::move(path));
    return static_cast<uint32_t>(p_.names.size() - 1);
  }

  uint32_t emit(Op op) {
    p_.ops.push_back(op);
    uint32_t i = static_cast<uint32_t>(p_.ops.size() - 1);
    p_.ops[i].next = i + 1;
    return i;
  }

  void emit_fill(uint32_t col, uint32_t col_end, int16_t def, uint32_t nm) {
    if (col == col_end) return;
    Op op{OpCode::kFillNull};
    op.col = col;
    op.col_end = col_end;
    op.def = def;
    op.name = nm;
    emit(op);
  }

  // Does writer node w resolve to reader node r (used to pick union branches)?
  bool matches(NodeId wi, NodeId ri, bool exact) const {
    const Node& w = w_.node(wi);
    const Node& r = r_.node(ri);
    if (w.type == r.type) {
      if (is_named(w) && !names_match(w, r)) return false;
      if (w.type == Type::kFixed && w.fixed_size != r.fixed_size) return false;
      if (w.type == Type::kArray || w.type == Type::kMap) return matches(w.items, r.items, false);
      return true;
    }
    if (exact) return false;
    switch (w.type) {
      case Type::kInt:
        return r.type == Type::kLong || r.type == Type::kFloat || r.type == Type::kDouble;
      case Type::kLong:
        return r.type == Type::kFloat || r.type == Type::kDouble;
      case Type::kFloat:
        return r.type == Type::kDouble;
      case Type::kString:
        return r.type == Type::kBytes;
      case Type::kBytes:
        return r.type == Type::kString;
      default:
        return false;
    }
  }

  // Compiles reading writer node `wi` into reader node `ri` at `ctx`.
  Status resolve(NodeId wi, NodeId ri, Ctx ctx, const std::string& path) {
    const Node& w = w_.node(wi);
    const Node& r = r_.node(ri);
    if (w.type == Type::kUnion) return resolve_writer_union(wi, ri, ctx, path);
    if (r.type == Type::kUnion) return resolve_reader_union(wi, ri, ctx, path);
    auto mismatch = [&]() {
      return invalid_argument(fmt::format("{}: writer type {} cannot be read as {}",
                                          path_or_root(path), describe(w), describe(r)));
    };
    Op op{};
    op.col = ctx.col;
    op.def = ctx.def;
    op.levels = ctx.def > 0 || ctx.rep > 0;
    op.name = name(path);
    switch (r.type) {
      case Type::kNull:
        if (w.type != Type::kNull) return mismatch();
        emit_fill(ctx.col, ctx.col + 1, ctx.def, op.name);
        return Status();
      case Type::kBoolean:
        if (w.type != Type::kBoolean) return mismatch();
        op.code = OpCode::kBool;
        break;
      case Type::kInt:
        if (w.type != Type::kInt) return mismatch();
        op.code = OpCode::kIntToI32;
        break;
      case Type::kLong:
        if (w.type == Type::kInt)
          op.code = OpCode::kIntToI64;
        else if (w.type == Type::kLong)
          op.code = OpCode::kLongToI64;
        else
          return mismatch();
        break;
      case Type::kFloat:
        if (w.type == Type::kInt)
          op.code = OpCode::kIntToF32;
        else if (w.type == Type::kLong)
          op.code = OpCode::kLongToF32;
        else if (w.type == Type::kFloat)
          op.code = OpCode::kFloatToF32;
        else
          return mismatch();
        break;
      case Type::kDouble:
        if (w.type == Type::kInt)
          op.code = OpCode::kIntToF64;
        else if (w.type == Type::kLong)
          op.code = OpCode::kLongToF64;
        else if (w.type == Type::kFloat)
          op.code = OpCode::kFloatToF64;
        else if (w.type == Type::kDouble)
          op.code = OpCode::kDoubleToF64;
        else
          return mismatch();
        break;
      case Type::kString:
      case Type::kBytes:
        if (w.type != Type::kString && w.type != Type::kBytes) return mismatch();
        op.code = OpCode::kBytes;
        op.utf8 = r.type == Type::kString && p_.options.validate_utf8;
        break;
      case Type::kFixed:
        if (w.type != Type::kFixed || !names_match(w, r)) return mismatch();
        if (w.fixed_size != r.fixed_size) {
          return invalid_argument(
              fmt::format("{}: fixed '{}' has size {} in the writer, {} in the reader",
                          path_or_root(path), r.name, w.fixed_size, r.fixed_size));
        }
        op.code = OpCode::kFixed;
        op.aux = static_cast<uint32_t>(r.fixed_size);
        break;
      case Type::kEnum: {
        if (w.type != Type::kEnum || !names_match(w, r)) return mismatch();
        EnumTable t;
        t.reader_symbols = r.symbols;
        int32_t dflt = -1;
        for (size_t j = 0; j < r.symbols.size(); ++j) {
          if (r.enum_default && r.symbols[j] == *r.enum_default) dflt = static_cast<int32_t>(j);
        }
        for (const auto& ws : w.symbols) {
          int32_t k = dflt;
          for (size_t j = 0; j < r.symbols.size(); ++j) {
            if (r.symbols[j] == ws) k = static_cast<int32_t>(j);
          }
          t.writer_to_reader.push_back(k);
        }
        p_.enums.push_back(std::move(t));
        op.code = OpCode::kEnum;
        op.aux = static_cast<uint32_t>(p_.enums.size() - 1);
        break;
      }
      case Type::kRecord:
        if (w.type != Type::kRecord || !names_match(w, r)) return mismatch();
        return resolve_record(wi, ri, ctx, path);
      case Type::kArray:
      case Type::kMap: {
        if (w.type != r.type) return mismatch();
        op.code = r.type == Type::kArray ? OpCode::kArray : OpCode::kMap;
        op.col_end = ctx.col + leaves(ri);
        op.rep_level = static_cast<int16_t>(ctx.rep + 1);
        op.zero_size_items = r.type == Type::kArray && min_size(w.items) == 0;
        uint32_t at = emit(op);
        Ctx inner{ctx.col, static_cast<int16_t>(ctx.def + 1), static_cast<int16_t>(ctx.rep + 1)};
        p_.ops[at].body_begin = static_cast<uint32_t>(p_.ops.size());
        if (r.type == Type::kMap) {
          Op key{OpCode::kBytes};
          key.col = inner.col;
          key.def = inner.def;
          key.levels = true;
          key.utf8 = p_.options.validate_utf8;
          key.name = name(path + "{key}");
          emit(key);
          inner.col += 1;
        }
        LS_RETURN_IF_ERROR(
            resolve(w.items, r.items, inner, path + (r.type == Type::kArray ? "[]" : "{}")));
        p_.ops[at].body_end = static_cast<uint32_t>(p_.ops.size());
        p_.ops[at].next = p_.ops[at].body_end;
        return Status();
      }
      case Type::kUnion:
        break;  // handled above
    }
    emit(op);
    return Status();
  }

  static std::string path_or_root(const std::string& p) { return p.empty() ? "(root)" : p; }

  std::string describe(const Node& n) const {
    if (is_named(n)) return fmt::format("{} '{}'", type_name(n.type), n.name);
    return std::string(type_name(n.type));
  }

  // Smallest encoding of a writer value (0 for null, empty records, fixed(0)).
  size_t min_size(NodeId wi) const {
    const Node& n = w_.node(wi);
    switch (n.type) {
      case Type::kNull:
        return 0;
      case Type::kFixed:
        return static_cast<size_t>(n.fixed_size);
      case Type::kRecord: {
        size_t k = 0;
        for (const auto& f : n.fields) k += min_size(f.type);
        return k;
      }
      default:
        return 1;
    }
  }

  Status resolve_record(NodeId wi, NodeId ri, Ctx ctx, const std::string& path) {
    const Node& w = w_.node(wi);
    const Node& r = r_.node(ri);
    std::vector<uint32_t> first_col(r.fields.size());
    uint32_t c = ctx.col;
    for (size_t j = 0; j < r.fields.size(); ++j) {
      first_col[j] = c;
      c += leaves(r.fields[j].type);
    }
    std::vector<bool> taken(r.fields.size(), false);
    auto sub = [&](const std::string& f) { return path.empty() ? f : path + "." + f; };
    for (const auto& wf : w.fields) {
      int match = -1;
      for (size_t j = 0; j < r.fields.size() && match < 0; ++j) {
        if (r.fields[j].name == wf.name) match = static_cast<int>(j);
      }
      for (size_t j = 0; j < r.fields.size() && match < 0; ++j) {
        for (const auto& a : r.fields[j].aliases) {
          if (a == wf.name) match = static_cast<int>(j);
        }
      }
      if (match < 0) {
        LS_RETURN_IF_ERROR(skip(wf.type, sub(wf.name)));
        continue;
      }
      taken[static_cast<size_t>(match)] = true;
      const auto& rf = r.fields[static_cast<size_t>(match)];
      Ctx fc{first_col[static_cast<size_t>(match)], ctx.def, ctx.rep};
      LS_RETURN_IF_ERROR(resolve(wf.type, rf.type, fc, sub(rf.name)));
    }
    for (size_t j = 0; j < r.fields.size(); ++j) {
      if (taken[j]) continue;
      const auto& rf = r.fields[j];
      if (!rf.default_value) {
        return invalid_argument(fmt::format(
            "{}: reader field '{}' is missing from the writer schema and has no default",
            path_or_root(path), rf.name));
      }
      Buffer bytes;
      LS_RETURN_IF_ERROR_CTX(
          encode_json_value(r_, rf.type, *rf.default_value, JsonForm::kDefault, bytes),
          sub(rf.name) + " default");
      p_.defaults.push_back(std::move(bytes));
      Op op{OpCode::kDefault};
      op.aux = static_cast<uint32_t>(p_.defaults.size() - 1);
      op.name = name(sub(rf.name));
      uint32_t at = emit(op);
      p_.ops[at].body_begin = static_cast<uint32_t>(p_.ops.size());
      // The default is reader data: resolve the reader type against itself.
      Compiler self(r_, r_, p_);
      LS_RETURN_IF_ERROR(
          self.resolve(rf.type, rf.type, Ctx{first_col[j], ctx.def, ctx.rep}, sub(rf.name)));
      p_.ops[at].body_end = static_cast<uint32_t>(p_.ops.size());
      p_.ops[at].next = p_.ops[at].body_end;
    }
    return Status();
  }

  // Writer union: decode the branch index, then the branch's ops.
  Status resolve_writer_union(NodeId wi, NodeId ri, Ctx ctx, const std::string& path) {
    const Node& w = w_.node(wi);
    Op op{OpCode::kUnion};
    op.name = name(path);
    op.count = static_cast<uint32_t>(w.branches.size());
    op.aux = static_cast<uint32_t>(p_.branches.size());
    p_.branches.resize(p_.branches.size() + w.branches.size());
    uint32_t at = emit(op);
    size_t failures = 0;
    Status last;
    for (size_t b = 0; b < w.branches.size(); ++b) {
      BranchRange range;
      range.begin = static_cast<uint32_t>(p_.ops.size());
      size_t mark_ops = p_.ops.size();
      Status st = resolve(w.branches[b], ri, ctx, path);
      if (!st.ok()) {
        // Reading this branch is an error only if a datum actually takes it.
        p_.ops.resize(mark_ops);
        ++failures;
        last = st;
        p_.messages.push_back(
            fmt::format("writer union branch {} ({}) has no match in the reader "
                        "schema: {}",
                        b, describe(w_.node(w.branches[b])), st.message()));
        Op err{OpCode::kError};
        err.aux = static_cast<uint32_t>(p_.messages.size() - 1);
        err.name = op.name;
        emit(err);
      }
      range.end = static_cast<uint32_t>(p_.ops.size());
      p_.branches[op.aux + b] = range;
    }
    if (failures == w.branches.size()) return last;
    p_.ops[at].next = static_cast<uint32_t>(p_.ops.size());
    return Status();
  }

  // Writer non-union read into a reader union: pick the reader branch, lay out its columns.
  Status resolve_reader_union(NodeId wi, NodeId ri, Ctx ctx, const std::string& path) {
    const Node& r = r_.node(ri);
    int rb = -1;
    for (int pass = 0; pass < 2 && rb < 0; ++pass) {
      for (size_t b = 0; b < r.branches.size() && rb < 0; ++b) {
        if (matches(wi, r.branches[b], pass == 0)) rb = static_cast<int>(b);
      }
    }
    if (rb < 0) {
      return invalid_argument(
          fmt::format("{}: writer type {} matches no branch of the reader union",
                      path_or_root(path), describe(w_.node(wi))));
    }
    UnionShape u = union_shape(r_, r);
    uint32_t nm = name(path);
    if (u.non_null.empty()) {  // a union of only null: one always-null column
      emit_fill(ctx.col, ctx.col + 1, ctx.def, nm);
      return Status();
    }
    if (u.non_null.size() == 1) {
      if (rb == u.null_branch) {
        emit_fill(ctx.col, ctx.col + leaves(ri), ctx.def, nm);
        return Status();
      }
      Ctx inner = ctx;
      if (u.has_null) inner.def = static_cast<int16_t>(ctx.def + 1);
      return resolve(wi, r.branches[static_cast<size_t>(rb)], inner, path);
    }
    // Group of members: member k present, the others null inside the present group.
    int16_t group_def = u.has_null ? static_cast<int16_t>(ctx.def + 1) : ctx.def;
    if (rb == u.null_branch) {
      emit_fill(ctx.col, ctx.col + leaves(ri), ctx.def, nm);
      return Status();
    }
    uint32_t c = ctx.col;
    for (size_t k = 0; k < u.non_null.size(); ++k) {
      NodeId mb = r.branches[static_cast<size_t>(u.non_null[k])];
      uint32_t n = leaves(mb);
      if (u.non_null[k] == rb) {
        Ctx inner{c, static_cast<int16_t>(group_def + 1), ctx.rep};
        LS_RETURN_IF_ERROR(resolve(wi, mb, inner, fmt::format("{}.member{}", path, k)));
      } else {
        emit_fill(c, c + n, group_def, nm);
      }
      c += n;
    }
    return Status();
  }

  // Ops that consume a writer value without producing columns.
  Status skip(NodeId wi, const std::string& path) {
    const Node& w = w_.node(wi);
    Op op{};
    op.name = name(path);
    switch (w.type) {
      case Type::kNull:
        return Status();
      case Type::kBoolean:
        op.code = OpCode::kSkipBool;
        break;
      case Type::kInt:
      case Type::kLong:
      case Type::kEnum:
        op.code = OpCode::kSkipVarint;
        break;
      case Type::kFloat:
        op.code = OpCode::kSkipFloat;
        break;
      case Type::kDouble:
        op.code = OpCode::kSkipDouble;
        break;
      case Type::kBytes:
      case Type::kString:
        op.code = OpCode::kSkipBytes;
        break;
      case Type::kFixed:
        op.code = OpCode::kSkipFixed;
        op.aux = static_cast<uint32_t>(w.fixed_size);
        break;
      case Type::kRecord:
        for (const auto& f : w.fields) LS_RETURN_IF_ERROR(skip(f.type, path + "." + f.name));
        return Status();
      case Type::kArray:
      case Type::kMap: {
        op.code = w.type == Type::kArray ? OpCode::kSkipArray : OpCode::kSkipMap;
        op.zero_size_items = w.type == Type::kArray && min_size(w.items) == 0;
        uint32_t at = emit(op);
        p_.ops[at].body_begin = static_cast<uint32_t>(p_.ops.size());
        LS_RETURN_IF_ERROR(skip(w.items, path + "[]"));
        p_.ops[at].body_end = static_cast<uint32_t>(p_.ops.size());
        p_.ops[at].next = p_.ops[at].body_end;
        return Status();
      }
      case Type::kUnion: {
        op.code = OpCode::kSkipUnion;
        op.count = static_cast<uint32_t>(w.branches.size());
        op.aux = static_cast<uint32_t>(p_.branches.size());
        p_.branches.resize(p_.branches.size() + w.branches.size());
        uint32_t at = emit(op);
        for (size_t b = 0; b < w.branches.size(); ++b) {
          BranchRange range;
          range.begin = static_cast<uint32_t>(p_.ops.size());
          LS_RETURN_IF_ERROR(skip(w.branches[b], path));
          range.end = static_cast<uint32_t>(p_.ops.size());
          p_.branches[op.aux + b] = range;
        }
        p_.ops[at].next = static_cast<uint32_t>(p_.ops.size());
        return Status();
      }
    }
    emit(op);
    return Status();
  }

 private:
  const Schema& w_;
  const Schema& r_;
  Plan& p_;
};

}  // namespace

Result<std::unique_ptr<Plan>> compile_plan(const Schema& writer, const Schema& reader,
                                           const DecoderOptions& options) {
  LS_ASSIGN_OR_RETURN(columnar::Schema cols, to_columnar_schema(reader));
  if (writer.root_id() < 0) return invalid_argument("empty writer schema");
  if (writer.is_recursive()) {
    return invalid_argument("writer schema is recursive; recursive types are not supported");
  }
  auto plan = std::make_unique<Plan>();
  plan->options = options;
  plan->num_columns = cols.num_columns();
  plan->columns = std::make_shared<const columnar::Schema>(std::move(cols));
  Compiler c(writer, reader, *plan);
  // Top-level records resolve whatever their names (as Java's resolver does): a registry's
  // writer schema is often named differently from the configured one (e.g. Spark's
  // "topLevelRecord"). Nested named types still have to match by name or alias.
  if (writer.root().type == Type::kRecord && reader.root().type == Type::kRecord) {
    LS_RETURN_IF_ERROR_CTX(c.resolve_record(writer.root_id(), reader.root_id(), Ctx{}, ""),
                           "avro schema resolution");
  } else {
    LS_RETURN_IF_ERROR_CTX(c.resolve(writer.root_id(), reader.root_id(), Ctx{}, ""),
                           "avro schema resolution");
  }
  plan->root_end = static_cast<uint32_t>(plan->ops.size());
  return plan;
}

}  // namespace lakestream::avro::detail
