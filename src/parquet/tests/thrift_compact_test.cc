#include "parquet/thrift_compact.h"

#include <gtest/gtest.h>

#include "parquet/footer_reader.h"

namespace lakestream::parquet::thrift {
namespace {

TEST(ThriftCompact, WriterOutputMatchesTheSpecBytesAndReadsBack) {
  Buffer b;
  CompactWriter w(&b);
  w.begin_struct();
  w.field_i32(1, -3);       // delta 1, type i32 (5), zigzag(-3) = 5
  w.field_binary(4, "ab");  // delta 3, type binary (8)
  w.field_i64(20, 300);     // delta 16 > 15: long form, type i64 (6), id zigzag 40
  w.field_list(21, CType::kI32, 2);
  w.elem_i32(1);
  w.elem_i32(-1);
  w.field_bool(22, true);
  w.end_struct();
  std::vector<uint8_t> want = {0x15, 0x05, 0x38, 0x02, 'a',  'b',  0x06, 0x28,
                               0xD8, 0x04, 0x19, 0x25, 0x02, 0x01, 0x11, 0x00};
  ASSERT_EQ(std::vector<uint8_t>(b.data(), b.data() + b.size()), want);
  size_t used = 0;
  auto v = read_struct(b.span(), &used);
  ASSERT_TRUE(v.ok()) << v.status().to_string();
  EXPECT_EQ(used, b.size());
  EXPECT_EQ(v->int_or(1, 0), -3);
  EXPECT_EQ(v->field(4)->bin, "ab");
  EXPECT_EQ(v->int_or(20, 0), 300);
  ASSERT_EQ(v->field(21)->elems.size(), 2u);
  EXPECT_EQ(v->field(21)->elems[1].i, -1);
  EXPECT_EQ(v->int_or(22, 0), 1);
}

TEST(ThriftCompact, ReaderRejectsTruncatedAndHostileInput) {
  std::vector<uint8_t> truncated = {0x15};
  EXPECT_EQ(read_struct(truncated, nullptr).status().code(), StatusCode::kInvalidData);
  std::vector<uint8_t> huge_list = {0x19, 0xF5, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
  EXPECT_EQ(read_struct(huge_list, nullptr).status().code(), StatusCode::kInvalidData);
  std::vector<uint8_t> deep(200, 0x1C);  // struct in struct in struct ...
  EXPECT_EQ(read_struct(deep, nullptr).status().code(), StatusCode::kInvalidData);
  std::vector<uint8_t> bad_type = {0x1D};
  EXPECT_EQ(read_struct(bad_type, nullptr).status().code(), StatusCode::kInvalidData);
}

TEST(FooterReader, RejectsFilesThatAreNotParquet) {
  std::vector<uint8_t> small = {'P', 'A', 'R', '1'};
  EXPECT_EQ(parse_file(small).status().code(), StatusCode::kInvalidData);
  std::vector<uint8_t> no_magic(64, 0);
  EXPECT_EQ(parse_file(no_magic).status().code(), StatusCode::kInvalidData);
  std::vector<uint8_t> long_footer = {'P',  'A',  'R', '1', 0,   0,   0,   0,
                                      0xFF, 0xFF, 0,   0,   'P', 'A', 'R', '1'};
  auto st = parse_file(long_footer).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidData);
  EXPECT_NE(st.message().find("footer length"), std::string::npos) << st.message();
  EXPECT_EQ(read_file_info("/nonexistent/x.parquet").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace lakestream::parquet::thrift
