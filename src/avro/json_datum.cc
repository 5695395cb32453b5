#include "avro/json_datum.h"

#include <fmt/format.h>

#include <cmath>

#include "avro/varint.h"

namespace lakestream::avro {

using nlohmann::json;

namespace {

// JSON strings carry bytes as code points 0-255 (so UTF-8 decode them first).
Status string_to_bytes(const std::string& s, std::string& out, const std::string& path) {
  out.clear();
  for (size_t i = 0; i < s.size();) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) {
      uint32_t cp = ((c & 0x1Fu) << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3Fu);
      if (cp > 0xFF) {
        return invalid_argument(
            fmt::format("{}: byte string has code point U+{:04X} > U+00FF", path, cp));
      }
      out.push_back(static_cast<char>(cp));
      i += 2;
    } else {
      return invalid_argument(path + ": byte string has a code point > U+00FF");
    }
  }
  return Status();
}

std::string branch_name(const Node& n) {
  if (n.type == Type::kRecord || n.type == Type::kEnum || n.type == Type::kFixed) return n.name;
  return std::string(type_name(n.type));
}

Status encode(const Schema& s, NodeId id, const json& v, JsonForm form, Buffer& out,
              const std::string& path) {
  const Node& n = s.node(id);
  auto want = [&](std::string_view what) {
    return invalid_argument(
        fmt::format("{}: expected {} for {}, got {}", path, what, type_name(n.type), v.dump()));
  };
  switch (n.type) {
    case Type::kNull:
      if (!v.is_null()) return want("null");
      return Status();
    case Type::kBoolean:
      if (!v.is_boolean()) return want("true/false");
      out.push_back(v.get<bool>() ? 1 : 0);
      return Status();
    case Type::kInt:
      if (!v.is_number_integer()) return want("an integer");
      if (v.get<int64_t>() < INT32_MIN || v.get<int64_t>() > INT32_MAX) return want("an int");
      detail::write_long(out, v.get<int64_t>());
      return Status();
    case Type::kLong:
      if (!v.is_number_integer()) return want("an integer");
      detail::write_long(out, v.get<int64_t>());
      return Status();
    case Type::kFloat:
    case Type::kDouble: {
      double d;
      if (v.is_number()) {
        d = v.get<double>();
      } else if (v == "NaN") {
        d = std::nan("");
      } else if (v == "Infinity") {
        d = INFINITY;
      } else if (v == "-Infinity") {
        d = -INFINITY;
      } else {
        return want("a number");
      }
      if (n.type == Type::kFloat) {
        out.append_value(static_cast<float>(d));
      } else {
        out.append_value(d);
      }
      return Status();
    }
    case Type::kString:
      if (!v.is_string()) return want("a string");
      detail::write_bytes(out, v.get_ref<const std::string&>().data(),
                          v.get_ref<const std::string&>().size());
      return Status();
    case Type::kBytes:
    case Type::kFixed: {
      if (!v.is_string()) return want("a string of bytes");
      std::string b;
      LS_RETURN_IF_ERROR(string_to_bytes(v.get<std::string>(), b, path));
      if (n.type == Type::kBytes) {
        detail::write_bytes(out, b.data(), b.size());
      } else {
        if (b.size() != static_cast<size_t>(n.fixed_size)) {
          return invalid_argument(fmt::format("{}: fixed '{}' needs {} bytes, got {}", path, n.name,
                                              n.fixed_size, b.size()));
        }
        out.append(b.data(), b.size());
      }
      return Status();
    }
    case Type::kEnum: {
      if (!v.is_string()) return want("a symbol");
      for (size_t i = 0; i < n.symbols.size(); ++i) {
        if (n.symbols[i] == v.get<std::string>()) {
          detail::write_long(out, static_cast<int64_t>(i));
          return Status();
        }
      }
      return want("one of the symbols");
    }
    case Type::kArray:
      if (!v.is_array()) return want("an array");
      if (!v.empty()) {
        detail::write_long(out, static_cast<int64_t>(v.size()));
        for (size_t i = 0; i < v.size(); ++i) {
          LS_RETURN_IF_ERROR(encode(s, n.items, v[i], form, out, fmt::format("{}[{}]", path, i)));
        }
      }
      detail::write_long(out, 0);
      return Status();
    case Type::kMap:
      if (!v.is_object()) return want("an object");
      if (!v.empty()) {
        detail::write_long(out, static_cast<int64_t>(v.size()));
        for (auto it = v.begin(); it != v.end(); ++it) {
          detail::write_bytes(out, it.key().data(), it.key().size());
          LS_RETURN_IF_ERROR(encode(s, n.items, it.value(), form, out, path + "." + it.key()));
        }
      }
      detail::write_long(out, 0);
      return Status();
    case Type::kRecord: {
      if (!v.is_object()) return want("an object");
      for (const auto& f : n.fields) {
        auto it = v.find(f.name);
        const json* fv = nullptr;
        if (it != v.end()) {
          fv = &*it;
        } else if (f.default_value) {
          // Defaults are always in the default form.
          LS_RETURN_IF_ERROR(
              encode(s, f.type, *f.default_value, JsonForm::kDefault, out, path + "." + f.name));
          continue;
        } else {
          return invalid_argument(fmt::format("{}: missing field '{}'", path, f.name));
        }
        LS_RETURN_IF_ERROR(encode(s, f.type, *fv, form, out, path + "." + f.name));
      }
      return Status();
    }
    case Type::kUnion: {
      if (form == JsonForm::kDefault) {
        detail::write_long(out, 0);
        return encode(s, n.branches[0], v, form, out, path);
      }
      if (v.is_null()) {
        for (size_t i = 0; i < n.branches.size(); ++i) {
          if (s.node(n.branches[i]).type == Type::kNull) {
            detail::write_long(out, static_cast<int64_t>(i));
            return Status();
          }
        }
        return want("a non-null value (union has no null)");
      }
      if (!v.is_object() || v.size() != 1) return want("{\"<branch type>\": value}");
      const std::string& key = v.begin().key();
      for (size_t i = 0; i < n.branches.size(); ++i) {
        const Node& b = s.node(n.branches[i]);
        if (branch_name(b) == key || (!b.name.empty() && b.short_name() == key)) {
          detail::write_long(out, static_cast<int64_t>(i));
          return encode(s, n.branches[i], v.begin().value(), form, out, path + "." + key);
        }
      }
      return invalid_argument(fmt::format("{}: union has no branch '{}'", path, key));
    }
  }
  return internal_error("unreachable");
}

}  // namespace

Status encode_json_value(const Schema& schema, NodeId node, const json& value, JsonForm form,
                         Buffer& out) {
  size_t mark = out.size();
  Status st = encode(schema, node, value, form, out, "value");
  if (!st.ok()) out.resize(mark);
  return st;
}

}  // namespace lakestream::avro
