// Dead letters are part of the exactly-once commit: a batch whose dead letters were written but
// whose commit never happened (the process died in between) leaves nothing behind after recovery,
// and the replay reports each bad record once. MemorySource -> engine -> MemoryStore, every mode.
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "avro/schema.h"
#include "checkpoint/data_file_name.h"
#include "checkpoint/tests/memory_store.h"
#include "stream/engine.h"
#include "stream/memory_source.h"

namespace lakestream::stream {
namespace {

using checkpoint::CheckpointMode;
using checkpoint::testing::MemoryStore;

constexpr const char* kSchema =
    R"({"type":"record","name":"ride","fields":[{"name":"id","type":"long"}]})";

std::string ride(int64_t id) {
  std::string out;
  uint64_t z = (static_cast<uint64_t>(id) << 1) ^ static_cast<uint64_t>(id >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<char>(z));
  return out;
}

// 3 partitions x 40 good records; poison (a truncated varint) at these (partition, offset)s.
const std::set<std::pair<int32_t, int64_t>> kPoison = {{0, 5}, {0, 33}, {1, 12}, {2, 39}};

void fill(MemorySource& src) {
  for (int32_t p = 0; p < 3; ++p) {
    src.add_partition({"rides", p});
    int64_t offset = 0;
    for (int i = 0; i < 40; ++offset) {
      if (kPoison.contains({p, offset})) {
        src.append({"rides", p}, "\x80", std::nullopt, 0);
      } else {
        src.append({"rides", p}, ride(p * 1000 + i++), std::nullopt, 0);
      }
    }
  }
}

struct Fixture {
  MemorySource source;
  MemoryStore output, meta;
  avro::Decoder decoder{std::move(*avro::Decoder::create(*avro::parse_schema(kSchema)))};
  int64_t max_offsets = 45;  // several batches, most with a bad record

  Fixture() { fill(source); }

  EngineConfig config(CheckpointMode mode) {
    EngineConfig c;
    c.topics = {"rides"};
    c.trigger = Trigger::kAvailableNow;
    c.plan.max_offsets_per_trigger = max_offsets;
    c.threads = 2;
    c.task.source = &source;
    c.task.decoder = &decoder;
    c.task.output = &output;
    c.task.include_kafka_metadata = true;
    if (mode == CheckpointMode::kChain) {
      c.task.chain = true;
      c.task.max_file_rows = 10;  // several chain files per task
    }
    return c;
  }

  Status run(CheckpointMode mode) {
    checkpoint::CheckpointOptions o;
    o.mode = mode;
    o.compact_every = 3;
    auto ckpt = checkpoint::open_checkpoint(meta, output, o);
    LS_RETURN_IF_ERROR(ckpt->recover(std::nullopt).status());
    StreamEngine engine(config(mode), *ckpt, nullptr, nullptr, nullptr);
    std::atomic<bool> stop{false};
    return engine.run(stop);
  }

  // Every (partition, offset) found in the output's dead-letter objects, as many times as found:
  // the files a plain listing shows, read without our checkpoint.
  std::multiset<std::pair<int32_t, int64_t>> dead_letters() {
    std::multiset<std::pair<int32_t, int64_t>> out;
    for (const auto& key : output.keys("_dead_letter/")) {
      std::string body = output.body(key);
      size_t pos = 0;
      while (pos < body.size()) {
        size_t nl = body.find('\n', pos);
        auto j = nlohmann::json::parse(body.substr(pos, nl - pos));
        out.insert({j.at("partition").get<int32_t>(), j.at("offset").get<int64_t>()});
        pos = nl + 1;
      }
    }
    return out;
  }
};

std::multiset<std::pair<int32_t, int64_t>> planted() { return {kPoison.begin(), kPoison.end()}; }

class DeadLetterCommit : public ::testing::TestWithParam<CheckpointMode> {};

TEST_P(DeadLetterCommit, CrashBetweenDeadLetterWriteAndCommitThenReplayReportsEachBadRecordOnce) {
  Fixture f;
  // The crash hook: when the first dead-letter file is uploaded, the checkpoint store "dies", so
  // the batch's commit (its next checkpoint request) never happens.
  std::once_flag once;
  f.output.before_call = [&](std::string_view api, std::string_view key) {
    if (api == "PutObject" && key.starts_with("_dead_letter/")) {
      std::call_once(once, [&] { f.meta.crash_after(0); });
    }
  };
  Status first = f.run(GetParam());
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.code(), StatusCode::kUnavailable) << first.to_string();
  EXPECT_FALSE(f.output.keys("_dead_letter/").empty());  // written, not committed

  f.output.before_call = nullptr;
  f.meta.crash_after(-1);
  Status again = f.run(GetParam());
  ASSERT_TRUE(again.ok()) << again.to_string();
  EXPECT_EQ(f.dead_letters(), planted());
  // Every dead-letter object is a committed one.
  auto state = checkpoint::read_committed_state(f.meta);
  ASSERT_TRUE(state.ok()) << state.status().to_string();
  std::vector<std::string> committed;
  uint64_t bad = 0, rows = 0;
  for (const auto& [key, file] : state->dead_letters) {
    committed.push_back(key);
    bad += file.rows;
  }
  for (const auto& [key, file] : state->files) rows += file.rows;
  EXPECT_EQ(committed, f.output.keys("_dead_letter/"));
  EXPECT_EQ(bad, kPoison.size());
  EXPECT_EQ(rows, 120u);
}

TEST_P(DeadLetterCommit, AReplayOfACommittedRunAddsNoDeadLetter) {
  Fixture f;
  ASSERT_TRUE(f.run(GetParam()).ok());
  EXPECT_EQ(f.dead_letters(), planted());
  ASSERT_TRUE(f.run(GetParam()).ok());  // nothing new: recovery only
  EXPECT_EQ(f.dead_letters(), planted());
}

INSTANTIATE_TEST_SUITE_P(ManifestModes, DeadLetterCommit,
                         ::testing::Values(CheckpointMode::kConditional, CheckpointMode::kDirect,
                                           CheckpointMode::kRename),
                         [](const auto& info) {
                           return std::string(checkpoint::checkpoint_mode_name(info.param));
                         });

// A writer whose batch is fenced by a second writer (which claimed the checkpoint and committed
// everything while the first was uploading its dead letters) deletes its dead letters with its
// Parquet files: the winner's batches report each bad record, once.
TEST(DeadLetterFence, AFencedBatchsDeadLettersAreRemovedTheWinnersReportEachRecordOnce) {
  Fixture f;
  bool second_ran = false;
  Status second;
  f.output.before_call = [&](std::string_view api, std::string_view key) {
    if (second_ran || api != "PutObject" || !key.starts_with("_dead_letter/")) return;
    second_ran = true;
    second = f.run(CheckpointMode::kConditional);  // a second process, start to end
  };
  checkpoint::CheckpointOptions o;
  auto ckpt = checkpoint::open_checkpoint(f.meta, f.output, o);
  ASSERT_TRUE(ckpt->recover(std::nullopt).ok());
  EngineConfig c = f.config(CheckpointMode::kConditional);
  c.threads = 1;  // the second writer runs inside this writer's task thread
  StreamEngine first(c, *ckpt, nullptr, nullptr, nullptr);
  std::atomic<bool> stop{false};
  Status s = first.run(stop);
  ASSERT_TRUE(s.ok()) << s.to_string();
  ASSERT_TRUE(second_ran);
  ASSERT_TRUE(second.ok()) << second.to_string();
  EXPECT_GE(first.totals().fenced, 1u);
  EXPECT_EQ(first.totals().bad_records, 0u);  // every batch it tried was fenced
  EXPECT_EQ(f.dead_letters(), planted());
  auto state = checkpoint::read_committed_state(f.meta);
  ASSERT_TRUE(state.ok());
  std::vector<std::string> committed;
  for (const auto& [key, file] : state->dead_letters) {
    committed.push_back(key);
    EXPECT_NE(checkpoint::parse_dead_letter_key(key)->writer, ckpt->writer_id()) << key;
  }
  EXPECT_EQ(committed, f.output.keys("_dead_letter/"));
}

// Chain layout: a chain file's dead letters are uploaded just before it, named by its range; they
// count when the file lands, and the checkpoint removes those whose file never did.
TEST(DeadLetterChain, DeadLettersAreNamedByTheirCommittedChainFile) {
  Fixture f;
  ASSERT_TRUE(f.run(CheckpointMode::kChain).ok());
  EXPECT_EQ(f.dead_letters(), planted());
  auto state = checkpoint::read_chain_state(f.output);
  ASSERT_TRUE(state.ok()) << state.status().to_string();
  std::vector<std::string> committed;
  for (const auto& [key, file] : state->dead_letters) committed.push_back(key);
  EXPECT_EQ(committed, f.output.keys("_dead_letter/"));
  // Offset 33 of partition 0 is in the chain file [30, 40) (10 offsets per file).
  EXPECT_EQ(f.output.keys("_dead_letter/rides-0-00000000000000000030-00000000000000000040").size(),
            1u);
}

TEST(DeadLetterChain, CrashAtEveryRequestThenReplayReportsEachBadRecordOnce) {
  // Reference run: how many output requests a whole run makes.
  uint64_t total = 0;
  {
    Fixture f;
    ASSERT_TRUE(f.run(CheckpointMode::kChain).ok());
    total = f.output.stats().total_calls();
  }
  for (uint64_t cut = 1; cut < total; ++cut) {
    SCOPED_TRACE(::testing::Message() << "crash after output request " << cut << " of " << total);
    Fixture f;
    // Different batch sizes on the replay: its chain files (and their dead-letter keys) differ
    // from the dead attempt's, so a left-over dead-letter file would be a duplicate.
    f.output.crash_after(static_cast<int64_t>(cut));
    EXPECT_FALSE(f.run(CheckpointMode::kChain).ok());
    f.output.crash_after(-1);
    f.max_offsets = 17;
    ASSERT_TRUE(f.run(CheckpointMode::kChain).ok());
    EXPECT_EQ(f.dead_letters(), planted());
    auto state = checkpoint::read_chain_state(f.output);
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(state->dead_letters.size(), f.output.keys("_dead_letter/").size());
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace lakestream::stream
