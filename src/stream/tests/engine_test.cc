// The engine end to end without a broker: MemorySource -> decode -> Parquet -> MemoryStore, with
// DuckDB (an independent reader) judging the committed files, and crashes at every Nth request.
#include "stream/engine.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "avro/schema.h"
#include "checkpoint/data_file_name.h"
#include "checkpoint/tests/memory_store.h"
#include "stream/memory_source.h"

namespace lakestream::stream {
namespace {

using checkpoint::testing::MemoryStore;

constexpr const char* kSchema =
    R"({"type":"record","name":"ride","fields":[{"name":"id","type":"long"},)"
    R"({"name":"zone","type":"string"}]})";

void put_long(std::string& out, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<char>(z));
}

std::string ride(int64_t id) {
  std::string out;
  put_long(out, id);
  std::string zone = "zone-" + std::to_string(id % 7);
  put_long(out, static_cast<int64_t>(zone.size()));
  out += zone;
  return out;
}

// 4 partitions, ids 0..n-1 spread round-robin; one poison record in partition 2.
void fill(MemorySource& src, int n, bool poison) {
  for (int p = 0; p < 4; ++p) src.add_partition({"rides", p});
  for (int i = 0; i < n; ++i) {
    src.append({"rides", i % 4}, ride(i), "k" + std::to_string(i), 1764100000000 + i);
    if (poison && i == n / 2) src.append({"rides", 2}, "\x02\xff", std::nullopt, 0);
  }
}

struct Fixture {
  MemorySource source;
  MemoryStore output, meta;
  avro::Decoder decoder;
  std::vector<std::string> progress;

  Fixture() : decoder(std::move(*avro::Decoder::create(*avro::parse_schema(kSchema)))) {}

  EngineConfig config(Trigger trigger, int64_t max_offsets) {
    EngineConfig c;
    c.topics = {"rides"};
    c.trigger = trigger;
    c.plan.max_offsets_per_trigger = max_offsets;
    c.threads = 2;
    c.task.source = &source;
    c.task.decoder = &decoder;
    c.task.output = &output;
    c.task.include_kafka_metadata = true;
    return c;
  }

  Status run(Trigger trigger, int64_t max_offsets, EngineTotals* totals = nullptr) {
    auto ckpt = checkpoint::open_checkpoint(meta, output, {});
    LS_RETURN_IF_ERROR(ckpt->recover(std::nullopt).status());
    StreamEngine engine(config(trigger, max_offsets), *ckpt, &output.stats(), &meta.stats(),
                        [&](const std::string& line) { progress.push_back(line); });
    std::atomic<bool> stop{false};
    Status s = engine.run(stop);
    if (totals) *totals = engine.totals();
    return s;
  }

  // Copies the committed files to a temp dir and asks DuckDB about them.
  std::string duck(const std::string& select) {
    auto state = checkpoint::read_committed_state(meta);
    EXPECT_TRUE(state.ok());
    auto dir = std::filesystem::temp_directory_path() /
               ("lakestream_engine_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const auto& [key, f] : state->files) {
      std::ofstream(dir / key, std::ios::binary) << output.body(key);
    }
    const char* src_dir = std::getenv("LAKESTREAM_SOURCE_DIR");
    std::string js = std::string(src_dir ? src_dir : ".") + "/tools/js/duck.mjs";
    std::string sql = select + " FROM read_parquet('" + dir.string() + "/*.parquet')";
    std::string cmd = "node " + js + " \"" + sql + "\" 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    char buf[4096];
    while (p && fgets(buf, sizeof buf, p)) out += buf;
    if (p) pclose(p);
    std::filesystem::remove_all(dir);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
};

TEST(StreamEngine, AvailableNowWritesEveryRecordOnceJudgedByDuckDB) {
  Fixture f;
  fill(f.source, 1000, /*poison=*/true);
  EngineTotals totals;
  Status s = f.run(Trigger::kAvailableNow, 300, &totals);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(totals.rows, 1000u);
  EXPECT_EQ(totals.bad_records, 1u);
  EXPECT_EQ(totals.batches, 4u);  // 1001 offsets at <= 300 per batch
  EXPECT_EQ(f.progress.size(), 4u);
  // Dead letter with partition and offset.
  auto dl = f.output.keys("_dead_letter/");
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_NE(f.output.body(dl[0]).find("\"offset\":125,\"partition\":2,\"reason\":\"avro decode"),
            std::string::npos)
      << f.output.body(dl[0]);
  EXPECT_EQ(f.duck("SELECT count(*) AS n, sum(id) AS s, count(DISTINCT (kafka_partition, "
                   "kafka_offset)) AS d, min(kafka_key) AS k"),
            R"({"n":"1000","s":"499500","d":"1000","k":"k0"})");
}

TEST(StreamEngine, FailFastStopsNamingPartitionAndOffset) {
  Fixture f;
  fill(f.source, 100, /*poison=*/true);
  auto ckpt = checkpoint::open_checkpoint(f.meta, f.output, {});
  ASSERT_TRUE(ckpt->recover(std::nullopt).ok());
  auto c = f.config(Trigger::kOnce, 0);
  c.task.permissive = false;
  StreamEngine engine(c, *ckpt, nullptr, nullptr, nullptr);
  std::atomic<bool> stop{false};
  Status s = engine.run(stop);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kInvalidData);
  EXPECT_NE(s.message().find("rides/2 offset 13: avro decode"), std::string::npos) << s.to_string();
}

TEST(StreamEngine, RestartAfterCrashAtEveryFifthRequestIsExactlyOnce) {
  // Reference run to learn the request count.
  uint64_t total = 0;
  {
    Fixture f;
    fill(f.source, 400, false);
    ASSERT_TRUE(f.run(Trigger::kAvailableNow, 50).ok());
    total = f.output.stats().total_calls() + f.meta.stats().total_calls();
  }
  for (uint64_t cut = 1; cut < total; cut += 5) {
    SCOPED_TRACE(::testing::Message() << "crash after request " << cut << " of " << total);
    Fixture f;
    fill(f.source, 400, false);
    // Output and checkpoint are one bucket here, so one budget cuts either.
    auto ckpt = checkpoint::open_checkpoint(f.output, f.output, {});
    f.output.crash_after(static_cast<int64_t>(cut));
    Status s = ckpt->recover(std::nullopt).status();
    if (s.ok()) {
      StreamEngine e(f.config(Trigger::kAvailableNow, 50), *ckpt, nullptr, nullptr, nullptr);
      std::atomic<bool> stop{false};
      s = e.run(stop);
    }
    EXPECT_FALSE(s.ok());
    f.output.crash_after(-1);
    auto again = checkpoint::open_checkpoint(f.output, f.output, {});
    ASSERT_TRUE(again->recover(std::nullopt).ok());
    StreamEngine e(f.config(Trigger::kAvailableNow, 50), *again, nullptr, nullptr, nullptr);
    std::atomic<bool> stop{false};
    ASSERT_TRUE(e.run(stop).ok());
    // Every data file in the output is committed, and the committed rows are each offset once.
    auto state = checkpoint::read_committed_state(f.output);
    ASSERT_TRUE(state.ok());
    uint64_t rows = 0;
    for (const auto& [key, file] : state->files) rows += file.rows;
    EXPECT_EQ(rows, 400u);
    for (const auto& key : f.output.keys()) {
      if (checkpoint::parse_data_file_key(key)) {
        EXPECT_TRUE(state->files.contains(key)) << key;
      }
    }
    if (HasFailure()) return;
  }
}

TEST(Trigger, ParsesIntervalsAndModes) {
  Trigger t;
  int64_t ms = 0;
  ASSERT_TRUE(parse_trigger("1s", &t, &ms).ok());
  EXPECT_EQ(t, Trigger::kProcessingTime);
  EXPECT_EQ(ms, 1000);
  ASSERT_TRUE(parse_trigger("250ms", &t, &ms).ok());
  EXPECT_EQ(ms, 250);
  ASSERT_TRUE(parse_trigger("available-now", &t, &ms).ok());
  EXPECT_EQ(t, Trigger::kAvailableNow);
  ASSERT_TRUE(parse_trigger("once", &t, &ms).ok());
  EXPECT_EQ(t, Trigger::kOnce);
  EXPECT_EQ(parse_trigger("soon", &t, &ms).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakestream::stream
