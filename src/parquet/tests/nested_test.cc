// LIST, MAP, nested groups and lists of lists, with nulls and empties, judged by three readers.
#include <gtest/gtest.h>

#include <optional>
#include <random>

#include "parquet/tests/test_util.h"

namespace lakestream::parquet {
namespace {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;
using nlohmann::json;

std::shared_ptr<const columnar::Schema> nested_schema() {
  std::vector<Field> f;
  f.push_back(Field::leaf("id", PhysicalType::kInt64));
  f.push_back(Field::list_of("tags", Field::leaf("e", PhysicalType::kByteArray,
                                                 Repetition::kOptional, LogicalType::kString)));
  f.push_back(Field::map_of(
      "props",
      Field::leaf("k", PhysicalType::kByteArray, Repetition::kRequired, LogicalType::kString),
      Field::leaf("v", PhysicalType::kInt64, Repetition::kOptional)));
  f.push_back(Field::group_of("point",
                              {Field::leaf("x", PhysicalType::kDouble),
                               Field::leaf("y", PhysicalType::kInt32, Repetition::kOptional)},
                              Repetition::kOptional));
  f.push_back(Field::list_of(
      "matrix", Field::list_of("e", Field::leaf("e", PhysicalType::kInt32), Repetition::kRequired),
      Repetition::kRequired));
  return std::make_shared<columnar::Schema>("nested", std::move(f));
}

json nested_kinds() {
  json point = json::object();
  point["struct"] = json::array({json::array({"x", "f"}), json::array({"y", "i"})});
  json props = json::object();
  props["map"] = json::array({"s", "i"});
  json tags = json::object();
  tags["list"] = "s";
  json inner = json::object();
  inner["list"] = "i";
  json matrix = json::object();
  matrix["list"] = inner;
  return json::array({json::array({"id", "i"}), json::array({"tags", tags}),
                      json::array({"props", props}), json::array({"point", point}),
                      json::array({"matrix", matrix})});
}

// Shreds generated rows into `batch` (columns: id, tags.element, props.key, props.value, point.x,
// point.y, matrix.element) and returns the expected rows.
json fill(columnar::RecordBatch& batch, int first_row, int rows, std::mt19937_64& g) {
  json out = json::array();
  auto& id = batch.column(0);
  auto& tag = batch.column(1);
  auto& key = batch.column(2);
  auto& val = batch.column(3);
  auto& px = batch.column(4);
  auto& py = batch.column(5);
  auto& mx = batch.column(6);
  for (int r = first_row; r < first_row + rows; ++r) {
    json row = json::array();
    id.append_fixed<int64_t>(r);
    id.count_slot();
    row.push_back(std::to_string(r));

    // tags: null, empty, or 1..4 elements some null
    int t = static_cast<int>(g() % 6);
    if (t == 0) {
      tag.append_levels(0, 0);
      row.push_back(nullptr);
    } else if (t == 1) {
      tag.append_levels(1, 0);
      row.push_back(json::array());
    } else {
      json list = json::array();
      int n = static_cast<int>(g() % 4) + 1;
      for (int i = 0; i < n; ++i) {
        int16_t rep = i == 0 ? 0 : 1;
        if (g() % 5 == 0) {
          tag.append_levels(2, rep);
          list.push_back(nullptr);
        } else {
          std::string s = "tag" + std::to_string(g() % 50);
          tag.append_levels(3, rep);
          tag.append_bytes(s);
          list.push_back(s);
        }
      }
      row.push_back(list);
    }

    // props: null, empty, or entries with unique keys, some values null
    int p = static_cast<int>(g() % 5);
    if (p == 0) {
      key.append_levels(0, 0);
      val.append_levels(0, 0);
      row.push_back(nullptr);
    } else if (p == 1) {
      key.append_levels(1, 0);
      val.append_levels(1, 0);
      row.push_back(json::array());
    } else {
      json m = json::array();
      int n = static_cast<int>(g() % 3) + 1;
      for (int i = 0; i < n; ++i) {
        int16_t rep = i == 0 ? 0 : 1;
        std::string k = "key_" + std::string(1, static_cast<char>('a' + i));
        key.append_levels(2, rep);
        key.append_bytes(k);
        if (g() % 4 == 0) {
          val.append_levels(2, rep);
          m.push_back(json::array({k, nullptr}));
        } else {
          auto v = static_cast<int64_t>(g() % 1000000) - 500000;
          val.append_levels(3, rep);
          val.append_fixed(v);
          m.push_back(json::array({k, std::to_string(v)}));
        }
      }
      row.push_back(m);
    }

    // point: null or {x, y?}
    if (g() % 4 == 0) {
      px.append_levels(0, 0);
      py.append_levels(0, 0);
      row.push_back(nullptr);
    } else {
      double x = static_cast<double>(g() % 10000) / 16.0;
      px.append_levels(1, 0);
      px.append_fixed(x);
      json y = nullptr;
      if (g() % 3 == 0) {
        py.append_levels(1, 0);
      } else {
        auto yv = static_cast<int32_t>(g() % 200) - 100;
        py.append_levels(2, 0);
        py.append_fixed(yv);
        y = std::to_string(yv);
      }
      json pt = json::object();
      pt["x"] = x;
      pt["y"] = y;
      row.push_back(pt);
    }

    // matrix: required list of required lists of int32
    int outer = static_cast<int>(g() % 4);
    json mat = json::array();
    if (outer == 0) mx.append_levels(0, 0);
    for (int i = 0; i < outer; ++i) {
      int inner = static_cast<int>(g() % 3);
      json in = json::array();
      if (inner == 0) mx.append_levels(1, i == 0 ? 0 : 1);
      for (int j = 0; j < inner; ++j) {
        int16_t rep = (i == 0 && j == 0) ? 0 : (j == 0 ? 1 : 2);
        auto v = static_cast<int32_t>(g() % 100);
        mx.append_levels(2, rep);
        mx.append_fixed(v);
        in.push_back(std::to_string(v));
      }
      mat.push_back(in);
    }
    row.push_back(mat);
    batch.finish_row();
    out.push_back(std::move(row));
  }
  return out;
}

struct NestedCase {
  const char* name;
  Compression codec;
  Encoding encoding;
  int rows;
  size_t page_size;
  uint64_t row_group_rows;
};

class Nested : public ::testing::TestWithParam<NestedCase> {};

TEST_P(Nested, ReadBackValueForValueByThreeReaders) {
  const auto& c = GetParam();
  constexpr uint64_t kSeed = 4242;
  std::printf("seed %llu\n", static_cast<unsigned long long>(kSeed));
  std::mt19937_64 g(kSeed);
  auto schema = nested_schema();
  ASSERT_EQ(schema->num_columns(), 7u);
  EXPECT_EQ(schema->columns()[1].max_def, 3);
  EXPECT_EQ(schema->columns()[6].max_rep, 2);
  std::vector<std::unique_ptr<columnar::RecordBatch>> batches;
  json expected;
  expected["columns"] = nested_kinds();
  expected["rows"] = json::array();
  for (int r = 0; r < c.rows; r += 500) {
    batches.push_back(std::make_unique<columnar::RecordBatch>(schema));
    json part = fill(*batches.back(), r, std::min(500, c.rows - r), g);
    for (auto& row : part) expected["rows"].push_back(std::move(row));
  }
  std::vector<const columnar::RecordBatch*> ptrs;
  for (auto& b : batches) ptrs.push_back(b.get());
  testing::TempDir dir;
  WriterOptions o;
  o.compression = c.codec;
  o.encoding = c.encoding;
  o.data_page_size = c.page_size;
  o.row_group_rows = c.row_group_rows;
  std::string path = dir.file(std::string(c.name) + ".parquet");
  auto s = testing::write_file(path, schema, ptrs, o);
  EXPECT_EQ(s.num_rows, static_cast<uint64_t>(c.rows));
  testing::expect_readers_agree(path, expected);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, Nested,
    ::testing::Values(
        NestedCase{"snappy_one_page", Compression::kSnappy, Encoding::kDictionary, 1500, 1 << 20,
                   0},
        NestedCase{"zstd_many_pages", Compression::kZstd, Encoding::kDictionary, 3000, 512, 1100},
        NestedCase{"plain_many_pages", Compression::kUncompressed, Encoding::kPlain, 2000, 256, 0},
        NestedCase{"one_row", Compression::kGzip, Encoding::kDeltaBinaryPacked, 1, 1 << 20, 0}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace lakestream::parquet
