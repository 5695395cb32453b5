#include "avro/schema.h"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

namespace lakestream::avro {

using nlohmann::json;

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBoolean:
      return "boolean";
    case Type::kInt:
      return "int";
    case Type::kLong:
      return "long";
    case Type::kFloat:
      return "float";
    case Type::kDouble:
      return "double";
    case Type::kBytes:
      return "bytes";
    case Type::kString:
      return "string";
    case Type::kRecord:
      return "record";
    case Type::kEnum:
      return "enum";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kUnion:
      return "union";
    case Type::kFixed:
      return "fixed";
  }
  return "?";
}

std::string_view logical_name(LogicalKind k) {
  switch (k) {
    case LogicalKind::kNone:
      return "";
    case LogicalKind::kDecimal:
      return "decimal";
    case LogicalKind::kUuid:
      return "uuid";
    case LogicalKind::kDate:
      return "date";
    case LogicalKind::kTimeMillis:
      return "time-millis";
    case LogicalKind::kTimeMicros:
      return "time-micros";
    case LogicalKind::kTimestampMillis:
      return "timestamp-millis";
    case LogicalKind::kTimestampMicros:
      return "timestamp-micros";
    case LogicalKind::kLocalTimestampMillis:
      return "local-timestamp-millis";
    case LogicalKind::kLocalTimestampMicros:
      return "local-timestamp-micros";
  }
  return "";
}

std::string_view Node::short_name() const {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? std::string_view(name) : std::string_view(name).substr(dot + 1);
}

NodeId Schema::find_named(std::string_view full_name) const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = nodes_[i];
    if (n.type != Type::kRecord && n.type != Type::kEnum && n.type != Type::kFixed) continue;
    if (n.name == full_name) return static_cast<NodeId>(i);
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (const auto& a : nodes_[i].aliases) {
      if (a == full_name) return static_cast<NodeId>(i);
    }
  }
  return -1;
}

namespace {

bool is_primitive(std::string_view s, Type* t) {
  static const std::pair<std::string_view, Type> kPrims[] = {
      {"null", Type::kNull},   {"boolean", Type::kBoolean}, {"int", Type::kInt},
      {"long", Type::kLong},   {"float", Type::kFloat},     {"double", Type::kDouble},
      {"bytes", Type::kBytes}, {"string", Type::kString}};
  for (const auto& [n, ty] : kPrims) {
    if (s == n) {
      *t = ty;
      return true;
    }
  }
  return false;
}

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (!alpha(s[0])) return false;
  for (char c : s) {
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool valid_full_name(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!valid_name(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// Thrown inside the parser only (caught by parse_schema) to unwind with a path-carrying message.
struct SchemaError {
  std::string path;
  std::string message;
};

class Parser {
 public:
  explicit Parser(Schema& s) : s_(s) {}

  NodeId parse(const json& j, const std::string& ns, const std::string& path) {
    if (j.is_string()) return parse_name_ref(j.get<std::string>(), ns, path);
    if (j.is_array()) return parse_union(j, ns, path);
    if (j.is_object()) return parse_object(j, ns, path);
    fail(path, fmt::format("a schema must be a string, an object or an array, not {}", j.dump()));
  }

  [[noreturn]] static void fail(const std::string& path, std::string msg) {
    throw SchemaError{path, std::move(msg)};
  }

 private:
  NodeId parse_name_ref(const std::string& name, const std::string& ns, const std::string& path) {
    Type t;
    if (is_primitive(name, &t)) {
      Node n;
      n.type = t;
      return s_.add_node(std::move(n));
    }
    std::string full = qualify(name, ns);
    auto it = named_.find(full);
    if (it == named_.end() && full != name) it = named_.find(name);
    if (it == named_.end()) fail(path, fmt::format("unknown type name '{}'", name));
    return it->second;
  }

  static std::string qualify(const std::string& name, const std::string& ns) {
    if (name.find('.') != std::string::npos || ns.empty()) return name;
    return ns + "." + name;
  }

  NodeId parse_union(const json& j, const std::string& ns, const std::string& path) {
    Node n;
    n.type = Type::kUnion;
    std::vector<std::string> seen;
    for (size_t i = 0; i < j.size(); ++i) {
      std::string p = fmt::format("{}[{}]", path, i);
      NodeId b = parse(j[i], ns, p);
      const Node& bn = s_.node(b);
      // Checked on the parsed branch, so a union spelled as {"type": [...]} is caught too.
      if (bn.type == Type::kUnion) fail(p, "a union may not immediately contain another union");
      std::string key =
          (bn.type == Type::kRecord || bn.type == Type::kEnum || bn.type == Type::kFixed)
              ? bn.name
              : std::string(type_name(bn.type));
      for (const auto& k : seen) {
        if (k == key) fail(p, fmt::format("duplicate type '{}' in union", key));
      }
      seen.push_back(key);
      n.branches.push_back(b);
    }
    if (n.branches.empty()) fail(path, "a union needs at least one branch");
    return s_.add_node(std::move(n));
  }

  static const json* member(const json& j, const char* key) {
    auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
  }

  std::string get_string(const json& j, const char* key, const std::string& path, bool required) {
    const json* v = member(j, key);
    if (!v) {
      if (required) fail(path, fmt::format("missing \"{}\"", key));
      return {};
    }
    if (!v->is_string()) fail(path + "." + key, "must be a string");
    return v->get<std::string>();
  }

  // Name, namespace and aliases of a named type; registers it before its body is parsed so the
  // body may refer to it.
  NodeId declare_named(Node n, const json& j, const std::string& ns, const std::string& path,
                       std::string* own_ns) {
    std::string name = get_string(j, "name", path, true);
    std::string space = ns;
    if (const json* v = member(j, "namespace")) {
      if (!v->is_string() && !v->is_null()) fail(path + ".namespace", "must be a string");
      space = v->is_string() ? v->get<std::string>() : "";
    }
    std::string full;
    if (name.find('.') != std::string::npos) {
      full = name;
      space = name.substr(0, name.rfind('.'));
    } else {
      full = space.empty() ? name : space + "." + name;
    }
    if (!valid_full_name(full)) fail(path + ".name", fmt::format("invalid name '{}'", full));
    Type dummy;
    if (is_primitive(name, &dummy)) {
      fail(path + ".name", fmt::format("'{}' is a primitive type name", name));
    }
    if (named_.count(full)) fail(path + ".name", fmt::format("type '{}' is defined twice", full));
    n.name = full;
    n.name_space = space;
    if (const json* a = member(j, "aliases")) {
      if (!a->is_array()) fail(path + ".aliases", "must be an array of names");
      for (size_t i = 0; i < a->size(); ++i) {
        if (!(*a)[i].is_string()) fail(fmt::format("{}.aliases[{}]", path, i), "must be a string");
        std::string al = qualify((*a)[i].get<std::string>(), space);
        if (!valid_full_name(al)) {
          fail(fmt::format("{}.aliases[{}]", path, i), fmt::format("invalid name '{}'", al));
        }
        n.aliases.push_back(al);
      }
    }
    if (const json* d = member(j, "doc"); d && d->is_string()) n.doc = d->get<std::string>();
    NodeId id = s_.add_node(std::move(n));
    named_[full] = id;
    *own_ns = space;
    return id;
  }

  void keep_extra(NodeId id, const json& j, std::initializer_list<const char*> known) {
    json extra = json::object();
    for (auto it = j.begin(); it != j.end(); ++it) {
      bool k = false;
      for (const char* kk : known) k = k || it.key() == kk;
      if (!k) extra[it.key()] = it.value();
    }
    s_.mutable_node(id).extra = std::move(extra);
  }

  NodeId parse_object(const json& j, const std::string& ns, const std::string& path) {
    const json* tj = member(j, "type");
    if (!tj) fail(path, "missing \"type\"");
    if (!tj->is_string()) {
      // {"type": {...}} or {"type": [...]}: a wrapped schema.
      return parse(*tj, ns, path + ".type");
    }
    std::string t = tj->get<std::string>();
    Type prim;
    if (is_primitive(t, &prim)) {
      Node n;
      n.type = prim;
      apply_logical(n, j, path);
      NodeId id = s_.add_node(std::move(n));
      keep_extra(id, j, {"type", "logicalType", "precision", "scale"});
      return id;
    }
    if (t == "record" || t == "error") return parse_record(j, ns, path);
    if (t == "enum") return parse_enum(j, ns, path);
    if (t == "fixed") return parse_fixed(j, ns, path);
    if (t == "array" || t == "map") {
      const char* key = t == "array" ? "items" : "values";
      const json* it = member(j, key);
      if (!it) fail(path, fmt::format("{} needs \"{}\"", t, key));
      NodeId child = parse(*it, ns, path + "." + key);
      Node n;
      n.type = t == "array" ? Type::kArray : Type::kMap;
      n.items = child;
      NodeId id = s_.add_node(std::move(n));
      keep_extra(id, j, {"type", key});
      return id;
    }
    // A reference to a named type written as {"type": "Name"}.
    return parse_name_ref(t, ns, path + ".type");
  }

  NodeId parse_record(const json& j, const std::string& ns, const std::string& path) {
    Node n;
    n.type = Type::kRecord;
    std::string own_ns;
    NodeId id = declare_named(std::move(n), j, ns, path, &own_ns);
    const json* fs = member(j, "fields");
    if (!fs || !fs->is_array()) fail(path, "record needs a \"fields\" array");
    std::vector<RecordField> fields;
    for (size_t i = 0; i < fs->size(); ++i) {
      std::string fp = fmt::format("{}.fields[{}]", path == "" ? "" : path, i);
      if (fp.front() == '.') fp.erase(0, 1);
      const json& f = (*fs)[i];
      if (!f.is_object()) fail(fp, "a field must be an object");
      RecordField rf;
      rf.name = get_string(f, "name", fp, true);
      if (!valid_name(rf.name)) fail(fp + ".name", fmt::format("invalid field name '{}'", rf.name));
      for (const auto& other : fields) {
        if (other.name == rf.name) fail(fp + ".name", fmt::format("duplicate field '{}'", rf.name));
      }
      const json* ft = member(f, "type");
      if (!ft) fail(fp, "missing \"type\"");
      rf.type = parse(*ft, own_ns, fp + ".type");
      if (const json* d = member(f, "doc"); d && d->is_string()) rf.doc = d->get<std::string>();
      if (const json* a = member(f, "aliases")) {
        if (!a->is_array()) fail(fp + ".aliases", "must be an array of names");
        for (const auto& al : *a) {
          if (!al.is_string()) fail(fp + ".aliases", "must be an array of names");
          rf.aliases.push_back(al.get<std::string>());
        }
      }
      if (const json* o = member(f, "order")) {
        std::string os = o->is_string() ? o->get<std::string>() : "";
        if (os == "ascending")
          rf.order = SortOrder::kAscending;
        else if (os == "descending")
          rf.order = SortOrder::kDescending;
        else if (os == "ignore")
          rf.order = SortOrder::kIgnore;
        else
          fail(fp + ".order", "must be \"ascending\", \"descending\" or \"ignore\"");
      }
      if (const json* d = member(f, "default")) {
        check_default(rf.type, *d, fp + ".default");
        rf.default_value = *d;
      }
      fields.push_back(std::move(rf));
    }
    s_.mutable_node(id).fields = std::move(fields);
    keep_extra(id, j, {"type", "name", "namespace", "aliases", "doc", "fields"});
    return id;
  }

  NodeId parse_enum(const json& j, const std::string& ns, const std::string& path) {
    Node n;
    n.type = Type::kEnum;
    std::string own_ns;
    NodeId id = declare_named(std::move(n), j, ns, path, &own_ns);
    const json* sy = member(j, "symbols");
    if (!sy || !sy->is_array()) fail(path, "enum needs a \"symbols\" array");
    std::vector<std::string> symbols;
    for (size_t i = 0; i < sy->size(); ++i) {
      std::string sp = fmt::format("{}.symbols[{}]", path, i);
      if (!(*sy)[i].is_string()) fail(sp, "must be a string");
      std::string s = (*sy)[i].get<std::string>();
      if (!valid_name(s)) fail(sp, fmt::format("invalid symbol '{}'", s));
      for (const auto& o : symbols) {
        if (o == s) fail(sp, fmt::format("duplicate symbol '{}'", s));
      }
      symbols.push_back(std::move(s));
    }
    Node& node = s_.mutable_node(id);
    node.symbols = std::move(symbols);
    if (const json* d = member(j, "default")) {
      if (!d->is_string()) fail(path + ".default", "must be a symbol");
      std::string s = d->get<std::string>();
      bool found = false;
      for (const auto& o : node.symbols) found = found || o == s;
      if (!found) fail(path + ".default", fmt::format("'{}' is not one of the symbols", s));
      node.enum_default = s;
    }
    keep_extra(id, j, {"type", "name", "namespace", "aliases", "doc", "symbols", "default"});
    return id;
  }

  NodeId parse_fixed(const json& j, const std::string& ns, const std::string& path) {
    Node n;
    n.type = Type::kFixed;
    const json* sz = member(j, "size");
    if (!sz || !sz->is_number_integer() || sz->get<int64_t>() < 0 ||
        sz->get<int64_t>() > (1 << 30)) {
      fail(path + ".size", "fixed needs a non-negative integer \"size\"");
    }
    n.fixed_size = static_cast<int32_t>(sz->get<int64_t>());
    apply_logical(n, j, path);
    std::string own_ns;
    NodeId id = declare_named(std::move(n), j, ns, path, &own_ns);
    keep_extra(id, j,
               {"type", "name", "namespace", "aliases", "doc", "size", "logicalType", "precision",
                "scale"});
    return id;
  }

  // Per the spec, an invalid logical type is ignored (the node keeps its underlying type).
  static void apply_logical(Node& n, const json& j, const std::string& /*path*/) {
    const json* lt = member(j, "logicalType");
    if (!lt || !lt->is_string()) return;
    std::string l = lt->get<std::string>();
    auto is = [&](Type t) { return n.type == t; };
    if (l == "decimal" && (is(Type::kBytes) || is(Type::kFixed))) {
      const json* p = member(j, "precision");
      const json* s = member(j, "scale");
      if (!p || !p->is_number_integer()) return;
      int64_t precision = p->get<int64_t>();
      int64_t scale = 0;
      if (s) {
        if (!s->is_number_integer()) return;
        scale = s->get<int64_t>();
      }
      if (precision <= 0 || scale < 0 || scale > precision || precision > 1000) return;
      if (is(Type::kFixed)) {
        // Largest precision a two's-complement fixed of this size can hold.
        double max_digits = std::floor(std::log10(2.0) * (8.0 * n.fixed_size - 1));
        if (static_cast<double>(precision) > max_digits) return;
      }
      n.logical = LogicalKind::kDecimal;
      n.precision = static_cast<int32_t>(precision);
      n.scale = static_cast<int32_t>(scale);
    } else if (l == "uuid" && is(Type::kString)) {
      n.logical = LogicalKind::kUuid;
    } else if (l == "date" && is(Type::kInt)) {
      n.logical = LogicalKind::kDate;
    } else if (l == "time-millis" && is(Type::kInt)) {
      n.logical = LogicalKind::kTimeMillis;
    } else if (l == "time-micros" && is(Type::kLong)) {
      n.logical = LogicalKind::kTimeMicros;
    } else if (l == "timestamp-millis" && is(Type::kLong)) {
      n.logical = LogicalKind::kTimestampMillis;
    } else if (l == "timestamp-micros" && is(Type::kLong)) {
      n.logical = LogicalKind::kTimestampMicros;
    } else if (l == "local-timestamp-millis" && is(Type::kLong)) {
      n.logical = LogicalKind::kLocalTimestampMillis;
    } else if (l == "local-timestamp-micros" && is(Type::kLong)) {
      n.logical = LogicalKind::kLocalTimestampMicros;
    }
  }

  void check_default(NodeId id, const json& d, const std::string& path) {
    const Node& n = s_.node(id);
    auto bad = [&](std::string_view want) {
      fail(path, fmt::format("default {} is not a valid {} ({} expected)", d.dump(),
                             type_name(n.type), want));
    };
    switch (n.type) {
      case Type::kNull:
        if (!d.is_null()) bad("null");
        break;
      case Type::kBoolean:
        if (!d.is_boolean()) bad("true or false");
        break;
      case Type::kInt:
        if (!d.is_number_integer() || d.get<int64_t>() < INT32_MIN ||
            d.get<int64_t>() > INT32_MAX) {
          bad("a 32-bit integer");
        }
        break;
      case Type::kLong:
        if (!d.is_number_integer()) bad("an integer");
        break;
      case Type::kFloat:
      case Type::kDouble:
        if (!d.is_number()) bad("a number");
        break;
      case Type::kBytes:
      case Type::kString:
        if (!d.is_string()) bad("a string");
        break;
      case Type::kFixed:
        if (!d.is_string()) bad("a string");
        break;
      case Type::kEnum: {
        if (!d.is_string()) bad("a symbol");
        bool found = false;
        for (const auto& s : n.symbols) found = found || s == d.get<std::string>();
        if (!found) bad("one of the symbols");
        break;
      }
      case Type::kArray:
        if (!d.is_array()) bad("an array");
        for (size_t i = 0; i < d.size(); ++i) {
          check_default(n.items, d[i], fmt::format("{}[{}]", path, i));
        }
        break;
      case Type::kMap:
        if (!d.is_object()) bad("an object");
        for (auto it = d.begin(); it != d.end(); ++it) {
          check_default(n.items, it.value(), fmt::format("{}.{}", path, it.key()));
        }
        break;
      case Type::kUnion:
        check_default(n.branches[0], d, path);
        break;
      case Type::kRecord: {
        if (!d.is_object()) bad("an object");
        // Fields of a record still being parsed (recursive default) are not checked.
        for (const auto& f : n.fields) {
          auto it = d.find(f.name);
          if (it != d.end()) {
            check_default(f.type, *it, path + "." + f.name);
          } else if (!f.default_value) {
            fail(path, fmt::format("default lacks field '{}', which has no default", f.name));
          }
        }
        break;
      }
    }
  }

  Schema& s_;
  std::unordered_map<std::string, NodeId> named_;
};

// ---- writing JSON ----

void write_node(const Schema& s, NodeId id, std::vector<bool>& written, json& out, bool canonical) {
  const Node& n = s.node(id);
  bool named = n.type == Type::kRecord || n.type == Type::kEnum || n.type == Type::kFixed;
  if (named && written[static_cast<size_t>(id)]) {
    out = n.name;
    return;
  }
  if (named) written[static_cast<size_t>(id)] = true;
  switch (n.type) {
    case Type::kUnion: {
      out = json::array();
      for (NodeId b : n.branches) {
        json bj;
        write_node(s, b, written, bj, canonical);
        out.push_back(std::move(bj));
      }
      return;
    }
    case Type::kNull:
    case Type::kBoolean:
    case Type::kInt:
    case Type::kLong:
    case Type::kFloat:
    case Type::kDouble:
    case Type::kBytes:
    case Type::kString:
      if (canonical || (n.logical == LogicalKind::kNone && n.extra.empty())) {
        out = std::string(type_name(n.type));
        return;
      }
      break;
    default:
      break;
  }
  // nlohmann::ordered_json keeps insertion order; we build with json and order keys ourselves
  // below only for the canonical form (which must be key-ordered).
  out = json::object();
  if (named) out["name"] = n.name;
  out["type"] = std::string(type_name(n.type));
  if (n.type == Type::kRecord) {
    json fields = json::array();
    for (const auto& f : n.fields) {
      json fj = json::object();
      fj["name"] = f.name;
      json tj;
      write_node(s, f.type, written, tj, canonical);
      fj["type"] = std::move(tj);
      if (!canonical) {
        if (f.default_value) fj["default"] = *f.default_value;
        if (!f.doc.empty()) fj["doc"] = f.doc;
        if (!f.aliases.empty()) fj["aliases"] = f.aliases;
        if (f.order == SortOrder::kDescending) fj["order"] = "descending";
        if (f.order == SortOrder::kIgnore) fj["order"] = "ignore";
      }
      fields.push_back(std::move(fj));
    }
    out["fields"] = std::move(fields);
  }
  if (n.type == Type::kEnum) {
    out["symbols"] = n.symbols;
    if (!canonical && n.enum_default) out["default"] = *n.enum_default;
  }
  if (n.type == Type::kArray || n.type == Type::kMap) {
    json ij;
    write_node(s, n.items, written, ij, canonical);
    out[n.type == Type::kArray ? "items" : "values"] = std::move(ij);
  }
  if (n.type == Type::kFixed) out["size"] = n.fixed_size;
  if (!canonical) {
    if (n.logical != LogicalKind::kNone) {
      out["logicalType"] = std::string(logical_name(n.logical));
      if (n.logical == LogicalKind::kDecimal) {
        out["precision"] = n.precision;
        out["scale"] = n.scale;
      }
    }
    if (!n.aliases.empty()) out["aliases"] = n.aliases;
    if (!n.doc.empty()) out["doc"] = n.doc;
    for (auto it = n.extra.begin(); it != n.extra.end(); ++it) {
      if (!out.contains(it.key())) out[it.key()] = it.value();
    }
  }
}

// Canonical form needs keys in the order name, type, fields, symbols, items, values, size, which
// nlohmann::json (sorted keys) does not give; so it is printed by hand.
void write_canonical(const Schema& s, NodeId id, std::vector<bool>& written, std::string& out) {
  const Node& n = s.node(id);
  bool named = n.type == Type::kRecord || n.type == Type::kEnum || n.type == Type::kFixed;
  auto str = [&](std::string_view v) { out += json(std::string(v)).dump(); };
  if (named && written[static_cast<size_t>(id)]) {
    str(n.name);
    return;
  }
  if (named) written[static_cast<size_t>(id)] = true;
  switch (n.type) {
    case Type::kUnion:
      out += '[';
      for (size_t i = 0; i < n.branches.size(); ++i) {
        if (i) out += ',';
        write_canonical(s, n.branches[i], written, out);
      }
      out += ']';
      return;
    case Type::kRecord:
      out += "{\"name\":";
      str(n.name);
      out += ",\"type\":\"record\",\"fields\":[";
      for (size_t i = 0; i < n.fields.size(); ++i) {
        if (i) out += ',';
        out += "{\"name\":";
        str(n.fields[i].name);
        out += ",\"type\":";
        write_canonical(s, n.fields[i].type, written, out);
        out += '}';
      }
      out += "]}";
      return;
    case Type::kEnum:
      out += "{\"name\":";
      str(n.name);
      out += ",\"type\":\"enum\",\"symbols\":[";
      for (size_t i = 0; i < n.symbols.size(); ++i) {
        if (i) out += ',';
        str(n.symbols[i]);
      }
      out += "]}";
      return;
    case Type::kFixed:
      out += "{\"name\":";
      str(n.name);
      out += fmt::format(",\"type\":\"fixed\",\"size\":{}}}", n.fixed_size);
      return;
    case Type::kArray:
    case Type::kMap:
      out += n.type == Type::kArray ? "{\"type\":\"array\",\"items\":"
                                    : "{\"type\":\"map\",\"values\":";
      write_canonical(s, n.items, written, out);
      out += '}';
      return;
    default:
      str(type_name(n.type));
      return;
  }
}

bool reaches_self(const Schema& s, NodeId id, std::vector<int>& state) {
  // state: 0 unvisited, 1 on stack, 2 done
  auto& st = state[static_cast<size_t>(id)];
  if (st == 1) return true;
  if (st == 2) return false;
  st = 1;
  const Node& n = s.node(id);
  bool r = false;
  for (const auto& f : n.fields) r = r || reaches_self(s, f.type, state);
  for (NodeId b : n.branches) r = r || reaches_self(s, b, state);
  if (n.items >= 0) r = r || reaches_self(s, n.items, state);
  st = 2;
  return r;
}

}  // namespace

bool Schema::is_recursive() const {
  if (root_ < 0) return false;
  std::vector<int> state(nodes_.size(), 0);
  return reaches_self(*this, root_, state);
}

std::string Schema::to_json() const {
  std::vector<bool> written(nodes_.size(), false);
  json out;
  write_node(*this, root_, written, out, false);
  return out.dump();
}

std::string Schema::canonical_form() const {
  std::vector<bool> written(nodes_.size(), false);
  std::string out;
  write_canonical(*this, root_, written, out);
  return out;
}

uint64_t Schema::fingerprint64() const {
  static const auto table = [] {
    std::array<uint64_t, 256> t{};
    constexpr uint64_t kEmpty = 0xc15d213aa4d7a795ULL;
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t fp = i;
      for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (kEmpty & (0 - (fp & 1)));
      t[i] = fp;
    }
    return t;
  }();
  uint64_t fp = 0xc15d213aa4d7a795ULL;
  for (unsigned char c : canonical_form()) fp = (fp >> 8) ^ table[(fp ^ c) & 0xff];
  return fp;
}

Result<Schema> parse_schema(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    return invalid_argument(fmt::format("schema: not valid JSON at byte {}: {}", e.byte, e.what()));
  } catch (const json::exception& e) {
    // e.g. out_of_range for a number too large for a double (found by fuzz.avro_schema).
    return invalid_argument(fmt::format("schema: not valid JSON: {}", e.what()));
  }
  Schema s;
  Parser p(s);
  try {
    s.set_root(p.parse(j, "", ""));
  } catch (const SchemaError& e) {
    if (e.path.empty()) return invalid_argument("schema: " + e.message);
    return invalid_argument(fmt::format("schema: {}: {}", e.path, e.message));
  } catch (const json::exception& e) {
    return invalid_argument(fmt::format("schema: {}", e.what()));
  }
  return s;
}

Result<Schema> parse_schema_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno_error("cannot open schema file " + path, errno);
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return errno_error("cannot read schema file " + path, errno);
  auto r = parse_schema(ss.str());
  if (!r.ok()) return std::move(r).status().with_context(path);
  return r;
}

}  // namespace lakestream::avro
