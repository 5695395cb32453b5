// The producer's direct CSV -> Avro path (RowParser::RowSink + AvroRowSink over
// avro::FlatRecordEncoder) against its general path (RowParser into a RecordBatch +
// avro::Encoder, itself cross-checked with python3-avro in avro's cross_check_test): the same
// bytes, keys and bad-row counts for the same CSV.
#include "jobs/avro_row_sink.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "avro/columnar_mapping.h"
#include "avro/encoder.h"
#include "avro/flat_record_encoder.h"
#include "avro/schema.h"
#include "avro/wire_format.h"
#include "columnar/record_batch.h"
#include "csv/row_parser.h"

namespace lakestream::jobs {
namespace {

// Every kind the CSV parser has, required and nullable, with the null branch first and last.
constexpr const char* kSchema = R"({"type": "record", "name": "r", "fields": [
  {"name": "b", "type": "boolean"},
  {"name": "i", "type": "int"},
  {"name": "l", "type": "long"},
  {"name": "f", "type": "float"},
  {"name": "d", "type": "double"},
  {"name": "s", "type": "string"},
  {"name": "y", "type": "bytes"},
  {"name": "day", "type": {"type": "int", "logicalType": "date"}},
  {"name": "ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
  {"name": "us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
  {"name": "nl", "type": ["null", "long"]},
  {"name": "ln", "type": ["long", "null"], "default": 7},
  {"name": "nd", "type": ["null", "double"]},
  {"name": "ns", "type": ["null", "string"]},
  {"name": "sn", "type": ["string", "null"]},
  {"name": "nb", "type": ["null", "boolean"]},
  {"name": "nf", "type": ["null", "float"]},
  {"name": "nts", "type": ["null", {"type": "long", "logicalType": "timestamp-micros"}]},
  {"name": "missing", "type": ["null", "long"], "default": null}
]})";

const char* kHeader = "b,i,l,f,d,s,y,day,ms,us,nl,ln,nd,ns,sn,nb,nf,nts\n";

// Random rows, with a seeded share of empty (null) values, quoted fields, doubled quotes,
// embedded newlines and delimiters, CRLF endings, and bad rows.
std::string random_csv(uint32_t seed, int rows) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  auto maybe_empty = [&](std::string v) { return pick(4) == 0 ? std::string() : v; };
  std::string csv = kHeader;
  for (int r = 0; r < rows; ++r) {
    std::vector<std::string> f;
    f.push_back(pick(2) ? "true" : "false");
    f.push_back(std::to_string(static_cast<int32_t>(rng())));
    f.push_back(std::to_string(static_cast<int64_t>(rng()) * (pick(2) ? -977 : 31)));
    f.push_back(std::to_string(pick(100000) / 7.0f));
    f.push_back(pick(3) ? std::to_string(pick(1000000)) + "." + std::to_string(pick(100))
                        : "-1.5e" + std::to_string(pick(300)));
    f.push_back(pick(5) == 0 ? "\"quoted, with \"\"quotes\"\"\nand a newline\""
                             : "plain" + std::to_string(r));
    f.push_back(pick(2) ? "bytes" : "");
    f.push_back("20" + std::to_string(10 + pick(20)) + "-0" + std::to_string(1 + pick(9)) + "-1" +
                std::to_string(pick(9)));
    f.push_back("2018-03-1" + std::to_string(pick(9)) + " 0" + std::to_string(pick(10)) + ":1" +
                std::to_string(pick(6)) + ":2" + std::to_string(pick(10)));
    f.push_back("1969-12-31 23:59:5" + std::to_string(pick(10)) + "." +
                std::to_string(pick(999999)));
    f.push_back(maybe_empty(std::to_string(pick(1000) - 500)));
    f.push_back(maybe_empty(std::to_string(pick(1000))));
    f.push_back(maybe_empty(".5" + std::to_string(pick(10))));
    f.push_back(pick(6) == 0 ? "\"\"" : maybe_empty("ns" + std::to_string(pick(50))));
    f.push_back(maybe_empty("sn"));
    f.push_back(maybe_empty(pick(2) ? "t" : "0"));
    f.push_back(maybe_empty("-0"));
    f.push_back(maybe_empty("2017-01-01T00:00:00Z"));
    switch (pick(40)) {  // planted defects, counted the same way by both paths
      case 0:
        f[2] = "12x";  // bad long
        break;
      case 1:
        f.pop_back();  // a field short
        break;
      case 2:
        f[0] = "";  // missing value of a required boolean
        break;
      default:
        break;
    }
    for (size_t i = 0; i < f.size(); ++i) csv += (i ? "," : "") + f[i];
    csv += pick(3) == 0 ? "\r\n" : "\n";
  }
  return csv;
}

struct Out {
  Buffer values;
  std::vector<uint32_t> ends;
  Buffer keys;
  std::vector<uint32_t> key_ends;
  csv::CsvStats stats;
};

class AvroRowSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = avro::parse_schema(kSchema);
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    schema_ = *s;
    auto e = avro::Encoder::create(schema_);
    ASSERT_TRUE(e.ok()) << e.status().to_string();
    encoder_ = std::make_unique<avro::Encoder>(std::move(*e));
    auto f = avro::FlatRecordEncoder::create(schema_);
    ASSERT_TRUE(f.ok()) << f.status().to_string();
    flat_ = std::make_unique<avro::FlatRecordEncoder>(std::move(*f));
  }

  csv::RowParser parser() {
    auto p = csv::RowParser::make(encoder_->columnar_schema(), csv::CsvOptions());
    EXPECT_TRUE(p.ok()) << p.status().to_string();
    return std::move(*p);
  }

  // The general path (values only; keys are checked on the direct path below).
  Out general(const std::string& csv, std::optional<uint32_t> confluent) {
    Out o;
    csv::RowParser p = parser();
    columnar::RecordBatch batch(encoder_->columnar_schema());
    size_t consumed = 0;
    uint64_t lines = 0;
    EXPECT_TRUE(p.parse(csv, 1, true, &batch, &consumed, &lines).ok());
    EXPECT_EQ(consumed, csv.size());
    EXPECT_TRUE(encoder_->encode_batch(batch, o.values, o.ends, confluent).ok());
    o.stats = p.stats();
    return o;
  }

  Out direct(const std::string& csv, int key_column, std::optional<uint32_t> confluent) {
    Out o;
    csv::RowParser p = parser();
    auto sink = AvroRowSink::make(*flat_, p, confluent, key_column,
                                  {&o.values, &o.ends, &o.keys, &o.key_ends});
    EXPECT_TRUE(sink.ok()) << sink.status().to_string();
    size_t consumed = 0;
    uint64_t lines = 0;
    EXPECT_TRUE(p.parse(csv, 1, true, &*sink, &consumed, &lines).ok());
    EXPECT_EQ(consumed, csv.size());
    o.stats = p.stats();
    return o;
  }

  avro::Schema schema_;
  std::unique_ptr<avro::Encoder> encoder_;
  std::unique_ptr<avro::FlatRecordEncoder> flat_;
};

TEST_F(AvroRowSinkTest, SameBytesAndCountsAsTheGeneralPath) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const std::string csv = random_csv(seed, 3000);
    for (std::optional<uint32_t> confluent :
         {std::optional<uint32_t>(), std::optional<uint32_t>(0x01020304u)}) {
      Out g = general(csv, confluent);
      Out d = direct(csv, -1, confluent);
      ASSERT_EQ(d.ends, g.ends);
      ASSERT_EQ(d.values.size(), g.values.size());
      EXPECT_EQ(0, std::memcmp(d.values.data(), g.values.data(), g.values.size()));
      EXPECT_EQ(d.stats.rows_read, g.stats.rows_read);
      EXPECT_EQ(d.stats.rows_accepted, g.stats.rows_accepted);
      EXPECT_EQ(d.stats.rows_rejected, g.stats.rows_rejected);
      EXPECT_GT(g.stats.rows_rejected, 0u);  // the planted defects are there
      EXPECT_GT(g.stats.rows_accepted, 2500u);
    }
  }
}

TEST_F(AvroRowSinkTest, KeysAreTheValuesText) {
  const std::string csv = std::string(kHeader) +
                          "true,5,-12,1.5,2.25,abc,x,2018-01-02,2018-01-02 03:04:05,"
                          "2018-01-02 03:04:05.5,,9,,,sn,1,0.5,\n";
  const int s_col = 5, l_col = 2, nl_col = 10, b_col = 0, d_col = 4;
  auto key = [&](int col) {
    Out d = direct(csv, col, std::nullopt);
    EXPECT_EQ(d.key_ends.size(), 1u);
    return std::string(reinterpret_cast<const char*>(d.keys.data()), d.keys.size());
  };
  EXPECT_EQ(key(s_col), "abc");
  EXPECT_EQ(key(l_col), "-12");
  EXPECT_EQ(key(nl_col), "");  // null: no key
  EXPECT_EQ(key(b_col), "true");
  EXPECT_EQ(key(d_col), "2.25");
}

TEST_F(AvroRowSinkTest, RefusesAParserOfAnotherSchema) {
  auto other =
      avro::parse_schema(R"({"type":"record","name":"o","fields":[{"name":"a","type":"string"}]})");
  ASSERT_TRUE(other.ok());
  auto cs = avro::to_columnar_schema(*other);
  ASSERT_TRUE(cs.ok());
  auto p = csv::RowParser::make(std::make_shared<const columnar::Schema>(*cs), csv::CsvOptions());
  ASSERT_TRUE(p.ok());
  Out o;
  auto sink = AvroRowSink::make(*flat_, *p, std::nullopt, -1, {&o.values, &o.ends});
  EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument);
}

TEST(FlatRecordEncoder, AcceptsOnlyFlatRecords) {
  auto flat = [](const char* field_type) {
    auto s = avro::parse_schema(
        std::string(R"({"type":"record","name":"r","fields":[{"name":"a","type":)") + field_type +
        "}]}");
    EXPECT_TRUE(s.ok()) << field_type;
    return avro::FlatRecordEncoder::create(*s).status();
  };
  EXPECT_TRUE(flat(R"("string")").ok());
  EXPECT_TRUE(flat(R"(["double", "null"])").ok());
  EXPECT_EQ(flat(R"({"type":"enum","name":"e","symbols":["A"]})").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(flat(R"({"type":"array","items":"long"})").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(flat(R"(["null","long","string"])").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(flat(R"({"type":"bytes","logicalType":"decimal","precision":4,"scale":2})").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(flat(R"({"type":"fixed","name":"f","size":4})").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(flat(R"({"type":"record","name":"in","fields":[]})").code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakestream::jobs
