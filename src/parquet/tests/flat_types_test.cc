// Every flat type, with nulls, through every codec and encoding, judged by three readers.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "parquet/tests/test_util.h"

namespace lakestream::parquet {
namespace {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;
using nlohmann::json;
using testing::TempDir;

std::string decimal_string(__int128 v, int scale) {
  bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : v;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u > 0);
  while (static_cast<int>(digits.size()) <= scale) digits.insert(digits.begin(), '0');
  if (scale > 0) digits.insert(digits.end() - scale, '.');
  return (neg ? "-" : "") + digits;
}

std::string hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

std::string uuid_string(const uint8_t* p) {
  std::string h = hex(p, 16);
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

// One flat column: its field, the checker's kind, and a generator that appends row r's value to
// the buffer and returns its canonical JSON (or null).
struct Spec {
  Field field;
  json kind;
  std::function<json(columnar::ColumnBuffer&, int, std::mt19937_64&)> gen;
};

Field leaf(const char* name, PhysicalType t, Repetition r, LogicalType l = LogicalType::kNone) {
  return Field::leaf(name, t, r, l);
}

// Appends the definition level for an optional column and says whether the value is present.
bool present(columnar::ColumnBuffer& c, bool null) {
  if (c.descriptor().max_def > 0) {
    c.append_levels(null ? 0 : 1, 0);
  } else {
    c.count_slot();
  }
  return !null;
}

std::vector<Spec> all_specs() {
  std::vector<Spec> s;
  auto opt = Repetition::kOptional;
  auto req = Repetition::kRequired;
  s.push_back({leaf("b", PhysicalType::kBoolean, opt), "b", [](auto& c, int r, auto& g) -> json {
                 if (!present(c, r % 7 == 3)) return nullptr;
                 bool v = g() & 1;
                 c.append_fixed(static_cast<uint8_t>(v));
                 return v;
               }});
  s.push_back({leaf("i32", PhysicalType::kInt32, req), "i", [](auto& c, int r, auto& g) -> json {
                 present(c, false);
                 int32_t v = r % 5 == 0 ? std::numeric_limits<int32_t>::min() + r
                                        : static_cast<int32_t>(g() % 2000) - 1000;
                 c.append_fixed(v);
                 return std::to_string(v);
               }});
  s.push_back({leaf("i64", PhysicalType::kInt64, opt), "i", [](auto& c, int r, auto& g) -> json {
                 if (!present(c, r % 4 == 1)) return nullptr;
                 auto v = static_cast<int64_t>(g());
                 if (r % 3 == 0) v = r * 1000;  // sorted runs for DELTA
                 c.append_fixed(v);
                 return std::to_string(v);
               }});
  s.push_back({leaf("f32", PhysicalType::kFloat, opt), "f", [](auto& c, int r, auto& g) -> json {
                 if (!present(c, r % 9 == 2)) return nullptr;
                 float v =
                     r % 11 == 5 ? std::nanf("") : static_cast<float>(g() % 100000) / 8.0f - 3000;
                 if (r % 13 == 0) v = -0.0f;
                 c.append_fixed(v);
                 if (std::isnan(v)) return "NaN";
                 return static_cast<double>(v);
               }});
  s.push_back({leaf("f64", PhysicalType::kDouble, req), "f", [](auto& c, int r, auto& g) -> json {
                 present(c, false);
                 double v = static_cast<double>(static_cast<int64_t>(g() % 1000000)) / 1024.0 - r;
                 if (r == 17) v = std::numeric_limits<double>::infinity();
                 c.append_fixed(v);
                 if (std::isinf(v)) return "Infinity";
                 return v;
               }});
  s.push_back({leaf("str", PhysicalType::kByteArray, opt, LogicalType::kString), "s",
               [](auto& c, int r, auto& g) -> json {
                 if (!present(c, r % 6 == 0)) return nullptr;
                 static const char* words[] = {"alpha", "beta", "gamma", "δέλτα", "", "épsilon"};
                 std::string v = words[g() % 6];
                 if (r % 10 == 1) v += std::to_string(r);  // some distinct values
                 c.append_bytes(v);
                 return v;
               }});
  s.push_back({leaf("enm", PhysicalType::kByteArray, req, LogicalType::kEnum), "s",
               [](auto& c, int, auto& g) -> json {
                 present(c, false);
                 static const char* sym[] = {"CASH", "CARD", "NO_CHARGE"};
                 std::string v = sym[g() % 3];
                 c.append_bytes(v);
                 return v;
               }});
  {
    Field u = leaf("uid", PhysicalType::kFixedLenByteArray, opt, LogicalType::kUuid);
    u.fixed_length = 16;
    s.push_back({u, "uuid", [](auto& c, int r, auto& g) -> json {
                   if (!present(c, r % 5 == 4)) return nullptr;
                   uint8_t b[16];
                   for (auto& x : b) x = static_cast<uint8_t>(g());
                   c.append_fixed_bytes(b, 16);
                   return uuid_string(b);
                 }});
  }
  s.push_back({leaf("dt", PhysicalType::kInt32, opt, LogicalType::kDate), "date",
               [](auto& c, int r, auto& g) -> json {
                 if (!present(c, r % 8 == 7)) return nullptr;
                 int32_t v = static_cast<int32_t>(g() % 40000) - 10000;
                 c.append_fixed(v);
                 return std::to_string(v);
               }});
  s.push_back({leaf("tms", PhysicalType::kInt32, req, LogicalType::kTimeMillis), "time_ms",
               [](auto& c, int, auto& g) -> json {
                 present(c, false);
                 auto v = static_cast<int32_t>(g() % 86400000);
                 c.append_fixed(v);
                 return std::to_string(v);
               }});
  {
    Field t = leaf("tus", PhysicalType::kInt64, opt, LogicalType::kTimeMicros);
    t.utc_adjusted = false;
    s.push_back({t, "time_us", [](auto& c, int r, auto& g) -> json {
                   if (!present(c, r % 3 == 2)) return nullptr;
                   auto v = static_cast<int64_t>(g() % 86400000000ull);
                   c.append_fixed(v);
                   return std::to_string(v);
                 }});
  }
  s.push_back({leaf("tsm", PhysicalType::kInt64, opt, LogicalType::kTimestampMillis), "ts_ms",
               [](auto& c, int r, auto& g) -> json {
                 if (!present(c, r % 10 == 9)) return nullptr;
                 int64_t v = 1700000000000LL + static_cast<int64_t>(g() % 100000000) -
                             (r % 2 ? 0 : 5000000000000LL);
                 c.append_fixed(v);
                 return std::to_string(v);
               }});
  {
    Field t = leaf("tsu", PhysicalType::kInt64, req, LogicalType::kTimestampMicros);
    t.utc_adjusted = false;
    s.push_back({t, "ts_us", [](auto& c, int r, auto&) -> json {
                   present(c, false);
                   int64_t v = 1700000000000000LL + r * 1000003LL;
                   c.append_fixed(v);
                   return std::to_string(v);
                 }});
  }
  {
    Field d = leaf("dec32", PhysicalType::kInt32, opt, LogicalType::kDecimal);
    d.precision = 9;
    d.scale = 2;
    s.push_back({d, "dec", [](auto& c, int r, auto& g) -> json {
                   if (!present(c, r % 7 == 0)) return nullptr;
                   int32_t v = static_cast<int32_t>(g() % 200000000) - 100000000;
                   c.append_fixed(v);
                   return decimal_string(v, 2);
                 }});
  }
  {
    Field d = leaf("dec64", PhysicalType::kInt64, req, LogicalType::kDecimal);
    d.precision = 18;
    d.scale = 4;
    s.push_back({d, "dec", [](auto& c, int, auto& g) -> json {
                   present(c, false);
                   int64_t v = static_cast<int64_t>(g() % 2000000000000ull) - 1000000000000LL;
                   c.append_fixed(v);
                   return decimal_string(v, 4);
                 }});
  }
  {
    Field d = leaf("decfx", PhysicalType::kFixedLenByteArray, opt, LogicalType::kDecimal);
    d.fixed_length = 9;
    d.precision = 20;
    d.scale = 3;
    s.push_back({d, "dec", [](auto& c, int r, auto& g) -> json {
                   if (!present(c, r % 5 == 1)) return nullptr;
                   int64_t v = static_cast<int64_t>(g() % 20000000000ull) - 10000000000LL;
                   uint8_t b[9];
                   b[0] = v < 0 ? 0xFF : 0;
                   for (int k = 0; k < 8; ++k)
                     b[8 - k] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * k));
                   c.append_fixed_bytes(b, 9);
                   return decimal_string(v, 3);
                 }});
  }
  s.push_back({leaf("u8", PhysicalType::kInt32, req, LogicalType::kUInt8), "i",
               [](auto& c, int, auto& g) -> json {
                 present(c, false);
                 auto v = static_cast<int32_t>(g() % 256);
                 c.append_fixed(v);
                 return std::to_string(v);
               }});
  s.push_back({leaf("u32", PhysicalType::kInt32, opt, LogicalType::kUInt32), "i",
               [](auto& c, int r, auto& g) -> json {
                 if (!present(c, r % 9 == 0)) return nullptr;
                 auto v = static_cast<uint32_t>(g());
                 c.append_fixed(static_cast<int32_t>(v));
                 return std::to_string(v);
               }});
  s.push_back({leaf("u64", PhysicalType::kInt64, req, LogicalType::kUInt64), "i",
               [](auto& c, int, auto& g) -> json {
                 present(c, false);
                 uint64_t v = g();
                 c.append_fixed(static_cast<int64_t>(v));
                 return std::to_string(v);
               }});
  s.push_back({leaf("i8", PhysicalType::kInt32, req, LogicalType::kInt8), "i",
               [](auto& c, int, auto& g) -> json {
                 present(c, false);
                 auto v = static_cast<int32_t>(g() % 256) - 128;
                 c.append_fixed(v);
                 return std::to_string(v);
               }});
  s.push_back(
      {leaf("bin", PhysicalType::kByteArray, opt), "hex", [](auto& c, int r, auto& g) -> json {
         if (!present(c, r % 4 == 2)) return nullptr;
         uint8_t b[12];
         size_t n = g() % 12;
         for (size_t k = 0; k < n; ++k) b[k] = static_cast<uint8_t>(g());
         c.append_bytes({reinterpret_cast<const char*>(b), n});
         return hex(b, n);
       }});
  {
    Field f = leaf("fx3", PhysicalType::kFixedLenByteArray, req);
    f.fixed_length = 3;
    s.push_back({f, "hex", [](auto& c, int, auto& g) -> json {
                   present(c, false);
                   uint8_t b[3] = {static_cast<uint8_t>(g()), static_cast<uint8_t>(g() % 4), 0x80};
                   c.append_fixed_bytes(b, 3);
                   return hex(b, 3);
                 }});
  }
  return s;
}

struct Built {
  std::shared_ptr<const columnar::Schema> schema;
  std::vector<std::unique_ptr<columnar::RecordBatch>> batches;
  json expected;
};

// `rows` rows in batches of `batch_rows`, values from a fixed seed.
Built build(int rows, int batch_rows, uint64_t seed) {
  auto specs = all_specs();
  std::vector<Field> fields;
  Built b;
  b.expected["columns"] = json::array();
  for (auto& s : specs) {
    fields.push_back(s.field);
    b.expected["columns"].push_back({s.field.name, s.kind});
  }
  b.schema = std::make_shared<columnar::Schema>("flat", fields);
  b.expected["rows"] = json::array();
  std::mt19937_64 g(seed);
  for (int r = 0; r < rows; ++r) {
    if (b.batches.empty() || static_cast<int>(b.batches.back()->num_rows()) == batch_rows)
      b.batches.push_back(std::make_unique<columnar::RecordBatch>(b.schema));
    auto& batch = *b.batches.back();
    json row = json::array();
    for (size_t c = 0; c < specs.size(); ++c) row.push_back(specs[c].gen(batch.column(c), r, g));
    batch.finish_row();
    b.expected["rows"].push_back(std::move(row));
  }
  return b;
}

std::vector<const columnar::RecordBatch*> ptrs(const Built& b) {
  std::vector<const columnar::RecordBatch*> v;
  for (const auto& x : b.batches) v.push_back(x.get());
  return v;
}

struct Case {
  const char* name;
  Compression codec;
  Encoding encoding;
  int rows;
  size_t page_size;
  uint64_t row_group_rows;
};

class FlatTypes : public ::testing::TestWithParam<Case> {};

TEST_P(FlatTypes, ReadBackValueForValueByThreeReaders) {
  const Case& c = GetParam();
  constexpr uint64_t kSeed = 20261125;
  std::printf("seed %llu\n", static_cast<unsigned long long>(kSeed));
  Built b = build(c.rows, 700, kSeed);
  TempDir dir;
  WriterOptions o;
  o.compression = c.codec;
  o.encoding = c.encoding;
  o.data_page_size = c.page_size;
  o.row_group_rows = c.row_group_rows;
  o.key_value_metadata["lakestream.test"] = c.name;
  std::string path = dir.file(std::string(c.name) + ".parquet");
  auto summary = testing::write_file(path, b.schema, ptrs(b), o);
  EXPECT_EQ(summary.num_rows, static_cast<uint64_t>(c.rows));
  testing::expect_readers_agree(path, b.expected);
  if (c.rows == 0) return;

  // DuckDB's view of the column chunks: the codec and value encodings we asked for.
  auto md = testing::duck(
      "SELECT path_in_schema AS p, type, compression, encodings, "
      "CAST(stats_null_count = num_values AS VARCHAR) AS all_null FROM parquet_metadata('" +
      path + "') WHERE row_group_id = 0");
  ASSERT_EQ(md.size(), b.schema->num_columns());
  const std::string codec(compression_name(c.codec));
  for (const auto& m : md) {
    std::string type = m["type"], encs = m["encodings"], p = m["p"];
    EXPECT_EQ(m["compression"], codec) << p;
    bool is_int = type == "INT32" || type == "INT64";
    bool is_float = type == "FLOAT" || type == "DOUBLE";
    bool dict = encs.find("RLE_DICTIONARY") != std::string::npos;
    switch (c.encoding) {
      case Encoding::kDictionary:
        // An all-null chunk has no values to put in a dictionary.
        EXPECT_EQ(dict, type != "BOOLEAN" && m.value("all_null", "") != "true")
            << p << ": " << encs;
        break;
      case Encoding::kPlain:
        EXPECT_FALSE(dict) << p << ": " << encs;
        EXPECT_EQ(encs.rfind("PLAIN", 0), 0u) << p << ": " << encs;
        break;
      case Encoding::kDeltaBinaryPacked:
        EXPECT_EQ(encs.find("DELTA_BINARY_PACKED") != std::string::npos, is_int)
            << p << ": " << encs;
        break;
      case Encoding::kByteStreamSplit:
        EXPECT_EQ(encs.find("BYTE_STREAM_SPLIT") != std::string::npos, is_float)
            << p << ": " << encs;
        break;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Codecs, FlatTypes,
    ::testing::Values(
        Case{"uncompressed_dict", Compression::kUncompressed, Encoding::kDictionary, 2500, 2048,
             1000},
        Case{"snappy_dict", Compression::kSnappy, Encoding::kDictionary, 2500, 1 << 20, 0},
        Case{"zstd_plain", Compression::kZstd, Encoding::kPlain, 2500, 4096, 900},
        Case{"gzip_delta", Compression::kGzip, Encoding::kDeltaBinaryPacked, 2500, 3000, 0},
        Case{"lz4raw_bss", Compression::kLz4Raw, Encoding::kByteStreamSplit, 2500, 1500, 1200},
        Case{"one_row", Compression::kSnappy, Encoding::kDictionary, 1, 1 << 20, 0},
        Case{"empty", Compression::kSnappy, Encoding::kDictionary, 0, 1 << 20, 0}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lakestream::parquet
