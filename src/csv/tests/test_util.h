// Helpers for CSV tests: a hand-built taxi schema and a text rendering of RecordBatch rows.
#pragma once

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "columnar/record_batch.h"
#include "columnar/schema.h"

namespace lakestream::csv::testing {

using columnar::Field;
using columnar::PhysicalType;
using columnar::Repetition;

// The seed's nyc_taxi.avsc as a columnar schema (all fields required).
inline std::shared_ptr<const columnar::Schema> taxi_schema() {
  auto L = [](const char* n) { return Field::leaf(n, PhysicalType::kInt64); };
  auto D = [](const char* n) { return Field::leaf(n, PhysicalType::kDouble); };
  auto S = [](const char* n) {
    return Field::leaf(n, PhysicalType::kByteArray, Repetition::kRequired,
                       columnar::LogicalType::kString);
  };
  return std::make_shared<columnar::Schema>(
      "nyc_avro_test",
      std::vector<Field>{L("VendorID"), S("tpep_pickup_datetime"), S("tpep_dropoff_datetime"),
                         D("passenger_count"), D("trip_distance"), D("RatecodeID"),
                         S("store_and_fwd_flag"), L("PULocationID"), L("DOLocationID"),
                         L("payment_type"), D("fare_amount"), D("extra"), D("mta_tax"),
                         D("tip_amount"), D("tolls_amount"), D("improvement_surcharge"),
                         D("total_amount")});
}

// Row r of a flat batch as "v1|v2|..." (null as "NULL", doubles with %g-like shortest form).
inline std::string row_text(const columnar::RecordBatch& b, size_t r) {
  std::string out;
  for (size_t c = 0; c < b.num_columns(); ++c) {
    const auto& col = b.column(c);
    // Index of row r among non-null values.
    size_t vi = r;
    bool null = false;
    if (col.descriptor().max_def > 0) {
      auto defs = col.def_levels();
      null = defs[r] == 0;
      vi = 0;
      for (size_t i = 0; i < r; ++i) vi += defs[i] != 0;
    }
    if (c) out += '|';
    if (null) {
      out += "NULL";
      continue;
    }
    switch (col.physical()) {
      case PhysicalType::kBoolean:
        out += col.values<uint8_t>()[vi] ? "true" : "false";
        break;
      case PhysicalType::kInt32:
        out += std::to_string(col.values<int32_t>()[vi]);
        break;
      case PhysicalType::kInt64:
        out += std::to_string(col.values<int64_t>()[vi]);
        break;
      case PhysicalType::kFloat:
        out += fmt::format("{}", col.values<float>()[vi]);
        break;
      case PhysicalType::kDouble:
        out += fmt::format("{}", col.values<double>()[vi]);
        break;
      case PhysicalType::kByteArray:
        out += std::string(col.bytes_at(vi));
        break;
      default:
        out += "?";
    }
  }
  return out;
}

inline std::vector<std::string> rows_text(const columnar::RecordBatch& b) {
  std::vector<std::string> v;
  for (size_t r = 0; r < b.num_rows(); ++r) v.push_back(row_text(b, r));
  return v;
}

}  // namespace lakestream::csv::testing
