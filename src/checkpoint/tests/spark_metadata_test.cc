// Spark's _spark_metadata log: format byte for byte as Spark writes it, and read back the way
// Spark's CompactibleFileStreamLog.allFiles() does (newest entry back to the newest compact one).
#include "checkpoint/spark_metadata.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "checkpoint/tests/memory_store.h"
#include "checkpoint/tests/sim_writer.h"

namespace lakestream::checkpoint::testing {
namespace {

constexpr const char* kPrefix = "s3a://bucket/out/";

TEST(SparkLogFormat, SerializesLikeSparksFileStreamSinkLog) {
  // The expected text of Spark's FileStreamSinkLogSuite "serialize" test.
  std::vector<SinkFileStatus> logs = {{"/a/b/x", 100, false, 1000, 1, 10000, "add"},
                                      {"/a/b/y", 200, false, 2000, 2, 20000, "delete"},
                                      {"/a/b/z", 300, false, 3000, 3, 30000, "add"}};
  std::string expected =
      "v1\n"
      R"({"path":"/a/b/x","size":100,"isDir":false,"modificationTime":1000,"blockReplication":1,"blockSize":10000,"action":"add"})"
      "\n"
      R"({"path":"/a/b/y","size":200,"isDir":false,"modificationTime":2000,"blockReplication":2,"blockSize":20000,"action":"delete"})"
      "\n"
      R"({"path":"/a/b/z","size":300,"isDir":false,"modificationTime":3000,"blockReplication":3,"blockSize":30000,"action":"add"})";
  EXPECT_EQ(serialize_spark_log(logs), expected);
  EXPECT_EQ(serialize_spark_log({}), "v1");
  auto back = parse_spark_log(expected, "test");
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(*back, logs);
}

TEST(SparkLogFormat, RejectsOtherVersionsAndBrokenLines) {
  EXPECT_FALSE(parse_spark_log("v2\n{}", "x").ok());
  EXPECT_FALSE(parse_spark_log("", "x").ok());
  EXPECT_FALSE(parse_spark_log("v1\n{\"path\":\"a\"}", "x").ok());
  EXPECT_FALSE(parse_spark_log("v1\nnot json", "x").ok());
}

TEST(SparkLogFormat, EveryTenthEntryIsACompactOne) {
  EXPECT_EQ(spark_log_key(0, 10), "_spark_metadata/0");
  EXPECT_EQ(spark_log_key(8, 10), "_spark_metadata/8");
  EXPECT_EQ(spark_log_key(9, 10), "_spark_metadata/9.compact");
  EXPECT_EQ(spark_log_key(19, 10), "_spark_metadata/19.compact");
  EXPECT_EQ(spark_log_key(20, 10), "_spark_metadata/20");
}

// Spark's reader: latest id from a listing, entries max(0, (L+1)/k*k - 1) .. L, "add" minus
// "delete". Written apart from the log's own loader on purpose.
std::set<std::string> spark_all_files(MemoryStore& out, uint64_t k = 10) {
  std::set<std::string> files;
  int64_t latest = -1;
  for (const auto& key : out.keys("_spark_metadata/")) {
    std::string name = key.substr(std::string("_spark_metadata/").size());
    if (name.ends_with(".compact")) name.resize(name.size() - 8);
    latest = std::max<int64_t>(latest, std::stoll(name));
  }
  if (latest < 0) return files;
  int64_t start = std::max<int64_t>(0, (latest + 1) / static_cast<int64_t>(k) * k - 1);
  for (int64_t id = start; id <= latest; ++id) {
    bool compact = (id + 1) % static_cast<int64_t>(k) == 0;
    std::string key = "_spark_metadata/" + std::to_string(id) + (compact ? ".compact" : "");
    std::string body = out.body(key);  // throws (fails the test) when an entry is missing
    EXPECT_TRUE(body.starts_with("v1")) << key;
    size_t pos = body.find('\n');
    while (pos != std::string::npos) {
      size_t next = body.find('\n', pos + 1);
      auto j = nlohmann::json::parse(body.substr(pos + 1, next - pos - 1));
      EXPECT_EQ(j["isDir"], false);
      EXPECT_EQ(j["blockReplication"], 1);
      if (j["action"] == "add") {
        files.insert(j["path"].get<std::string>());
      } else {
        files.erase(j["path"].get<std::string>());
      }
      pos = next;
    }
  }
  return files;
}

std::set<std::string> committed_paths(CheckpointStore& store) {
  std::set<std::string> out;
  for (const auto& [key, f] : store.state().files) out.insert(std::string(kPrefix) + key);
  return out;
}

void add_spark_log(SimWriter& w, MemoryStore& out) {
  w.wrap_store([&](std::unique_ptr<CheckpointStore> inner) {
    return with_spark_metadata(std::move(inner), out, {kPrefix, 10});
  });
}

class SparkMetadata : public ::testing::TestWithParam<CheckpointMode> {};

TEST_P(SparkMetadata, SparkSeesExactlyTheCommittedFiles) {
  MemoryStore meta, out;
  SimSource src{"taxi", {120, 120}, 5};
  CheckpointOptions o;
  o.mode = GetParam();
  SimWriter w(meta, out, o, src);
  add_spark_log(w, out);
  ASSERT_TRUE(w.recover().ok());
  for (int i = 0; i < 24; ++i) {
    uint64_t puts = out.calls("PutObject");
    ASSERT_TRUE(w.step().ok());
    // Two data files and one log entry per batch; no probe, no listing.
    EXPECT_EQ(out.calls("PutObject") - puts, 3u);
  }
  EXPECT_EQ(out.keys("_spark_metadata/").size(), 24u);
  EXPECT_EQ(out.body("_spark_metadata/19.compact").substr(0, 3), "v1\n");
  auto seen = spark_all_files(out);
  EXPECT_EQ(seen.size(), 48u);
  EXPECT_EQ(seen, committed_paths(w.store()));
  EXPECT_EQ(out.calls("ListObjectVersions"), 0u);
}

TEST_P(SparkMetadata, RestartFillsTheEntryACrashLeftOut) {
  MemoryStore meta, out, logs;
  SimSource src{"taxi", {60, 60}, 10};
  CheckpointOptions o;
  o.mode = GetParam();
  {
    SimWriter w(meta, out, o, src);
    w.wrap_store([&](std::unique_ptr<CheckpointStore> inner) {
      return with_spark_metadata(std::move(inner), logs, {kPrefix, 10});
    });
    ASSERT_TRUE(w.recover().ok());
    ASSERT_TRUE(w.step().ok());
    ASSERT_TRUE(w.step().ok());
    logs.crash_after(0);          // the next commit lands, its log entry does not
    EXPECT_FALSE(w.step().ok());  // the error the stream job stops on
    logs.crash_after(-1);
  }
  EXPECT_EQ(logs.keys("_spark_metadata/").size(), 2u);
  SimWriter again(meta, out, o, src);
  again.wrap_store([&](std::unique_ptr<CheckpointStore> inner) {
    return with_spark_metadata(std::move(inner), logs, {kPrefix, 10});
  });
  ASSERT_TRUE(again.recover().ok());
  EXPECT_EQ(logs.keys("_spark_metadata/").size(), 3u);  // entry 2: the third batch's files
  EXPECT_EQ(spark_all_files(logs), committed_paths(again.store()));
  ASSERT_TRUE(again.run_to_end().ok());
  EXPECT_EQ(spark_all_files(logs).size(), 12u);
  EXPECT_EQ(spark_all_files(logs), committed_paths(again.store()));
}

INSTANTIATE_TEST_SUITE_P(Modes, SparkMetadata,
                         ::testing::Values(CheckpointMode::kConditional, CheckpointMode::kChain),
                         [](const auto& info) {
                           return std::string(checkpoint_mode_name(info.param));
                         });

}  // namespace
}  // namespace lakestream::checkpoint::testing
