#include "checkpoint/manifest.h"

#include <gtest/gtest.h>

#include "checkpoint/data_file_name.h"

namespace lakestream::checkpoint {
namespace {

Manifest sample() {
  Manifest m;
  m.writer = "0a1b2c3d4e5f";
  m.batch = 12;
  m.time_ms = 1764100000000;
  m.compact = true;
  m.offsets[{"taxi", 0}] = 200;
  m.offsets[{"taxi", 1}] = 180;
  m.offsets[{"other-topic", 7}] = 5;
  m.ranges.push_back({{"taxi", 0}, 100, 200});
  m.claims.push_back({"taxi", 1});
  m.files.push_back({"dt=2026-11-25/taxi-0-00000000000000000100-0a1b2c3d4e5f-0.parquet",
                     "v17",
                     4096,
                     100,
                     {"taxi", 0},
                     100,
                     200});
  return m;
}

TEST(Manifest, RoundTripsEveryField) {
  Manifest m = sample();
  std::string text = serialize_manifest(m);
  auto back = parse_manifest(text, "k");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, m);
  EXPECT_TRUE(back->touches({"taxi", 0}));
  EXPECT_TRUE(back->touches({"taxi", 1}));
  EXPECT_FALSE(back->touches({"taxi", 2}));
}

TEST(Manifest, RejectsMalformedDocumentsWithTheKeyInTheMessage) {
  const char* bad[] = {
      "",
      "[]",
      "{\"format\":2}",
      R"({"format":1,"writer":"","batch":1,"time_ms":0,"compact":false,"claim_all":false,"offsets":{},"ranges":[],"claims":[],"files":[]})",
      R"({"format":1,"writer":"w","batch":-1,"time_ms":0,"compact":false,"claim_all":false,"offsets":{},"ranges":[],"claims":[],"files":[]})",
      R"({"format":1,"writer":"w","batch":1,"time_ms":0,"compact":false,"claim_all":false,"offsets":{"t":{"x":1}},"ranges":[],"claims":[],"files":[]})",
      R"({"format":1,"writer":"w","batch":1,"time_ms":0,"compact":false,"claim_all":false,"offsets":{},"ranges":[{"topic":"t","partition":0,"start":5,"end":4}],"claims":[],"files":[]})",
      R"({"format":1,"writer":"w","batch":1,"time_ms":0,"compact":false,"claim_all":false,"offsets":{},"ranges":[],"claims":[{"topic":"t","partition":4294967296}],"files":[]})",
      R"({"format":1,"writer":"w","batch":1,"time_ms":0,"compact":"no","claim_all":false,"offsets":{},"ranges":[],"claims":[],"files":[]})",
      R"({"format":1,"writer":"w","batch":18446744073709551615,"time_ms":0,"compact":false,"claim_all":false,"offsets":{},"ranges":[],"claims":[],"files":[]})",
  };
  for (const char* text : bad) {
    auto r = parse_manifest(text, "_commits/x.json");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidData) << text;
    EXPECT_NE(r.status().message().find("_commits/x.json"), std::string::npos) << text;
  }
}

TEST(Manifest, BatchNamesSortLexicallyInBatchOrder) {
  EXPECT_EQ(batch_name(12), "00000000000000000012");
  EXPECT_LT(batch_name(9), batch_name(10));
  uint64_t b = 0;
  EXPECT_TRUE(parse_batch_name("00000000000000000012", &b));
  EXPECT_EQ(b, 12u);
  EXPECT_FALSE(parse_batch_name("0000000000000000001x", &b));
  EXPECT_FALSE(parse_batch_name("12", &b));
}

TEST(DataFileName, RoundTripsWithDashesInTopicAndDirectories) {
  DataFileName n{{"nyc-avro-topic", 23}, 812, "0a1b2c3d4e5f", 2, "PULocationID=7/"};
  std::string key = format_data_file_key(n);
  EXPECT_EQ(key, "PULocationID=7/nyc-avro-topic-23-00000000000000000812-0a1b2c3d4e5f-2.parquet");
  auto back = parse_data_file_key(key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->tp, n.tp);
  EXPECT_EQ(back->start, 812);
  EXPECT_EQ(back->writer, n.writer);
  EXPECT_EQ(back->seq, 2u);
  EXPECT_EQ(back->dir, n.dir);
}

TEST(DataFileName, IgnoresKeysThatAreNotDataFiles) {
  for (const char* key :
       {"_commits/00000000000000000001.json", "part-0000.parquet", "t-0-123-abc-0.parquet",
        "t-x-00000000000000000001-abc-0.parquet", "-0-00000000000000000001-abc-0.parquet",
        "t-0-00000000000000000001-ABC-0.parquet", ".parquet"}) {
    EXPECT_FALSE(parse_data_file_key(key).has_value()) << key;
  }
}

TEST(DataFileName, WriterIdsAreDistinctLowercaseHex) {
  std::string a = new_writer_id(), b = new_writer_id();
  EXPECT_EQ(a.size(), 12u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace lakestream::checkpoint
