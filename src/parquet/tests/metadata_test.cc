// What DuckDB's parquet_metadata()/parquet_schema() and hyparquet's page-index reader see in our
// files: types, encodings (incl. dictionary fallback), statistics in each type's sort order,
// key-value metadata, created_by, page indexes; plus row-group sizing and API errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "parquet/footer_reader.h"
#include "parquet/tests/test_util.h"

namespace lakestream::parquet {
namespace {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;
using nlohmann::json;
using testing::TempDir;

std::shared_ptr<const columnar::Schema> stats_schema() {
  std::vector<Field> f;
  f.push_back(Field::leaf("id", PhysicalType::kInt64));
  f.push_back(
      Field::leaf("name", PhysicalType::kByteArray, Repetition::kOptional, LogicalType::kString));
  f.push_back(Field::leaf("score", PhysicalType::kDouble, Repetition::kOptional));
  f.push_back(Field::leaf("u", PhysicalType::kInt32, Repetition::kRequired, LogicalType::kUInt32));
  Field dec = Field::leaf("amount", PhysicalType::kFixedLenByteArray, Repetition::kRequired,
                          LogicalType::kDecimal);
  dec.fixed_length = 6;
  dec.precision = 12;
  dec.scale = 2;
  f.push_back(dec);
  f.push_back(
      Field::leaf("uniq", PhysicalType::kByteArray, Repetition::kRequired, LogicalType::kString));
  return std::make_shared<columnar::Schema>("stats", std::move(f));
}

std::string cents(int64_t v) {
  std::string s = std::to_string(std::llabs(v) / 100) + "." +
                  (std::llabs(v) % 100 < 10 ? "0" : "") + std::to_string(std::llabs(v) % 100);
  return (v < 0 ? "-" : "") + s;
}

struct StatsFile {
  json expected;
  std::string min_name, max_name, min_uniq, max_uniq;
  double min_score = 0, max_score = 0;
  uint32_t min_u = 0, max_u = 0;
  int64_t min_amount = 0, max_amount = 0;
  int64_t name_nulls = 0, score_nulls = 0;
};

StatsFile fill(columnar::RecordBatch& b, int rows) {
  StatsFile s;
  s.expected["columns"] = json::array({json::array({"id", "i"}), json::array({"name", "s"}),
                                       json::array({"score", "f"}), json::array({"u", "i"}),
                                       json::array({"amount", "dec"}), json::array({"uniq", "s"})});
  s.expected["rows"] = json::array();
  bool first_name = true, first_score = true;
  for (int r = 0; r < rows; ++r) {
    json row = json::array();
    b.column(0).append_fixed<int64_t>(r);
    b.column(0).count_slot();
    row.push_back(std::to_string(r));

    if (r % 10 == 3) {
      b.column(1).append_levels(0, 0);
      ++s.name_nulls;
      row.push_back(nullptr);
    } else {
      // Multi-byte UTF-8 sorts after ASCII in unsigned byte order ("é" = 0xC3 0xA9).
      std::string n = (r % 13 == 0 ? "éclair_" : "name_") + std::to_string((r * 7919) % 1000);
      b.column(1).append_levels(1, 0);
      b.column(1).append_bytes(n);
      if (first_name || n < s.min_name) s.min_name = n;
      if (first_name || n > s.max_name) s.max_name = n;
      first_name = false;
      row.push_back(n);
    }

    if (r % 11 == 5) {
      b.column(2).append_levels(0, 0);
      ++s.score_nulls;
      row.push_back(nullptr);
    } else {
      double v = r % 7 == 0 ? std::nan("") : (r % 500) * 0.25 - 60.0;
      b.column(2).append_levels(1, 0);
      b.column(2).append_fixed(v);
      if (!std::isnan(v)) {
        if (first_score || v < s.min_score) s.min_score = v;
        if (first_score || v > s.max_score) s.max_score = v;
        first_score = false;
        row.push_back(v);
      } else {
        row.push_back("NaN");
      }
    }

    uint32_t u = r % 17 == 0 ? 4000000000u + r : static_cast<uint32_t>(r * 3 + 5);
    b.column(3).append_fixed(static_cast<int32_t>(u));
    b.column(3).count_slot();
    if (r == 0 || u < s.min_u) s.min_u = u;
    if (r == 0 || u > s.max_u) s.max_u = u;
    row.push_back(std::to_string(u));

    int64_t a = (r % 3 == 0 ? -1 : 1) * static_cast<int64_t>((r * 104729LL) % 10000000);
    uint8_t be[6];
    for (int k = 0; k < 6; ++k)
      be[5 - k] = static_cast<uint8_t>(static_cast<uint64_t>(a) >> (8 * k));
    b.column(4).append_fixed_bytes(be, 6);
    b.column(4).count_slot();
    if (r == 0 || a < s.min_amount) s.min_amount = a;
    if (r == 0 || a > s.max_amount) s.max_amount = a;
    row.push_back(cents(a));

    std::string uq = "unique-value-" + std::to_string(1000000 + r * 37 % 100003);
    b.column(5).append_bytes(uq);
    b.column(5).count_slot();
    if (r == 0 || uq < s.min_uniq) s.min_uniq = uq;
    if (r == 0 || uq > s.max_uniq) s.max_uniq = uq;
    row.push_back(uq);
    b.finish_row();
    s.expected["rows"].push_back(std::move(row));
  }
  return s;
}

std::map<std::string, json> by_path(const std::vector<json>& rows) {
  std::map<std::string, json> m;
  for (const auto& r : rows) m[r["path_in_schema"].get<std::string>()] = r;
  return m;
}

TEST(ParquetMetadata, DuckDbSeesTypesEncodingsStatisticsAndPageIndexes) {
  auto schema = stats_schema();
  columnar::RecordBatch batch(schema);
  constexpr int kRows = 6000;
  StatsFile s = fill(batch, kRows);
  TempDir dir;
  std::string path = dir.file("stats.parquet");
  WriterOptions o;
  o.compression = Compression::kZstd;
  o.compression_level = 5;
  o.data_page_size = 2048;
  o.dictionary_page_size_limit = 4096;  // "uniq" overflows it and falls back to PLAIN
  o.key_value_metadata["kafka.offsets"] = "orders:0:100-200";
  auto summary = testing::write_file(path, schema, {&batch}, o);
  EXPECT_EQ(summary.num_rows, static_cast<uint64_t>(kRows));
  EXPECT_EQ(summary.num_row_groups, 1u);

  testing::expect_readers_agree(path, s.expected);

  auto md = by_path(testing::duck(
      "SELECT path_in_schema, type, compression, encodings, stats_min_value, stats_max_value, "
      "stats_null_count, num_values FROM parquet_metadata('" +
      path + "')"));
  ASSERT_EQ(md.size(), 6u);
  for (const auto& [p, m] : md) {
    EXPECT_EQ(m["compression"], "ZSTD") << p;
    EXPECT_EQ(m["num_values"], std::to_string(kRows)) << p;
  }
  EXPECT_EQ(md["id"]["type"], "INT64");
  EXPECT_EQ(md["id"]["encodings"], "PLAIN, RLE_DICTIONARY");
  EXPECT_EQ(md["id"]["stats_min_value"], "0");
  EXPECT_EQ(md["id"]["stats_max_value"], std::to_string(kRows - 1));
  EXPECT_EQ(md["id"]["stats_null_count"], "0");
  EXPECT_EQ(md["name"]["stats_min_value"], s.min_name);
  EXPECT_EQ(md["name"]["stats_max_value"], s.max_name);
  EXPECT_EQ(s.max_name.rfind("éclair_", 0), 0u);  // unsigned byte order puts UTF-8 last
  EXPECT_EQ(md["name"]["stats_null_count"], std::to_string(s.name_nulls));
  EXPECT_EQ(md["name"]["encodings"], "PLAIN, RLE_DICTIONARY, RLE");
  EXPECT_DOUBLE_EQ(std::stod(md["score"]["stats_min_value"].get<std::string>()), s.min_score);
  EXPECT_DOUBLE_EQ(std::stod(md["score"]["stats_max_value"].get<std::string>()), s.max_score);
  EXPECT_EQ(md["score"]["stats_null_count"], std::to_string(s.score_nulls));
  EXPECT_EQ(md["u"]["stats_min_value"], std::to_string(s.min_u));
  EXPECT_EQ(md["u"]["stats_max_value"], std::to_string(s.max_u));  // unsigned order
  EXPECT_GE(s.max_u, 4000000000u);
  EXPECT_EQ(md["amount"]["type"], "FIXED_LEN_BYTE_ARRAY");
  EXPECT_EQ(md["amount"]["stats_min_value"], cents(s.min_amount));  // signed decimal order
  EXPECT_EQ(md["amount"]["stats_max_value"], cents(s.max_amount));
  EXPECT_EQ(md["uniq"]["stats_min_value"], s.min_uniq);
  EXPECT_EQ(md["uniq"]["stats_max_value"], s.max_uniq);
  // Dictionary fallback: dictionary page, dictionary-encoded pages, then PLAIN pages.
  EXPECT_EQ(md["uniq"]["encodings"], "PLAIN, RLE_DICTIONARY");

  auto types = testing::duck(
      "SELECT name, type, converted_type, logical_type FROM parquet_schema('" + path + "')");
  std::map<std::string, json> t;
  for (const auto& r : types) t[r["name"].get<std::string>()] = r;
  EXPECT_EQ(t["name"]["converted_type"], "UTF8");
  EXPECT_EQ(t["u"]["converted_type"], "UINT_32");
  EXPECT_EQ(t["amount"]["converted_type"], "DECIMAL");
  EXPECT_EQ(t["amount"]["logical_type"], "DecimalType(scale=2, precision=12)");

  auto kv = testing::duck("SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('" +
                          path + "')");
  ASSERT_EQ(kv.size(), 1u);
  EXPECT_EQ(kv[0]["k"], "kafka.offsets");
  EXPECT_EQ(kv[0]["v"], "orders:0:100-200");
  auto fm = testing::duck(
      "SELECT created_by, num_rows, num_row_groups FROM parquet_file_metadata('" + path + "')");
  ASSERT_EQ(fm.size(), 1u);
  EXPECT_EQ(fm[0]["created_by"], "lakestream version 0.1.0 (build lakestream)");
  EXPECT_EQ(fm[0]["num_rows"], std::to_string(kRows));

  // Page indexes, read by hyparquet and checked against the footer by the script.
  auto [rc, out] = testing::run("node " + testing::source_dir() + "/tools/js/parquet_pages.mjs " +
                                testing::shell_quote(path));
  ASSERT_EQ(rc, 0) << out;
  std::map<std::string, json> pages;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    auto line = out.substr(pos, nl - pos);
    if (!line.empty() && line[0] == '{') {
      auto j = json::parse(line);
      pages[j["path"].get<std::string>()] = j;
    }
    pos = nl + 1;
  }
  ASSERT_EQ(pages.size(), 6u);
  EXPECT_GT(pages["id"]["pages"].get<int>(), 3);  // 48 KB of ids in 2 KB pages
  EXPECT_GT(pages["uniq"]["pages"].get<int>(), 3);
  const auto& ci = pages["name"]["column_index"];
  ASSERT_FALSE(ci.is_null());
  int64_t nulls = 0;
  for (const auto& n : ci["null_counts"]) nulls += n.get<int64_t>();
  EXPECT_EQ(nulls, s.name_nulls);
  std::string lo = ci["min"][0].get<std::string>();
  for (const auto& m : ci["min"]) lo = std::min(lo, m.get<std::string>());
  EXPECT_EQ(lo, s.min_name);
  const auto& idc = pages["id"]["column_index"];
  EXPECT_EQ(idc["boundary_order"], "ASCENDING");  // ids only grow
  EXPECT_EQ(pages["uniq"]["column_index"]["boundary_order"], "UNORDERED");
  EXPECT_EQ(idc["min"][0], "0");  // int64 bounds come back as decimal strings
  EXPECT_EQ(idc["max"].back(), std::to_string(kRows - 1));

  // Our own footer reader (what `inspect` prints) agrees with hyparquet on the page counts.
  auto info = read_file_info(path);
  ASSERT_TRUE(info.ok()) << info.status().to_string();
  ASSERT_EQ(info->row_groups.size(), 1u);
  for (const auto& c : info->row_groups[0].columns) {
    EXPECT_EQ(c.num_pages, pages[c.path]["pages"].get<int64_t>()) << c.path;
  }
  std::string text = format_file_info(*info);
  EXPECT_NE(text.find("  id: INT64 ZSTD [PLAIN,RLE_DICTIONARY] values=6000"), std::string::npos)
      << text;
  EXPECT_NE(text.find("min=\"" + s.min_name + "\""), std::string::npos) << text;
  EXPECT_NE(text.find("required FIXED_LEN_BYTE_ARRAY(6) amount (DECIMAL(12,2))"), std::string::npos)
      << text;
  EXPECT_NE(text.find("metadata:     kafka.offsets = orders:0:100-200"), std::string::npos);
}

TEST(ParquetWriter, RowGroupsFlushAtTheSizeTargetAndBufferedBytesStayBounded) {
  auto schema = stats_schema();
  TempDir dir;
  std::string path = dir.file("groups.parquet");
  auto sink = LocalFileSink::create(path);
  ASSERT_TRUE(sink.ok());
  WriterOptions o;
  o.row_group_size = 256 * 1024;
  o.data_page_size = 16 * 1024;
  auto w = FileWriter::open(schema, sink->get(), o);
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  columnar::RecordBatch batch(schema);
  uint64_t rows = 0;
  size_t max_buffered = 0;
  for (int i = 0; i < 20; ++i) {
    batch.clear();
    fill(batch, 5000);
    ASSERT_TRUE((*w)->write(batch).ok());
    rows += 5000;
    auto st = (*w)->stats();
    EXPECT_EQ(st.rows_written, rows);
    max_buffered = std::max<size_t>(max_buffered, st.buffered_bytes);
    EXPECT_EQ(st.flushed_bytes, (*sink)->position());
  }
  // One 16K-row slice past the target at most.
  EXPECT_LT(max_buffered, o.row_group_size * 2);
  ASSERT_TRUE((*w)->flush_row_group().ok());
  EXPECT_EQ((*w)->stats().buffered_bytes, 0u);
  auto s = (*w)->close();
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_GT(s->num_row_groups, 3u);
  auto r = testing::duck("SELECT count(*) AS n, count(DISTINCT id) AS d FROM read_parquet('" +
                         path + "')");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0]["n"], std::to_string(rows));
  auto g = testing::duck("SELECT count(DISTINCT row_group_id) AS g FROM parquet_metadata('" + path +
                         "')");
  EXPECT_EQ(g[0]["g"], std::to_string(s->num_row_groups));
}

TEST(ParquetWriter, RowGroupRowLimitSplitsBatchesAtRowBoundaries) {
  auto schema = stats_schema();
  columnar::RecordBatch batch(schema);
  StatsFile s = fill(batch, 2500);
  TempDir dir;
  std::string path = dir.file("rows.parquet");
  WriterOptions o;
  o.row_group_rows = 1000;
  o.column_encoding["id"] = Encoding::kDeltaBinaryPacked;  // per-column overrides
  o.column_encoding["score"] = Encoding::kByteStreamSplit;
  o.column_encoding["uniq"] = Encoding::kPlain;
  auto summary = testing::write_file(path, schema, {&batch}, o);
  EXPECT_EQ(summary.num_row_groups, 3u);
  auto md = by_path(testing::duck("SELECT path_in_schema, encodings FROM parquet_metadata('" +
                                  path + "') WHERE row_group_id = 2"));
  EXPECT_EQ(md["id"]["encodings"], "DELTA_BINARY_PACKED");
  EXPECT_EQ(md["score"]["encodings"], "BYTE_STREAM_SPLIT, RLE");
  EXPECT_EQ(md["uniq"]["encodings"], "PLAIN");
  EXPECT_EQ(md["u"]["encodings"], "PLAIN, RLE_DICTIONARY");
  auto g = testing::duck(
      "SELECT row_group_id, any_value(row_group_num_rows) AS n FROM "
      "parquet_metadata('" +
      path + "') GROUP BY 1 ORDER BY 1");
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0]["n"], "1000");
  EXPECT_EQ(g[2]["n"], "500");
  testing::expect_readers_agree(path, s.expected);
}

TEST(ParquetWriter, RejectsMismatchedBatchesBadLevelsAndBadOptions) {
  auto schema = stats_schema();
  MemorySink sink;
  auto w = FileWriter::open(schema, &sink, {});
  ASSERT_TRUE(w.ok());
  auto other = std::make_shared<columnar::Schema>(
      "x", std::vector<Field>{Field::leaf("id", PhysicalType::kInt32)});
  columnar::RecordBatch wrong(other);
  wrong.column(0).append_fixed<int32_t>(1);
  wrong.column(0).count_slot();
  wrong.finish_row();
  EXPECT_EQ((*w)->write(wrong).code(), StatusCode::kInvalidArgument);

  columnar::RecordBatch bad(schema);
  fill(bad, 10);
  bad.set_num_rows(11);  // columns hold 10 rows
  Status st = (*w)->write(bad);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("rows"), std::string::npos) << st.message();

  Field uuid =
      Field::leaf("u", PhysicalType::kFixedLenByteArray, Repetition::kRequired, LogicalType::kUuid);
  uuid.fixed_length = 8;
  auto bad_schema = std::make_shared<columnar::Schema>("x", std::vector<Field>{uuid});
  MemorySink s2;
  EXPECT_EQ(FileWriter::open(bad_schema, &s2, {}).status().code(), StatusCode::kInvalidArgument);
  WriterOptions o;
  o.compression = Compression::kZstd;
  o.compression_level = 0;
  EXPECT_EQ(FileWriter::open(schema, &s2, o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.column_encoding["nope"] = Encoding::kPlain;
  EXPECT_EQ(FileWriter::open(schema, &s2, o).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(parse_compression("brotli").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(*parse_compression("ZSTD"), Compression::kZstd);
}

}  // namespace
}  // namespace lakestream::parquet
