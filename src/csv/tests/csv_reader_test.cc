#include "csv/csv_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "csv/record_splitter.h"
#include "csv/tests/test_util.h"

namespace lakestream::csv {
namespace {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::RecordBatch;
using columnar::Repetition;
using ::testing::ElementsAre;
using testing::rows_text;

std::shared_ptr<const columnar::Schema> small_schema() {
  return std::make_shared<columnar::Schema>(
      "t", std::vector<Field>{
               Field::leaf("id", PhysicalType::kInt64),
               Field::leaf("name", PhysicalType::kByteArray, Repetition::kOptional,
                           LogicalType::kString),
               Field::leaf("score", PhysicalType::kDouble, Repetition::kOptional),
           });
}

struct Parsed {
  Status status;
  std::vector<std::string> rows;
  CsvStats stats;
  std::vector<std::string> rejects;  // "line:column:reason"
};

// Parses `text` fed in pieces of `chunk` bytes (0 = all at once).
Parsed parse(std::shared_ptr<const columnar::Schema> schema, std::string_view text,
             CsvOptions options = {}, size_t chunk = 0) {
  Parsed out;
  auto reader = CsvReader::make(schema, options, [&](const RejectedRow& r) {
    out.rejects.push_back(fmt::format("{}:{}:{}", r.line, r.column, r.reason));
  });
  if (!reader.ok()) {
    out.status = reader.status();
    return out;
  }
  RecordBatch batch(schema);
  if (chunk == 0) chunk = text.size() + 1;
  for (size_t i = 0; i < text.size() && out.status.ok(); i += chunk) {
    out.status = reader->feed(text.substr(i, chunk), &batch);
  }
  if (out.status.ok()) out.status = reader->finish(&batch);
  out.rows = rows_text(batch);
  out.stats = reader->stats();
  return out;
}

TEST(CsvReader, ParsesRealTaxiLayoutWithBlankCrlfLineAfterHeader) {
  // The original TLC byte layout: header ends in LF, then a blank CRLF line, rows end in CRLF.
  std::string text =
      "VendorID,tpep_pickup_datetime,tpep_dropoff_datetime,passenger_count,trip_distance,"
      "RatecodeID,store_and_fwd_flag,PULocationID,DOLocationID,payment_type,fare_amount,extra,"
      "mta_tax,tip_amount,tolls_amount,improvement_surcharge,total_amount\n"
      "\r\n"
      "1,2018-01-01 00:21:05,2018-01-01 00:24:23,1,.50,1,N,41,24,2,4.5,0.5,0.5,0,0,0.3,5.8\r\n"
      "2,2018-01-01 00:44:55,2018-01-01 01:03:05,1,2.70,1,Y,239,140,2,14,-0,0.5,0,0,0.3,15.3\r\n";
  for (size_t chunk : {0, 1, 2, 3, 7, 64}) {
    Parsed p = parse(testing::taxi_schema(), text, {}, chunk);
    ASSERT_TRUE(p.status.ok()) << p.status.to_string();
    EXPECT_THAT(p.rows,
                ElementsAre("1|2018-01-01 00:21:05|2018-01-01 00:24:23|1|0.5|1|N|41|24|2|4.5|0.5|"
                            "0.5|0|0|0.3|5.8",
                            "2|2018-01-01 00:44:55|2018-01-01 01:03:05|1|2.7|1|Y|239|140|2|14|-0|"
                            "0.5|0|0|0.3|15.3"))
        << "chunk " << chunk;
    EXPECT_EQ(p.stats.rows_accepted, 2u);
    EXPECT_EQ(p.stats.blank_lines, 1u);
  }
}

TEST(CsvReader, MatchesColumnsByNameInAnyOrderAndIgnoresUnknown) {
  Parsed p = parse(small_schema(), "score,extra,ID,name\n1.5,x,7,ann\n,y,8,\n");
  ASSERT_TRUE(p.status.ok()) << p.status.to_string();
  EXPECT_THAT(p.rows, ElementsAre("7|ann|1.5", "8|NULL|NULL"));
}

TEST(CsvReader, Utf8BomAndNoTrailingNewline) {
  Parsed p = parse(small_schema(), "\xEF\xBB\xBFid,name,score\r\n1,a,2\r\n2,b,3");
  ASSERT_TRUE(p.status.ok()) << p.status.to_string();
  EXPECT_THAT(p.rows, ElementsAre("1|a|2", "2|b|3"));
}

TEST(CsvReader, Rfc4180QuotesEmbeddedDelimitersNewlinesAndDoubledQuotes) {
  std::string text =
      "id,name,score\n"
      "1,\"a,b\",1\n"
      "2,\"line1\nline2\",2\r\n"
      "3,\"say \"\"hi\"\"\",3\n"
      "4,\"\",4\n"
      "5,,5\n";
  for (size_t chunk : {0, 1, 5}) {
    Parsed p = parse(small_schema(), text, {}, chunk);
    ASSERT_TRUE(p.status.ok()) << p.status.to_string();
    EXPECT_THAT(p.rows,
                ElementsAre("1|a,b|1", "2|line1\nline2|2", "3|say \"hi\"|3", "4||4", "5|NULL|5"))
        << "chunk " << chunk;
  }
}

TEST(CsvReader, DelimiterAndNoHeaderOptions) {
  CsvOptions o;
  o.delimiter = ';';
  o.header = false;
  Parsed p = parse(small_schema(), "1;x;2.5\n2;\"y;z\";\n", o);
  ASSERT_TRUE(p.status.ok()) << p.status.to_string();
  EXPECT_THAT(p.rows, ElementsAre("1|x|2.5", "2|y;z|NULL"));
}

TEST(CsvReader, MissingNullableColumnIsNullAndDefaultsFill) {
  Parsed p = parse(small_schema(), "id\n1\n2\n");
  ASSERT_TRUE(p.status.ok()) << p.status.to_string();
  EXPECT_THAT(p.rows, ElementsAre("1|NULL|NULL", "2|NULL|NULL"));

  CsvOptions o;
  o.defaults["score"] = "9.5";
  o.defaults["name"] = "anon";
  p = parse(small_schema(), "id\n1\n", o);
  ASSERT_TRUE(p.status.ok()) << p.status.to_string();
  EXPECT_THAT(p.rows, ElementsAre("1|anon|9.5"));
}

TEST(CsvReader, MissingRequiredColumnIsAnError) {
  Parsed p = parse(small_schema(), "name,score\na,1\n");
  EXPECT_EQ(p.status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status.message(), ::testing::HasSubstr("'id'"));
  p = parse(small_schema(), "id,name,id\n1,a,1\n");
  EXPECT_EQ(p.status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status.message(), ::testing::HasSubstr("twice"));
}

const char* kDefects =
    "id,name,score\n"          // line 1
    "1,a,1.5\n"                // 2 ok
    "x2,b,2\n"                 // 3 bad long
    "3,c\n"                    // 4 too few fields
    "4,d,4,extra\n"            // 5 too many fields
    ",e,5\n"                   // 6 empty required long
    "6,f\"g,6\n"               // 7 stray quote: runs (by parity) to the next quote on line 8
    "7,g,7\"\n"                // 8 (part of the record of line 7)
    "8,h,abc\n"                // 9 bad double
    "9,i,9\n"                  // 10 ok
    "10,\"unterminated,10\n";  // 11 unterminated quote to EOF

TEST(CsvReader, PermissiveSkipsCountsAndReportsEachBadRow) {
  Parsed p = parse(small_schema(), kDefects);
  ASSERT_TRUE(p.status.ok()) << p.status.to_string();
  EXPECT_THAT(p.rows, ElementsAre("1|a|1.5", "9|i|9"));
  EXPECT_EQ(p.stats.rows_read, 9u);
  EXPECT_EQ(p.stats.rows_rejected, 7u);
  EXPECT_THAT(
      p.rejects,
      ElementsAre("3:id:bad long 'x2'", "4::3 fields expected, 2 found",
                  "5::3 fields expected, 4 found", "6:id:empty value for a non-nullable column",
                  "7::quote inside an unquoted field or text after a closing quote",
                  "9:score:bad double 'abc'", "11::unterminated quoted field"));
  EXPECT_EQ(p.stats.reject_summary(),
            "7 rejected (2 field count, 2 bad value, 1 missing value, 1 unterminated quote, 1 "
            "stray quote)");
}

TEST(CsvReader, DropMalformedSkipsAndCountsSilently) {
  CsvOptions o;
  o.mode = BadRowMode::kDropMalformed;
  Parsed p = parse(small_schema(), kDefects, o);
  ASSERT_TRUE(p.status.ok());
  EXPECT_THAT(p.rows, ElementsAre("1|a|1.5", "9|i|9"));
  EXPECT_EQ(p.stats.rows_rejected, 7u);
  EXPECT_TRUE(p.rejects.empty());
}

TEST(CsvReader, FailFastNamesLineAndColumn) {
  CsvOptions o;
  o.mode = BadRowMode::kFailFast;
  Parsed p = parse(small_schema(), kDefects, o, 4);
  EXPECT_EQ(p.status.code(), StatusCode::kInvalidData);
  EXPECT_EQ(p.status.message(), "line 3, column 'id': bad long 'x2'");
  EXPECT_THAT(p.rows, ElementsAre("1|a|1.5"));
}

TEST(CsvReader, TypedColumns) {
  auto schema = std::make_shared<columnar::Schema>(
      "t", std::vector<Field>{
               Field::leaf("b", PhysicalType::kBoolean),
               Field::leaf("i", PhysicalType::kInt32),
               Field::leaf("f", PhysicalType::kFloat),
               Field::leaf("d", PhysicalType::kInt32, Repetition::kOptional, LogicalType::kDate),
               Field::leaf("ts", PhysicalType::kInt64, Repetition::kOptional,
                           LogicalType::kTimestampMillis),
               Field::leaf("tu", PhysicalType::kInt64, Repetition::kRequired,
                           LogicalType::kTimestampMicros),
           });
  Parsed p = parse(schema,
                   "b,i,f,d,ts,tu\n"
                   "true,-5,.25,1970-01-02,2017-01-23 00:47:20,1970-01-01 00:00:01.000002\n"
                   "0,7,1,,,1970-01-01T00:00:00Z\n");
  ASSERT_TRUE(p.status.ok()) << p.status.to_string();
  EXPECT_THAT(p.rows, ElementsAre("true|-5|0.25|1|1485132440000|1000002", "false|7|1|NULL|NULL|0"));
}

TEST(CsvReader, RejectsUnsupportedSchema) {
  auto schema = std::make_shared<columnar::Schema>(
      "t", std::vector<Field>{Field::group_of("g", {Field::leaf("x", PhysicalType::kInt64)})});
  auto r = CsvReader::make(schema, {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

// Random CSV text with quotes, embedded newlines and bad rows: feeding it in random pieces, and
// parsing the blocks RecordSplitter cuts, must both give exactly the whole-text result.
TEST(CsvReader, SplitsAnywhereAndSplitterBlocksAgree) {
  const uint32_t seed = 20261125;
  std::printf("seed %u\n", seed);
  std::mt19937 rng(seed);
  const char* pieces[] = {"1",       "22",       "-3",         "x",  "",     "\"q\"",
                          "\"a,b\"", "\"l\nm\"", "\"d\"\"q\"", ".5", "a\"b", "\r"};
  for (int round = 0; round < 40; ++round) {
    std::string text = "id,name,score\n";
    int rows = 1 + static_cast<int>(rng() % 30);
    for (int r = 0; r < rows; ++r) {
      int nf = (rng() % 10 == 0) ? 2 : 3;
      for (int f = 0; f < nf; ++f) {
        if (f) text += ',';
        text += f == 0 ? std::to_string(rng() % 100) : pieces[rng() % std::size(pieces)];
      }
      text += (rng() % 2) ? "\r\n" : "\n";
      if (rng() % 8 == 0) text += "\n";
    }
    Parsed whole = parse(small_schema(), text);
    ASSERT_TRUE(whole.status.ok());
    size_t chunk = 1 + rng() % 17;
    Parsed pieces_parsed = parse(small_schema(), text, {}, chunk);
    ASSERT_TRUE(pieces_parsed.status.ok());
    EXPECT_EQ(whole.rows, pieces_parsed.rows) << "round " << round << " chunk " << chunk;
    EXPECT_EQ(whole.rejects, pieces_parsed.rejects) << "round " << round;

    // Splitter: cut into blocks of whole records, parse each block separately with a copy of a
    // parser that has seen the header.
    auto base = RowParser::make(small_schema(), {});
    ASSERT_TRUE(base.ok());
    RecordSplitter splitter;
    RecordBatch batch(small_schema());
    std::vector<std::string> rejects;
    size_t start = 0, scanned = 0;
    uint64_t line = 1;
    RowParser parser = *base;
    parser.set_reject_sink([&](const RejectedRow& r) {
      rejects.push_back(fmt::format("{}:{}:{}", r.line, r.column, r.reason));
    });
    while (scanned < text.size()) {
      size_t n = std::min<size_t>(1 + rng() % 23, text.size() - scanned);
      size_t b = splitter.scan(std::string_view(text).substr(scanned, n));
      scanned += n;
      bool eof = scanned == text.size();
      size_t cut = b ? scanned - n + b : start;
      if (eof) cut = text.size();
      if (cut > start) {
        size_t consumed;
        uint64_t lines;
        RowParser worker = parser;  // as a parallel worker would
        ASSERT_TRUE(worker
                        .parse(std::string_view(text).substr(start, cut - start), line, eof, &batch,
                               &consumed, &lines)
                        .ok());
        ASSERT_EQ(consumed, cut - start) << "round " << round;
        parser = worker;
        line += lines;
        start = cut;
      }
    }
    EXPECT_EQ(rows_text(batch), whole.rows) << "round " << round;
    EXPECT_EQ(rejects, whole.rejects) << "round " << round;
  }
}

TEST(CsvReader, RealTlcFileHead) {
  // The first 1,024 bytes of an original TLC monthly file (from ../shared/data, kept in the repo):
  // header ending in LF, a blank CRLF line, CRLF rows, `.50`, cut mid-line.
  const char* src = std::getenv("LAKESTREAM_SOURCE_DIR");
  ASSERT_NE(src, nullptr) << "LAKESTREAM_SOURCE_DIR is set by ctest";
  std::string path = std::string(src) + "/tests/data/yellow_tripdata_2018-01_raw_head.csv";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  // The file is cut mid-line: keep whole lines only.
  text.resize(text.rfind('\n') + 1);
  Parsed p = parse(testing::taxi_schema(), text, {}, 100);
  ASSERT_TRUE(p.status.ok()) << p.status.to_string();
  EXPECT_EQ(p.stats.rows_rejected, 0u);
  EXPECT_EQ(p.stats.blank_lines, 1u);
  ASSERT_GE(p.rows.size(), 3u);
  EXPECT_EQ(p.rows.size(), p.stats.rows_accepted);
}

}  // namespace
}  // namespace lakestream::csv
