// Cross-check against python3-avro (the Apache reference implementation): random records written
// by python decode to the values python reads back, and our encoder reproduces python's bytes.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "avro/decoder.h"
#include "avro/encoder.h"
#include "avro/tests/test_util.h"

namespace lakestream::avro {
namespace {

using nlohmann::json;

struct Generated {
  std::vector<std::vector<uint8_t>> datums;
  std::vector<json> values;
};

// Runs gen_random.py in a temp dir (removed afterwards) and loads what it wrote.
Generated generate(const std::string& schema_path, int count, int seed) {
  Generated g;
  char tmpl[] = "/tmp/avro_cross_XXXXXX";
  const char* dir = mkdtemp(tmpl);
  EXPECT_NE(dir, nullptr);
  if (!dir) return g;
  std::string prefix = std::string(dir) + "/out";
  std::string cmd = "/usr/bin/python3 " + source_path("src/avro/tests/gen_random.py") + " " +
                    schema_path + " " + std::to_string(count) + " " + std::to_string(seed) + " " +
                    prefix;
  int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << cmd;
  std::ifstream bin(prefix + ".bin", std::ios::binary);
  std::vector<uint8_t> all((std::istreambuf_iterator<char>(bin)), std::istreambuf_iterator<char>());
  for (size_t at = 0; at + 4 <= all.size();) {
    uint32_t n;
    std::memcpy(&n, all.data() + at, 4);
    at += 4;
    g.datums.emplace_back(all.begin() + static_cast<long>(at),
                          all.begin() + static_cast<long>(at + n));
    at += n;
  }
  std::ifstream js(prefix + ".jsonl");
  for (std::string line; std::getline(js, line);) g.values.push_back(json::parse(line));
  std::filesystem::remove_all(dir);
  return g;
}

std::string latin1(const std::string& utf8) {  // JSON byte strings back to bytes
  std::string out;
  for (size_t i = 0; i < utf8.size(); ++i) {
    auto c = static_cast<uint8_t>(utf8[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F)));
      ++i;
    }
  }
  return out;
}

// Compares every column outside lists, maps and general unions with python's values.
void compare_values(const columnar::RecordBatch& batch, const std::vector<json>& values) {
  const auto& schema = batch.schema();
  size_t checked = 0;
  for (size_t c = 0; c < schema.num_columns(); ++c) {
    const auto& desc = schema.columns()[c];
    bool simple = desc.max_rep == 0;
    for (const auto& p : desc.path) simple = simple && p.rfind("member", 0) != 0;
    if (!simple) continue;
    ++checked;
    const auto& col = batch.column(c);
    const auto& f = *desc.field;
    size_t v = 0;
    for (size_t row = 0; row < values.size(); ++row) {
      const json* j = &values[row];
      for (const auto& p : desc.path) {
        if (j->is_null()) break;
        j = &(*j)[p];
      }
      std::string where = desc.dotted_path() + " row " + std::to_string(row);
      if (j->is_null()) {
        ASSERT_GT(desc.max_def, 0) << where;
        EXPECT_LT(col.def_levels()[row], desc.max_def) << where;
        continue;
      }
      if (desc.max_def > 0) {
        ASSERT_EQ(col.def_levels()[row], desc.max_def) << where;
      }
      switch (f.physical) {
        case columnar::PhysicalType::kBoolean:
          EXPECT_EQ(col.values<uint8_t>()[v] != 0, j->get<bool>()) << where;
          break;
        case columnar::PhysicalType::kInt32:
          EXPECT_EQ(col.values<int32_t>()[v], j->get<int64_t>()) << where;
          break;
        case columnar::PhysicalType::kInt64:
          EXPECT_EQ(col.values<int64_t>()[v], j->get<int64_t>()) << where;
          break;
        case columnar::PhysicalType::kFloat:
          EXPECT_EQ(static_cast<double>(col.values<float>()[v]), j->get<double>()) << where;
          break;
        case columnar::PhysicalType::kDouble: {
          double want = j->get<double>();
          double got = col.values<double>()[v];
          EXPECT_EQ(std::memcmp(&got, &want, 8), 0) << where << ": " << got << " vs " << want;
          break;
        }
        case columnar::PhysicalType::kByteArray: {
          std::string want = j->get<std::string>();
          if (f.logical != columnar::LogicalType::kString &&
              f.logical != columnar::LogicalType::kEnum) {
            want = latin1(want);
          }
          EXPECT_EQ(col.bytes_at(v), want) << where;
          break;
        }
        case columnar::PhysicalType::kFixedLenByteArray: {
          auto n = static_cast<size_t>(f.fixed_length);
          std::string got(reinterpret_cast<const char*>(col.fixed().data()) + v * n, n);
          EXPECT_EQ(got, latin1(j->get<std::string>())) << where;
          break;
        }
      }
      ++v;
    }
    EXPECT_EQ(v, col.num_values()) << desc.dotted_path();
  }
  EXPECT_GT(checked, 0u);
}

void cross_check(const std::string& schema_path, int count, int seed) {
  std::printf("cross-check %s: %d records, seed %d\n", schema_path.c_str(), count, seed);
  auto schema = parse_schema_file(schema_path);
  ASSERT_TRUE(schema.ok()) << schema.status().to_string();
  Generated g = generate(schema_path, count, seed);
  ASSERT_EQ(g.datums.size(), static_cast<size_t>(count));
  ASSERT_EQ(g.values.size(), static_cast<size_t>(count));
  auto dec = Decoder::create(*schema);
  ASSERT_TRUE(dec.ok()) << dec.status().to_string();
  columnar::RecordBatch batch(dec->columnar_schema());
  for (size_t i = 0; i < g.datums.size(); ++i) {
    Status st = dec->decode(g.datums[i], batch);
    ASSERT_TRUE(st.ok()) << "record " << i << ": " << st.to_string();
  }
  ASSERT_EQ(batch.num_rows(), static_cast<size_t>(count));
  compare_values(batch, g.values);

  auto enc = Encoder::create(*schema);
  ASSERT_TRUE(enc.ok()) << enc.status().to_string();
  Buffer out;
  std::vector<uint32_t> ends;
  Status st = enc->encode_batch(batch, out, ends);
  ASSERT_TRUE(st.ok()) << st.to_string();
  ASSERT_EQ(ends.size(), g.datums.size());
  size_t mismatches = 0;
  uint32_t start = 0;
  for (size_t i = 0; i < ends.size(); ++i) {
    std::vector<uint8_t> got(out.data() + start, out.data() + ends[i]);
    if (got != g.datums[i] && ++mismatches <= 3) {
      ADD_FAILURE() << "record " << i << " differs";
    }
    start = ends[i];
  }
  EXPECT_EQ(mismatches, 0u);
}

TEST(AvroCrossCheck, TaxiSchemaMatchesPythonAvro) {
  cross_check(source_path("schemas/nyc_taxi.avsc"), 10000, 20261125);
}

TEST(AvroCrossCheck, KitchenSinkSchemaMatchesPythonAvro) {
  cross_check(source_path("src/avro/tests/kitchen_sink.avsc"), 10000, 424242);
}

}  // namespace
}  // namespace lakestream::avro
