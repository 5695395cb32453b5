#include "columnar/schema.h"

#include <sstream>

namespace lakestream::columnar {

Field Field::list_of(std::string name, Field element, Repetition r) {
  element.name = "element";
  Field list = group_of("list", {std::move(element)}, Repetition::kRepeated);
  return group_of(std::move(name), {std::move(list)}, r, LogicalType::kList);
}

Field Field::map_of(std::string name, Field key, Field value, Repetition r) {
  key.name = "key";
  key.repetition = Repetition::kRequired;
  value.name = "value";
  Field kv = group_of("key_value", {std::move(key), std::move(value)}, Repetition::kRepeated);
  return group_of(std::move(name), {std::move(kv)}, r, LogicalType::kMap);
}

std::string ColumnDescriptor::dotted_path() const {
  std::string out;
  for (const auto& p : path) {
    if (!out.empty()) out += '.';
    out += p;
  }
  return out;
}

Schema::Schema(std::string name, std::vector<Field> fields) {
  root_ = Field::group_of(std::move(name), std::move(fields));
  flatten();
}

Schema::Schema(const Schema& other) : root_(other.root_) { flatten(); }

Schema& Schema::operator=(const Schema& other) {
  if (this != &other) {
    root_ = other.root_;
    flatten();
  }
  return *this;
}

namespace {
void walk(const Field& f, std::vector<std::string>& path, int16_t def, int16_t rep,
          std::vector<ColumnDescriptor>& out) {
  if (f.repetition == Repetition::kOptional) ++def;
  if (f.repetition == Repetition::kRepeated) {
    ++def;
    ++rep;
  }
  path.push_back(f.name);
  if (f.group()) {
    for (const auto& c : f.children) walk(c, path, def, rep, out);
  } else {
    ColumnDescriptor d;
    d.path = path;
    d.field = &f;
    d.max_def = def;
    d.max_rep = rep;
    out.push_back(std::move(d));
  }
  path.pop_back();
}

void print(const Field& f, int depth, std::ostringstream& os) {
  static constexpr const char* kRep[] = {"required", "optional", "repeated"};
  static constexpr const char* kPhys[] = {"boolean", "int32", "int64", "int96", "float",
                                          "double", "binary", "fixed_len_byte_array"};
  os << std::string(depth * 2, ' ') << kRep[static_cast<int>(f.repetition)] << ' ';
  if (f.group()) {
    os << "group " << f.name << " {\n";
    for (const auto& c : f.children) print(c, depth + 1, os);
    os << std::string(depth * 2, ' ') << "}\n";
  } else {
    os << kPhys[static_cast<int>(f.physical)];
    if (f.physical == PhysicalType::kFixedLenByteArray) os << '(' << f.fixed_length << ')';
    os << ' ' << f.name << ";\n";
  }
}
}  // namespace

void Schema::flatten() {
  columns_.clear();
  std::vector<std::string> path;
  for (const auto& c : root_.children) walk(c, path, 0, 0, columns_);
}

int Schema::field_index(const std::string& name) const {
  for (size_t i = 0; i < root_.children.size(); ++i) {
    if (root_.children[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Schema Schema::with_appended(std::vector<Field> extra) const {
  std::vector<Field> all = root_.children;
  for (auto& f : extra) all.push_back(std::move(f));
  return Schema(root_.name, std::move(all));
}

std::string Schema::to_string() const {
  std::ostringstream os;
  os << "message " << root_.name << " {\n";
  for (const auto& c : root_.children) print(c, 1, os);
  os << "}\n";
  return os.str();
}

}  // namespace lakestream::columnar
