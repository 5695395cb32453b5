#include "parquet/footer_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "common/buffer.h"
#include "parquet/thrift_compact.h"

namespace lakestream::parquet {

using thrift::ThriftValue;

namespace {

constexpr const char* kTypes[] = {"BOOLEAN", "INT32",  "INT64",      "INT96",
                                  "FLOAT",   "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
constexpr const char* kReps[] = {"required", "optional", "repeated"};

std::string type_name(int t) { return t >= 0 && t < 8 ? kTypes[t] : "type" + std::to_string(t); }

std::string codec_name(int64_t c) {
  static const char* names[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO",
                                "BROTLI",       "LZ4",    "ZSTD", "LZ4_RAW"};
  return c >= 0 && c < 8 ? names[c] : "codec" + std::to_string(c);
}

std::string encoding_name(int64_t e) {
  static const char* names[] = {
      "PLAIN",          "GROUP_VAR_INT",       "PLAIN_DICTIONARY",        "RLE",
      "BIT_PACKED",     "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
      "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
  return e >= 0 && e < 10 ? names[e] : "encoding" + std::to_string(e);
}

std::string converted_name(int64_t c) {
  static const char* names[] = {"UTF8",
                                "MAP",
                                "MAP_KEY_VALUE",
                                "LIST",
                                "ENUM",
                                "DECIMAL",
                                "DATE",
                                "TIME_MILLIS",
                                "TIME_MICROS",
                                "TIMESTAMP_MILLIS",
                                "TIMESTAMP_MICROS",
                                "UINT_8",
                                "UINT_16",
                                "UINT_32",
                                "UINT_64",
                                "INT_8",
                                "INT_16",
                                "INT_32",
                                "INT_64",
                                "JSON",
                                "BSON",
                                "INTERVAL"};
  return c >= 0 && c < 22 ? names[c] : "converted" + std::to_string(c);
}

std::string unit_name(const ThriftValue* u) {
  if (!u) return "?";
  if (u->field(1)) return "MILLIS";
  if (u->field(2)) return "MICROS";
  if (u->field(3)) return "NANOS";
  return "?";
}

std::string logical_name(const ThriftValue& lt) {
  if (lt.elems.empty()) return "";
  const ThriftValue& v = lt.elems.front();
  switch (v.id) {
    case 1:
      return "STRING";
    case 2:
      return "MAP";
    case 3:
      return "LIST";
    case 4:
      return "ENUM";
    case 5:
      return fmt::format("DECIMAL({},{})", v.int_or(2, 0), v.int_or(1, 0));
    case 6:
      return "DATE";
    case 7:
      return fmt::format("TIME({}, utc={})", unit_name(v.field(2)),
                         v.int_or(1, 0) ? "true" : "false");
    case 8:
      return fmt::format("TIMESTAMP({}, utc={})", unit_name(v.field(2)),
                         v.int_or(1, 0) ? "true" : "false");
    case 10:
      return fmt::format("INT({}, {})", v.int_or(1, 0), v.int_or(2, 0) ? "signed" : "unsigned");
    case 11:
      return "UNKNOWN";
    case 12:
      return "JSON";
    case 13:
      return "BSON";
    case 14:
      return "UUID";
    default:
      return "logical" + std::to_string(v.id);
  }
}

bool printable(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7F) return false;
  return true;
}

std::string hex(const std::string& s) {
  std::string out = "0x";
  for (unsigned char c : s) out += fmt::format("{:02x}", c);
  return out;
}

// Renders a PLAIN-encoded statistic of physical type `type`.
std::string stat_value(int type, const std::string& annotation, const std::string& b) {
  auto load = [&](auto v) {
    if (b.size() != sizeof(v)) return hex(b);
    std::memcpy(&v, b.data(), sizeof(v));
    return fmt::format("{}", v);
  };
  bool is_unsigned =
      annotation.find("unsigned") != std::string::npos || annotation.rfind("UINT", 0) == 0;
  switch (type) {
    case 0:
      return b.size() == 1 ? (b[0] ? "true" : "false") : hex(b);
    case 1:
      return is_unsigned ? load(uint32_t{}) : load(int32_t{});
    case 2:
      return is_unsigned ? load(uint64_t{}) : load(int64_t{});
    case 4:
      return load(float{});
    case 5:
      return load(double{});
    case 6:
      if (annotation == "STRING" || annotation == "ENUM" || annotation == "JSON")
        return printable(b) ? "\"" + b + "\"" : hex(b);
      return hex(b);
    default:
      return hex(b);
  }
}

Status parse_schema(const ThriftValue& fm, FileInfo* info) {
  const auto* schema = fm.field(2);
  if (!schema || schema->elems.empty()) return invalid_data("parquet footer: no schema");
  // Depth from num_children, walking the flattened tree.
  std::vector<int> remaining;
  for (const auto& e : schema->elems) {
    SchemaElementInfo s;
    if (const auto* n = e.field(4)) s.name = n->bin;
    s.type = static_cast<int>(e.int_or(1, -1));
    s.type_length = static_cast<int>(e.int_or(2, 0));
    s.repetition = static_cast<int>(e.int_or(3, -1));
    s.num_children = static_cast<int>(e.int_or(5, 0));
    if (s.num_children < 0) return invalid_data("parquet footer: negative num_children");
    if (const auto* lt = e.field(10)) s.annotation = logical_name(*lt);
    if (s.annotation.empty() && e.field(6)) {
      s.annotation = converted_name(e.int_or(6, -1));
      if (s.annotation == "DECIMAL")
        s.annotation = fmt::format("DECIMAL({},{})", e.int_or(8, 0), e.int_or(7, 0));
    }
    s.depth = static_cast<int>(remaining.size());
    while (!remaining.empty() && remaining.back() == 0) remaining.pop_back();
    s.depth = static_cast<int>(remaining.size());
    if (!remaining.empty()) --remaining.back();
    if (s.num_children > 0) remaining.push_back(s.num_children);
    info->schema.push_back(std::move(s));
  }
  return Status();
}

// Annotation of the leaf at `path`, for rendering statistics.
std::string leaf_annotation(const FileInfo& info, const std::string& path) {
  std::vector<std::string> stack;
  std::vector<int> remaining;
  for (size_t i = 0; i < info.schema.size(); ++i) {
    const auto& s = info.schema[i];
    while (!remaining.empty() && remaining.back() == 0) {
      remaining.pop_back();
      stack.pop_back();
    }
    if (!remaining.empty()) --remaining.back();
    if (i > 0 && s.num_children == 0) {
      std::string p;
      for (size_t k = 1; k < stack.size(); ++k) p += stack[k] + ".";
      if (p + s.name == path) return s.annotation;
    }
    if (i == 0 || s.num_children > 0) {
      stack.push_back(s.name);
      remaining.push_back(s.num_children);
    }
  }
  return "";
}

Status parse_row_groups(const ThriftValue& fm, FileInfo* info) {
  const auto* rgs = fm.field(4);
  if (!rgs) return Status();
  for (const auto& rg : rgs->elems) {
    RowGroupInfo r;
    r.num_rows = rg.int_or(3, 0);
    r.total_byte_size = rg.int_or(2, 0);
    r.total_compressed_size = rg.int_or(6, 0);
    if (const auto* cols = rg.field(1)) {
      for (const auto& cc : cols->elems) {
        ColumnChunkInfo c;
        c.offset_index_offset = cc.int_or(4, -1);
        c.column_index_offset = cc.int_or(6, -1);
        const auto* md = cc.field(3);
        if (!md) return invalid_data("parquet footer: column chunk without metadata");
        c.type = static_cast<int>(md->int_or(1, -1));
        if (const auto* encs = md->field(2))
          for (const auto& e : encs->elems) c.encodings.push_back(encoding_name(e.i));
        if (const auto* p = md->field(3)) {
          for (const auto& e : p->elems) c.path += (c.path.empty() ? "" : ".") + e.bin;
        }
        c.codec = codec_name(md->int_or(4, 0));
        c.num_values = md->int_or(5, 0);
        c.uncompressed = md->int_or(6, 0);
        c.compressed = md->int_or(7, 0);
        c.data_page_offset = md->int_or(9, 0);
        c.dictionary_page_offset = md->int_or(11, -1);
        if (const auto* st = md->field(12)) {
          c.has_stats = true;
          c.null_count = st->int_or(3, -1);
          const auto* mx = st->field(5) ? st->field(5) : st->field(1);
          const auto* mn = st->field(6) ? st->field(6) : st->field(2);
          if (mn && mx) {
            std::string ann = leaf_annotation(*info, c.path);
            c.has_min_max = true;
            c.min = stat_value(c.type, ann, mn->bin);
            c.max = stat_value(c.type, ann, mx->bin);
          }
        }
        r.columns.push_back(std::move(c));
      }
    }
    info->row_groups.push_back(std::move(r));
  }
  return Status();
}

// Reads bytes [offset, offset + len) through `read`; fills page counts from OffsetIndexes.
using ReadFn = std::function<Result<std::string>(int64_t offset, int64_t len)>;

void count_pages(FileInfo* info, const ThriftValue& fm, const ReadFn& read) {
  const auto* rgs = fm.field(4);
  if (!rgs) return;
  for (size_t r = 0; r < rgs->elems.size() && r < info->row_groups.size(); ++r) {
    const auto* cols = rgs->elems[r].field(1);
    if (!cols) continue;
    for (size_t c = 0; c < cols->elems.size() && c < info->row_groups[r].columns.size(); ++c) {
      int64_t off = cols->elems[c].int_or(4, -1);
      int64_t len = cols->elems[c].int_or(5, -1);
      if (off < 0 || len <= 0) continue;
      auto bytes = read(off, len);
      if (!bytes.ok()) continue;
      size_t used = 0;
      auto oi = thrift::read_struct(
          {reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()}, &used);
      if (!oi.ok()) continue;
      if (const auto* locs = oi->field(1))
        info->row_groups[r].columns[c].num_pages = static_cast<int64_t>(locs->elems.size());
    }
  }
}

Result<FileInfo> parse_footer(std::span<const uint8_t> footer, uint64_t file_size,
                              const ReadFn& read) {
  size_t used = 0;
  auto fm = thrift::read_struct(footer, &used);
  if (!fm.ok()) return std::move(fm).status().with_context("parquet footer");
  FileInfo info;
  info.file_size = file_size;
  info.footer_length = static_cast<uint32_t>(footer.size());
  info.version = static_cast<int32_t>(fm->int_or(1, 0));
  info.num_rows = fm->int_or(3, 0);
  if (const auto* cb = fm->field(6)) info.created_by = cb->bin;
  if (const auto* kv = fm->field(5)) {
    for (const auto& e : kv->elems) {
      const auto* k = e.field(1);
      const auto* v = e.field(2);
      info.key_value.emplace_back(k ? k->bin : "", v ? v->bin : "");
    }
  }
  LS_RETURN_IF_ERROR(parse_schema(*fm, &info));
  LS_RETURN_IF_ERROR(parse_row_groups(*fm, &info));
  count_pages(&info, *fm, read);
  return info;
}

Status check_tail(std::span<const uint8_t> tail, uint64_t file_size, uint32_t* footer_len) {
  if (file_size < 12) return invalid_data(fmt::format("not a Parquet file: {} bytes", file_size));
  if (std::memcmp(tail.data() + tail.size() - 4, "PAR1", 4) != 0)
    return invalid_data("not a Parquet file: no PAR1 magic at the end");
  std::memcpy(footer_len, tail.data() + tail.size() - 8, 4);
  if (*footer_len > file_size - 12)
    return invalid_data(
        fmt::format("footer length {} exceeds file size {}", *footer_len, file_size));
  return Status();
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

Status pread_all(int fd, void* buf, size_t n, int64_t off, const std::string& path) {
  auto* p = static_cast<uint8_t*>(buf);
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, off);
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_error("read " + path, errno);
    }
    if (r == 0) return invalid_data("unexpected end of file " + path);
    p += r;
    n -= static_cast<size_t>(r);
    off += r;
  }
  return Status();
}

}  // namespace

Result<FileInfo> parse_file(std::span<const uint8_t> file) {
  uint32_t footer_len = 0;
  if (file.size() < 12)
    return invalid_data(fmt::format("not a Parquet file: {} bytes", file.size()));
  LS_RETURN_IF_ERROR(check_tail(file, file.size(), &footer_len));
  if (std::memcmp(file.data(), "PAR1", 4) != 0)
    return invalid_data("not a Parquet file: no PAR1 magic at the start");
  auto footer = file.subspan(file.size() - 8 - footer_len, footer_len);
  ReadFn read = [file](int64_t off, int64_t len) -> Result<std::string> {
    if (off < 0 || len < 0 || static_cast<uint64_t>(off) > file.size() ||
        static_cast<uint64_t>(len) > file.size() - static_cast<uint64_t>(off))
      return invalid_data("offset out of range");
    return std::string(reinterpret_cast<const char*>(file.data()) + off, static_cast<size_t>(len));
  };
  return parse_footer(footer, file.size(), read);
}

Result<FileInfo> read_file_info(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return not_found("no such file: " + path);
    return errno_error("open " + path, errno);
  }
  FdCloser closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_error("stat " + path, errno);
  auto size = static_cast<uint64_t>(st.st_size);
  if (size < 12) return invalid_data(fmt::format("{}: not a Parquet file: {} bytes", path, size));
  uint8_t tail[8];
  LS_RETURN_IF_ERROR(pread_all(fd, tail, 8, static_cast<int64_t>(size - 8), path));
  uint32_t footer_len = 0;
  LS_RETURN_IF_ERROR_CTX(check_tail({tail, 8}, size, &footer_len), path);
  Buffer footer;
  footer.resize(footer_len);
  LS_RETURN_IF_ERROR(
      pread_all(fd, footer.data(), footer_len, static_cast<int64_t>(size - 8 - footer_len), path));
  ReadFn read = [fd, size, &path](int64_t off, int64_t len) -> Result<std::string> {
    if (off < 0 || len < 0 || static_cast<uint64_t>(off) > size ||
        static_cast<uint64_t>(len) > size - static_cast<uint64_t>(off))
      return invalid_data("offset out of range");
    std::string s(static_cast<size_t>(len), '\0');
    LS_RETURN_IF_ERROR(pread_all(fd, s.data(), s.size(), off, path));
    return s;
  };
  auto info = parse_footer(footer.span(), size, read);
  if (!info.ok()) return std::move(info).status().with_context(path);
  return info;
}

std::string format_file_info(const FileInfo& info) {
  std::string out;
  out += fmt::format("file size:    {} bytes\n", info.file_size);
  out +=
      fmt::format("footer:       {} bytes (format version {})\n", info.footer_length, info.version);
  out += fmt::format("rows:         {}\n", info.num_rows);
  out += fmt::format("row groups:   {}\n", info.row_groups.size());
  out += fmt::format("created by:   {}\n", info.created_by);
  for (const auto& [k, v] : info.key_value) out += fmt::format("metadata:     {} = {}\n", k, v);
  out += "schema:\n";
  for (size_t i = 0; i < info.schema.size(); ++i) {
    const auto& s = info.schema[i];
    std::string line(static_cast<size_t>(2 + 2 * s.depth), ' ');
    if (i == 0) {
      line += "message " + s.name;
    } else {
      line += s.repetition >= 0 && s.repetition < 3 ? kReps[s.repetition] : "?";
      line += ' ';
      if (s.num_children > 0 || s.type < 0) {
        line += "group " + s.name;
      } else {
        line += type_name(s.type);
        if (s.type == 7) line += fmt::format("({})", s.type_length);
        line += " " + s.name;
      }
    }
    if (!s.annotation.empty()) line += " (" + s.annotation + ")";
    out += line + "\n";
  }
  for (size_t r = 0; r < info.row_groups.size(); ++r) {
    const auto& rg = info.row_groups[r];
    out += fmt::format("row group {}: {} rows, {} bytes compressed, {} uncompressed\n", r,
                       rg.num_rows, rg.total_compressed_size, rg.total_byte_size);
    for (const auto& c : rg.columns) {
      std::string encs;
      for (const auto& e : c.encodings) encs += (encs.empty() ? "" : ",") + e;
      out +=
          fmt::format("  {}: {} {} [{}] values={} compressed={} uncompressed={}", c.path,
                      type_name(c.type), c.codec, encs, c.num_values, c.compressed, c.uncompressed);
      if (c.num_pages >= 0) out += fmt::format(" pages={}", c.num_pages);
      if (c.dictionary_page_offset >= 0) out += " dict";
      if (c.column_index_offset >= 0) out += " column_index";
      if (c.has_stats) {
        out += fmt::format(" nulls={}", c.null_count);
        if (c.has_min_max) out += fmt::format(" min={} max={}", c.min, c.max);
      }
      out += "\n";
    }
  }
  return out;
}

}  // namespace lakestream::parquet
