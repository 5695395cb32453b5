// The early dictionary give-up: a chunk whose first values are mostly distinct switches to PLAIN
// after kDictionaryProbeValues values (column_writer.cc), long before the 1 MiB dictionary limit;
// a low-cardinality column keeps its dictionary. Judged by DuckDB's view of the file.
#include <gtest/gtest.h>

#include "parquet/tests/test_util.h"

namespace lakestream::parquet {
namespace {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;
using nlohmann::json;

TEST(ParquetDictionaryProbe, MostlyDistinctChunkGoesPlainEarlyLowCardinalityKeepsDictionary) {
  std::vector<Field> f;
  f.push_back(
      Field::leaf("ts", PhysicalType::kByteArray, Repetition::kRequired, LogicalType::kString));
  f.push_back(
      Field::leaf("flag", PhysicalType::kByteArray, Repetition::kRequired, LogicalType::kString));
  auto schema = std::make_shared<columnar::Schema>("probe", std::move(f));
  columnar::RecordBatch b(schema);
  constexpr int kRows = 20000;
  json rows = json::array();
  for (int r = 0; r < kRows; ++r) {
    std::string ts = "2017-01-01 00:00:" + std::to_string(100000 + r);  // all distinct, 23 bytes
    std::string flag = r % 50 ? "N" : "Y";
    b.column(0).append_bytes(ts);
    b.column(0).count_slot();
    b.column(1).append_bytes(flag);
    b.column(1).count_slot();
    b.finish_row();
    rows.push_back({ts, flag});
  }
  testing::TempDir dir;
  std::string path = dir.file("probe.parquet");
  WriterOptions o;
  o.compression = Compression::kUncompressed;
  testing::write_file(path, schema, {&b}, o);
  json expected;
  expected["columns"] = json::array({json::array({"ts", "s"}), json::array({"flag", "s"})});
  expected["rows"] = rows;
  testing::expect_readers_agree(path, expected);

  auto md = testing::duck(
      "SELECT path_in_schema AS p, encodings AS e, dictionary_page_offset AS d, "
      "data_page_offset AS o FROM parquet_metadata('" +
      path + "') ORDER BY p");
  ASSERT_EQ(md.size(), 2u);
  // flag: dictionary throughout (2 entries).
  EXPECT_EQ(md[0]["p"], "flag");
  EXPECT_EQ(md[0]["e"], "PLAIN, RLE_DICTIONARY");
  // ts: the dictionary page (header + PLAIN entries of 4 + 23 bytes) holds only the 4096 values
  // seen before the probe, not all 20000 (540 kB); the rest of the chunk is PLAIN.
  EXPECT_EQ(md[1]["p"], "ts");
  EXPECT_EQ(md[1]["e"], "PLAIN, RLE_DICTIONARY");
  int64_t dict_page =
      std::stoll(md[1]["o"].get<std::string>()) - std::stoll(md[1]["d"].get<std::string>());
  EXPECT_GT(dict_page, 4096 * 27);
  EXPECT_LT(dict_page, 4096 * 27 + 64);
}

}  // namespace
}  // namespace lakestream::parquet
