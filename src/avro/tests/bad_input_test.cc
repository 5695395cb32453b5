// Malformed datums: every case must give kInvalidData naming the field and byte offset, leave
// the batch as it was, and never read past the datum (ASan checks the last part in CI).
#include <gtest/gtest.h>

#include <memory>

#include "avro/decoder.h"
#include "avro/tests/test_util.h"

namespace lakestream::avro {
namespace {

using columnar::RecordBatch;

const char* kSchema = R"({"type":"record","name":"R","fields":[
    {"name":"id","type":"long"},
    {"name":"name","type":"string"},
    {"name":"tags","type":{"type":"array","items":"string"}},
    {"name":"opt","type":["null","int"]}]})";

class AvroBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    schema_ = must_parse(kSchema);
    auto d = Decoder::create(schema_);
    ASSERT_TRUE(d.ok());
    decoder_ = std::make_unique<Decoder>(std::move(d).value());
    batch_ = std::make_unique<RecordBatch>(decoder_->columnar_schema());
    // One good row first, so rollback has something to preserve.
    good_ = datum(schema_, R"({"id":1,"name":"ok","tags":["a","b"],"opt":{"int":5}})");
    ASSERT_TRUE(decoder_->decode(good_, *batch_).ok());
  }

  // Decodes `bytes` from an exact-size heap copy (so ASan sees any over-read) and checks the
  // failure and the rollback.
  void expect_failure(const std::vector<uint8_t>& bytes, const std::string& needle) {
    auto copy = std::make_unique<uint8_t[]>(bytes.size() ? bytes.size() : 1);
    std::copy(bytes.begin(), bytes.end(), copy.get());
    Status st = decoder_->decode({copy.get(), bytes.size()}, *batch_);
    EXPECT_EQ(st.code(), StatusCode::kInvalidData) << st.to_string();
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
    EXPECT_EQ(batch_->num_rows(), 1u);
    for (size_t c = 0; c < batch_->num_columns(); ++c) {
      const auto& col = batch_->column(c);
      EXPECT_EQ(col.num_slots(), c == 2 ? 2u : 1u) << "column " << c;
    }
    EXPECT_EQ(batch_->column(1).bytes_at(0), "ok");
    EXPECT_EQ(batch_->column(1).bytes().size(), 2u);
    EXPECT_EQ(batch_->column(2).offsets().size(), 3u);
  }

  Schema schema_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<RecordBatch> batch_;
  std::vector<uint8_t> good_;
};

TEST_F(AvroBadInput, EveryTruncationFailsCleanly) {
  for (size_t n = 0; n < good_.size(); ++n) {
    std::vector<uint8_t> cut(good_.begin(), good_.begin() + static_cast<long>(n));
    expect_failure(cut, "avro decode: field '");
  }
}

TEST_F(AvroBadInput, TruncatedStringNamesFieldAndOffset) {
  // id=1 (0x02), name length 10 but only 2 bytes follow.
  expect_failure({0x02, 0x14, 'o', 'k'}, "field 'name': byte 1: length 10 runs past the end");
}

TEST_F(AvroBadInput, VarintLongerThanTenBytes) {
  std::vector<uint8_t> d(11, 0x80);
  d.push_back(0x01);
  expect_failure(d, "field 'id': byte 0: varint longer than 10 bytes");
}

TEST_F(AvroBadInput, NegativeLength) {
  expect_failure({0x02, 0x03, 'x'}, "field 'name': byte 1: negative length -2");
}

TEST_F(AvroBadInput, ArrayCountPastBuffer) {
  // tags block count 1000 with 3 bytes left.
  expect_failure({0x02, 0x00, 0xD0, 0x0F, 0x00, 0x00, 0x00}, "field 'tags': byte 2: length 1000");
}

TEST_F(AvroBadInput, UnionIndexOutOfRange) {
  expect_failure({0x02, 0x00, 0x00, 0x04, 0x02},
                 "field 'opt': byte 3: union branch index 2 out of range (union has 2 branches)");
  expect_failure({0x02, 0x00, 0x00, 0x01}, "union branch index -1 out of range");
}

TEST_F(AvroBadInput, InvalidUtf8InString) {
  expect_failure({0x02, 0x04, 'a', 0xC0, 0x00, 0x00}, "field 'name': byte 1: invalid UTF-8");
  expect_failure({0x02, 0x00, 0x02, 0x06, 0xED, 0xA0, 0x80, 0x00, 0x00},
                 "field 'tags[]': byte 3: invalid UTF-8");  // a surrogate
}

TEST_F(AvroBadInput, Utf8CheckCanBeDisabled) {
  DecoderOptions no_check;
  no_check.validate_utf8 = false;
  auto d = Decoder::create(schema_, no_check);
  ASSERT_TRUE(d.ok());
  RecordBatch b(d->columnar_schema());
  std::vector<uint8_t> bytes = {0x02, 0x04, 'a', 0xC0, 0x00, 0x00};
  EXPECT_TRUE(d->decode(bytes, b).ok());
  EXPECT_EQ(b.column(1).bytes_at(0), "a\xC0");
}

TEST_F(AvroBadInput, TrailingBytes) {
  std::vector<uint8_t> d = good_;
  d.push_back(0x00);
  expect_failure(d, "1 trailing bytes after the record");
}

TEST_F(AvroBadInput, IntOutOfRange) {
  Schema s = must_parse(R"({"type":"record","name":"I","fields":[{"name":"i","type":"int"}]})");
  auto d = Decoder::create(s);
  ASSERT_TRUE(d.ok());
  RecordBatch b(d->columnar_schema());
  std::vector<uint8_t> bytes = {0xFE, 0xFF, 0xFF, 0xFF, 0x1F};  // 2^32-1 zigzag -> 2147483647*2
  Status st = d->decode(bytes, b);
  EXPECT_EQ(st.code(), StatusCode::kInvalidData);
  EXPECT_NE(st.message().find("does not fit in 32 bits"), std::string::npos) << st.message();
}

TEST_F(AvroBadInput, HugeCountOfEmptyItemsIsCapped) {
  Schema s = must_parse(
      R"({"type":"record","name":"N","fields":[{"name":"n","type":{"type":"array","items":"null"}}]})");
  auto d = Decoder::create(s);
  ASSERT_TRUE(d.ok());
  RecordBatch b(d->columnar_schema());
  // Block count 2^62: every item is zero bytes, so only the cap stops it.
  std::vector<uint8_t> bytes = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00};
  Status st = d->decode(bytes, b);
  EXPECT_EQ(st.code(), StatusCode::kInvalidData);
  EXPECT_NE(st.message().find("too many zero-size items"), std::string::npos) << st.message();
  EXPECT_EQ(b.column(0).num_slots(), 0u);
}

TEST_F(AvroBadInput, BatchWithTooFewColumnsIsRejected) {
  auto small = std::make_shared<columnar::Schema>(
      "m",
      std::vector<columnar::Field>{columnar::Field::leaf("x", columnar::PhysicalType::kInt64)});
  RecordBatch b(small);
  EXPECT_EQ(decoder_->decode(good_, b).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakestream::avro
