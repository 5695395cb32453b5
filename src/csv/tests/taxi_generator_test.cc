#include "csv/taxi_generator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "csv/csv_reader.h"
#include "csv/tests/test_util.h"

namespace lakestream::csv {
namespace {

std::string generate(uint64_t first, uint64_t count, TaxiGeneratorOptions o,
                     TaxiGeneratorStats* stats) {
  Buffer b;
  TaxiGenerator(o).write_rows(first, count, &b, stats);
  return std::string(b.view());
}

TEST(TaxiGenerator, DeterministicPerRowWhateverTheChunking) {
  TaxiGeneratorOptions o;
  o.seed = 7;
  o.defect_rate = 0.1;
  TaxiGeneratorStats s1, s2, s3;
  std::string whole = generate(0, 1000, o, &s1);
  std::string parts = generate(0, 300, o, &s2) + generate(300, 700, o, &s2);
  EXPECT_EQ(whole, parts);
  o.seed = 8;
  EXPECT_NE(whole, generate(0, 1000, o, &s3));
  EXPECT_EQ(s1.rows, 1000u);
  EXPECT_EQ(s1.total_defects(), s2.total_defects());
}

TEST(TaxiGenerator, RowsParseAndAddUp) {
  const uint64_t seed = 12345;
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  TaxiGeneratorStats stats;
  std::string text = std::string(TaxiGenerator::header()) + generate(0, 20000, {seed, 0}, &stats);
  auto schema = testing::taxi_schema();
  auto reader = CsvReader::make(schema, {});
  ASSERT_TRUE(reader.ok());
  columnar::RecordBatch batch(schema);
  ASSERT_TRUE(reader->feed(text, &batch).ok());
  ASSERT_TRUE(reader->finish(&batch).ok());
  EXPECT_EQ(batch.num_rows(), 20000u);
  EXPECT_EQ(reader->stats().rows_rejected, 0u);
  EXPECT_EQ(reader->stats().blank_lines, 1u);
  // Layout quirks of the real files.
  EXPECT_EQ(text.substr(text.find('\n') + 1, 2), "\r\n");
  EXPECT_NE(text.find(",.", 0), std::string::npos);  // distances like ".50"

  auto vendor = batch.column(0).values<int64_t>();
  auto pax = batch.column(3).values<double>();
  auto pu = batch.column(7).values<int64_t>();
  auto pay = batch.column(9).values<int64_t>();
  std::vector<std::span<const double>> amounts;
  for (int c = 10; c <= 16; ++c) amounts.push_back(batch.column(c).values<double>());
  size_t v1 = 0;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    ASSERT_TRUE(vendor[r] == 1 || vendor[r] == 2);
    ASSERT_GE(pax[r], 0);
    ASSERT_LE(pax[r], 6);
    ASSERT_GE(pu[r], 1);
    ASSERT_LE(pu[r], 265);
    ASSERT_GE(pay[r], 1);
    ASSERT_LE(pay[r], 4);
    double sum = 0;
    for (int c = 0; c < 6; ++c) sum += amounts[c][r];
    ASSERT_NEAR(sum, amounts[6][r], 1e-9) << "row " << r;
    if (pay[r] == 2) {
      ASSERT_EQ(amounts[3][r], 0.0) << "cash trips have no recorded tip";
    }
    ASSERT_LE(std::string(batch.column(1).bytes_at(r)), std::string(batch.column(2).bytes_at(r)));
    v1 += vendor[r] == 1;
  }
  EXPECT_GT(v1, 20000 * 0.40);
  EXPECT_LT(v1, 20000 * 0.50);
}

TEST(TaxiGenerator, PlantedDefectsAreExactlyTheRejectedRows) {
  TaxiGeneratorStats stats;
  std::string text = std::string(TaxiGenerator::header()) + generate(0, 20000, {99, 0.05}, &stats);
  auto schema = testing::taxi_schema();
  uint64_t rejects = 0;
  auto reader = CsvReader::make(schema, {}, [&](const RejectedRow&) { ++rejects; });
  ASSERT_TRUE(reader.ok());
  columnar::RecordBatch batch(schema);
  ASSERT_TRUE(reader->feed(text, &batch).ok());
  ASSERT_TRUE(reader->finish(&batch).ok());
  const CsvStats& cs = reader->stats();
  EXPECT_GT(stats.total_defects(), 800u);
  EXPECT_LT(stats.total_defects(), 1200u);
  EXPECT_EQ(cs.rows_rejected, stats.total_defects());
  EXPECT_EQ(rejects, stats.total_defects());
  EXPECT_EQ(cs.rows_accepted, 20000u - stats.total_defects());
  auto k = [&](RejectKind kind) { return cs.rejects_by_kind[static_cast<int>(kind)]; };
  auto d = [&](TaxiDefect kind) { return stats.defects[static_cast<int>(kind)]; };
  EXPECT_EQ(k(RejectKind::kFieldCount), d(TaxiDefect::kShortRow) + d(TaxiDefect::kExtraField));
  EXPECT_EQ(k(RejectKind::kMissingValue), d(TaxiDefect::kEmptyNumber));
  EXPECT_EQ(k(RejectKind::kBadValue), d(TaxiDefect::kNotANumber));
}

}  // namespace
}  // namespace lakestream::csv
