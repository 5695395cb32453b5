#include "columnar/record_batch.h"
#include "columnar/schema.h"

#include <gtest/gtest.h>

namespace lakestream::columnar {
namespace {

TEST(Schema, FlattenComputesLevelsForNestedLists) {
  Schema s("m", {Field::leaf("id", PhysicalType::kInt64),
                 Field::leaf("name", PhysicalType::kByteArray, Repetition::kOptional,
                             LogicalType::kString),
                 Field::list_of("tags", Field::leaf("x", PhysicalType::kByteArray,
                                                    Repetition::kOptional, LogicalType::kString))});
  ASSERT_EQ(s.num_columns(), 3u);
  EXPECT_EQ(s.columns()[0].max_def, 0);
  EXPECT_EQ(s.columns()[1].max_def, 1);
  EXPECT_EQ(s.columns()[2].dotted_path(), "tags.list.element");
  EXPECT_EQ(s.columns()[2].max_def, 3);  // optional tags, repeated list, optional element
  EXPECT_EQ(s.columns()[2].max_rep, 1);
}

TEST(Schema, CopyRebindsColumnDescriptors) {
  Schema a("m", {Field::leaf("id", PhysicalType::kInt64)});
  Schema b = a;
  EXPECT_EQ(b.columns()[0].field, &b.root().children[0]);
  EXPECT_NE(b.columns()[0].field, a.columns()[0].field);
}

TEST(RecordBatch, TruncateRollsBackAPartialRow) {
  auto schema = std::make_shared<Schema>(
      "m", std::vector<Field>{Field::leaf("s", PhysicalType::kByteArray, Repetition::kOptional,
                                          LogicalType::kString)});
  RecordBatch batch(schema);
  auto& col = batch.column(0);
  col.append_levels(1, 0);
  col.append_bytes("abc");
  col.append_levels(0, 0);
  col.append_levels(1, 0);
  col.append_bytes("defg");
  EXPECT_EQ(col.num_slots(), 3u);
  EXPECT_EQ(col.num_values(), 2u);
  EXPECT_EQ(col.bytes_at(1), "defg");
  col.truncate(2, 1);
  EXPECT_EQ(col.num_slots(), 2u);
  EXPECT_EQ(col.num_nulls(), 1u);
  EXPECT_EQ(col.bytes().size(), 3u);
  col.append_levels(1, 0);
  col.append_bytes("xy");
  EXPECT_EQ(col.bytes_at(1), "xy");
}

}  // namespace
}  // namespace lakestream::columnar
