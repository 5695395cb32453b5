#include "checkpoint/manifest.h"

#include <gtest/gtest.h>

#include "checkpoint/checkpoint_store.h"
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

TEST(Manifest, RoundTripsDeadLetters) {
  Manifest m = sample();
  m.dead_letters.push_back({"_dead_letter/taxi-0-00000000000000000100-0a1b2c3d4e5f-0.jsonl",
                            "v18",
                            312,
                            2,
                            {"taxi", 0},
                            100,
                            200});
  std::string text = serialize_manifest(m);
  EXPECT_NE(text.find("\"dead_letters\":[{"), std::string::npos) << text;
  auto back = parse_manifest(text, "k");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, m);
  ASSERT_EQ(back->dead_letters.size(), 1u);
  EXPECT_EQ(back->dead_letters[0].rows, 2u);
}

TEST(Manifest, WithoutDeadLettersItIsWrittenAsBefore) {
  // Readers that predate dead letters in manifests see nothing new.
  std::string text = serialize_manifest(sample());
  EXPECT_EQ(text.find("dead_letters"), std::string::npos) << text;
}

TEST(Manifest, AManifestWrittenBeforeDeadLettersLoadsWithNone) {
  // Byte for byte what session 2's binary wrote (no "dead_letters" field).
  const char* old_format =
      R"({"batch":3,"claim_all":false,"claims":[],"compact":false,"files":[{"end":200,)"
      R"("key":"taxi-0-00000000000000000100-0a1b2c3d4e5f-0.parquet","partition":0,"rows":100,)"
      R"("size":4096,"start":100,"topic":"taxi","version_id":""}],"format":1,"offsets":{"taxi":)"
      R"({"0":200}},"ranges":[{"end":200,"partition":0,"start":100,"topic":"taxi"}],)"
      R"("time_ms":1764100000000,"writer":"0a1b2c3d4e5f"})";
  auto m = parse_manifest(old_format, "_commits/00000000000000000003.json");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_TRUE(m->dead_letters.empty());
  ASSERT_EQ(m->files.size(), 1u);
  EXPECT_EQ(m->files[0].rows, 100u);
  EXPECT_EQ(m->batch, 3u);
  CommittedState state;
  state.apply(*m);
  EXPECT_EQ(state.files.size(), 1u);
  EXPECT_TRUE(state.dead_letters.empty());
}

TEST(Manifest, RejectsMalformedDeadLetters) {
  std::string base =
      R"({"format":1,"writer":"w","batch":1,"time_ms":0,"compact":false,"claim_all":false,)"
      R"("offsets":{},"ranges":[],"claims":[],"files":[],"dead_letters":)";
  for (const char* dl : {"{}", "[{\"key\":\"\"}]", "[1]",
                         R"([{"key":"k","version_id":"","size":1,"rows":1,"topic":"t",)"
                         R"("partition":0,"start":5,"end":4}])"}) {
    auto r = parse_manifest(base + dl + "}", "_commits/x.json");
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidData) << dl;
  }
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

TEST(DataFileName, DeadLetterNamesRoundTripAndNeverParseAsParquetOrChainFiles) {
  DataFileName n{{"nyc-avro-topic", 23}, 812, "0a1b2c3d4e5f", 0, "_dead_letter/"};
  std::string key = format_dead_letter_key(n);
  EXPECT_EQ(key, "_dead_letter/nyc-avro-topic-23-00000000000000000812-0a1b2c3d4e5f-0.jsonl");
  auto back = parse_dead_letter_key(key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->tp, n.tp);
  EXPECT_EQ(back->start, 812);
  EXPECT_EQ(back->writer, n.writer);
  EXPECT_EQ(back->dir, n.dir);
  EXPECT_FALSE(parse_data_file_key(key).has_value());
  EXPECT_FALSE(parse_chain_file_key(key).has_value());
  EXPECT_FALSE(parse_dead_letter_key(format_data_file_key(n)).has_value());
  std::string chain = format_chain_dead_letter_key("_dead_letter/", {"taxi-3", 3}, 100, 250);
  EXPECT_EQ(chain, "_dead_letter/taxi-3-3-00000000000000000100-00000000000000000250.jsonl");
  EXPECT_FALSE(parse_dead_letter_key(chain).has_value());
  EXPECT_FALSE(parse_data_file_key(chain).has_value());
  auto c = parse_chain_dead_letter_key(chain, "_dead_letter/");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->tp, (TopicPartition{"taxi-3", 3}));
  EXPECT_EQ(c->start, 100);
  EXPECT_EQ(c->end, 250);
  EXPECT_FALSE(parse_chain_dead_letter_key(chain, "other/").has_value());
  EXPECT_FALSE(parse_chain_dead_letter_key(key, "_dead_letter/").has_value());
  EXPECT_FALSE(parse_chain_dead_letter_key(
      "_dead_letter/t-0-00000000000000000100-00000000000000000100.jsonl", "_dead_letter/"));
  // Session 2's batch-named dead letters are not dead-letter files of a manifest.
  EXPECT_FALSE(parse_dead_letter_key("_dead_letter/00000000000000000004-0a1b2c3d4e5f.jsonl"));
}

TEST(DataFileName, WriterIdsAreDistinctLowercaseHex) {
  std::string a = new_writer_id(), b = new_writer_id();
  EXPECT_EQ(a.size(), 12u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace lakestream::checkpoint
