// Helpers shared by the avro unit tests.
#pragma once

#include <cstdlib>
#include <string>

namespace lakestream::avro {

// A path under the source tree (ctest sets LAKESTREAM_SOURCE_DIR; fall back to the cwd).
inline std::string source_path(const std::string& rel) {
  const char* root = std::getenv("LAKESTREAM_SOURCE_DIR");
  return std::string(root ? root : ".") + "/" + rel;
}

}  // namespace lakestream::avro

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "avro/json_datum.h"
#include "avro/schema.h"
#include "common/buffer.h"

namespace lakestream::avro {

inline Schema must_parse(const std::string& json) {
  auto s = parse_schema(json);
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? std::move(s).value() : Schema();
}

// Avro binary of `value` written in Avro's JSON encoding (unions tagged).
inline std::vector<uint8_t> datum(const Schema& s, const std::string& value_json) {
  Buffer b;
  Status st =
      encode_json_value(s, s.root_id(), nlohmann::json::parse(value_json), JsonForm::kAvroJson, b);
  EXPECT_TRUE(st.ok()) << st.to_string();
  return std::vector<uint8_t>(b.data(), b.data() + b.size());
}

inline std::vector<int16_t> to_vec(std::span<const int16_t> s) { return {s.begin(), s.end()}; }

}  // namespace lakestream::avro
