// The engine's consumer-group mode without a broker: a scripted PartitionOwnership plays the
// group, MemorySource the topic, MemoryStore the bucket; DuckDB judges the committed files.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "avro/schema.h"
#include "checkpoint/data_file_name.h"
#include "checkpoint/tests/memory_store.h"
#include "stream/engine.h"
#include "stream/memory_source.h"

namespace lakestream::stream {
namespace {

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

TopicPartition tp(int p) { return {"rides", p}; }

// Plays the group: `script(call)` runs on every poll and returns the events to deliver.
class ScriptedOwner final : public PartitionOwnership {
 public:
  std::function<std::vector<EngineEvent>(int call)> script;
  std::vector<OffsetRange> committed;  // what the engine wrote back to the group
  bool left = false;
  int calls = 0;

  Result<std::vector<EngineEvent>> poll(std::chrono::milliseconds) override {
    return script(calls++);
  }
  Status commit_offsets(const std::vector<OffsetRange>& ranges) override {
    committed.insert(committed.end(), ranges.begin(), ranges.end());
    return Status();
  }
  Result<std::vector<EngineEvent>> leave() override {
    left = true;
    return std::vector<EngineEvent>{};
  }
};

// The output as a zombie sees it once the new owner's recovery removed its in-flight files:
// while armed, every data file of `failing` fails to upload (NoSuchKey, as RGW answers a part
// upload whose object was deleted). Everything else goes to `inner`.
class FlakyOutput final : public storage::ObjectStore {
 public:
  explicit FlakyOutput(storage::ObjectStore& inner) : inner_(inner) {}
  std::atomic<bool> armed{false};
  TopicPartition failing{"rides", 0};
  std::atomic<int> failures{0};

  const std::string& uri() const override { return inner_.uri(); }
  std::string uri_of(std::string_view key) const override { return inner_.uri_of(key); }
  storage::StoreCapabilities capabilities() const override { return inner_.capabilities(); }
  Result<storage::PutResult> put(std::string_view key, std::span<const uint8_t> body,
                                 const storage::PutOptions& o = {}) override {
    LS_RETURN_IF_ERROR(check(key));
    return inner_.put(key, body, o);
  }
  Result<Buffer> get(std::string_view key, uint64_t offset, uint64_t length) override {
    return inner_.get(key, offset, length);
  }
  Result<storage::ObjectInfo> head(std::string_view key) override { return inner_.head(key); }
  Result<storage::ListResult> list(const storage::ListOptions& o) override {
    return inner_.list(o);
  }
  Result<std::vector<storage::ObjectInfo>> list_versions(std::string_view prefix) override {
    return inner_.list_versions(prefix);
  }
  Status remove(const storage::ObjectRef& ref) override { return inner_.remove(ref); }
  Status remove_many(std::span<const storage::ObjectRef> refs) override {
    return inner_.remove_many(refs);
  }
  Status copy(std::string_view from, std::string_view to) override { return inner_.copy(from, to); }
  Result<std::unique_ptr<storage::ObjectWriter>> open_writer(
      std::string_view key, const storage::PutOptions& o = {}) override {
    LS_RETURN_IF_ERROR(check(key));
    return inner_.open_writer(key, o);
  }
  const storage::CallStats& stats() const override { return inner_.stats(); }

 private:
  Status check(std::string_view key) {
    auto name = checkpoint::parse_data_file_key(key);
    if (!armed || !name || !(name->tp == failing)) return Status();
    ++failures;
    return io_error(fmt::format("{}: upload failed: NoSuchKey", key));
  }
  storage::ObjectStore& inner_;
};

EngineEvent event(EngineEvent::Kind kind, std::vector<int> partitions) {
  EngineEvent e{kind, {}, {}};
  for (int p : partitions) e.partitions.push_back(tp(p));
  return e;
}

struct Fixture {
  MemorySource source;
  MemoryStore output, meta;
  avro::Decoder decoder;
  std::vector<EngineEvent> events;

  // 4 partitions, ids 0..n-1 round-robin.
  explicit Fixture(int n)
      : decoder(std::move(*avro::Decoder::create(*avro::parse_schema(kSchema)))) {
    for (int p = 0; p < 4; ++p) source.add_partition(tp(p));
    for (int i = 0; i < n; ++i) source.append(tp(i % 4), ride(i), std::nullopt, 1764100000000 + i);
  }

  EngineConfig config(PartitionOwnership* owner, int64_t max_offsets) {
    EngineConfig c;
    c.topics = {"rides"};
    c.trigger = Trigger::kProcessingTime;
    c.interval_ms = 0;
    c.plan.max_offsets_per_trigger = max_offsets;
    c.threads = 2;
    c.task.source = &source;
    c.task.decoder = &decoder;
    c.task.output = &output;
    c.task.include_kafka_metadata = true;
    c.ownership = owner;
    c.on_event = [this](const EngineEvent& e) { events.push_back(e); };
    return c;
  }

  std::unique_ptr<checkpoint::CheckpointStore> group_checkpoint() {
    auto ckpt = checkpoint::open_checkpoint(meta, output, {});
    EXPECT_TRUE(ckpt->recover(std::vector<TopicPartition>{}).ok());
    return ckpt;
  }

  int count(EngineEvent::Kind kind) const {
    int n = 0;
    for (const auto& e : events) n += e.kind == kind;
    return n;
  }

  // Copies the committed files to a temp dir and asks DuckDB about them.
  std::string duck(const std::string& select) {
    auto state = checkpoint::read_committed_state(meta);
    EXPECT_TRUE(state.ok());
    auto dir = std::filesystem::temp_directory_path() /
               ("lakestream_group_test_" + std::to_string(::getpid()));
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

  // Every data file in the output is listed by the log (no attempt left behind).
  void expect_no_uncommitted_files() {
    auto state = checkpoint::read_committed_state(meta);
    ASSERT_TRUE(state.ok());
    for (const auto& key : output.keys()) {
      if (checkpoint::parse_data_file_key(key)) {
        EXPECT_TRUE(state->files.contains(key)) << key;
      }
    }
  }
};

TEST(GroupEngine, PlansOnlyAssignedPartitionsAndWritesOffsetsBackToTheGroup) {
  Fixture f(1000);
  auto ckpt = f.group_checkpoint();
  ScriptedOwner owner;
  std::atomic<bool> stop{false};
  owner.script = [&](int call) -> std::vector<EngineEvent> {
    if (call == 0) return {event(EngineEvent::Kind::kAssigned, {1, 3})};
    const auto& offsets = ckpt->state().offsets;
    if (offsets.contains(tp(1)) && offsets.at(tp(1)) == 250 && offsets.contains(tp(3)) &&
        offsets.at(tp(3)) == 250) {
      stop = true;
    }
    return {};
  };
  StreamEngine engine(f.config(&owner, 100), *ckpt, nullptr, nullptr, nullptr);
  Status s = engine.run(stop);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_TRUE(owner.left);
  // 500 offsets of partitions 1 and 3 at <= 100 per batch; 0 and 2 never planned.
  EXPECT_EQ(engine.totals().batches, 5u);
  EXPECT_EQ(engine.totals().rows, 500u);
  EXPECT_FALSE(ckpt->state().offsets.contains(tp(0)));
  EXPECT_FALSE(ckpt->state().offsets.contains(tp(2)));
  ASSERT_FALSE(owner.committed.empty());
  for (const auto& r : owner.committed) EXPECT_TRUE(r.tp == tp(1) || r.tp == tp(3));
  EXPECT_EQ(owner.committed.back().end, 250);
  // The last lag report: both partitions fully committed.
  const EngineEvent* lag = nullptr;
  for (const auto& e : f.events) {
    if (e.kind == EngineEvent::Kind::kLag) lag = &e;
  }
  ASSERT_NE(lag, nullptr);
  ASSERT_EQ(lag->lag.size(), 2u);
  for (const auto& l : lag->lag) {
    EXPECT_EQ(l.committed, 250);
    EXPECT_EQ(l.high, 250);
    EXPECT_EQ(l.lag, 0);
  }
  EXPECT_EQ(f.count(EngineEvent::Kind::kAssigned), 1);
  EXPECT_EQ(f.duck("SELECT count(*) AS n, min(kafka_partition % 2) AS odd"),
            R"({"n":"500","odd":1})");
}

TEST(GroupEngine, AssignedPartitionsWithNothingLeftToReadStillWriteTheirOffsetsBack) {
  // Worker A commits everything, then leaves; B is given the partitions with nothing left to
  // read. No batch runs on B, yet the group must learn their offsets from B (A's last write-back
  // may have been lost), or lag tools show the lag of A's last successful commit-back forever.
  Fixture f(400);
  {
    auto a = f.group_checkpoint();
    ScriptedOwner owner_a;
    std::atomic<bool> stop_a{false};
    owner_a.script = [&](int call) -> std::vector<EngineEvent> {
      if (call == 0) return {event(EngineEvent::Kind::kAssigned, {0, 1, 2, 3})};
      const auto& o = a->state().offsets;
      bool done = o.size() == 4;
      for (const auto& [tp, end] : o) done = done && end == 100;
      if (done) stop_a = true;
      return {};
    };
    StreamEngine engine_a(f.config(&owner_a, 0), *a, nullptr, nullptr, nullptr);
    ASSERT_TRUE(engine_a.run(stop_a).ok());
  }
  auto b = f.group_checkpoint();
  ScriptedOwner owner_b;
  std::atomic<bool> stop_b{false};
  owner_b.script = [&](int call) -> std::vector<EngineEvent> {
    if (call == 0) return {event(EngineEvent::Kind::kAssigned, {1, 2})};
    if (call >= 5) stop_b = true;
    return {};
  };
  StreamEngine engine_b(f.config(&owner_b, 0), *b, nullptr, nullptr, nullptr);
  ASSERT_TRUE(engine_b.run(stop_b).ok());
  EXPECT_EQ(engine_b.totals().batches, 0u);
  ASSERT_EQ(owner_b.committed.size(), 2u);
  EXPECT_EQ(owner_b.committed[0].tp, tp(1));
  EXPECT_EQ(owner_b.committed[0].end, 100);
  EXPECT_EQ(owner_b.committed[1].tp, tp(2));
  EXPECT_EQ(owner_b.committed[1].end, 100);
}

TEST(GroupEngine, ZombieBatchLosesToTheNewOwnersClaimAndTheSurvivorsFinishExactlyOnce) {
  Fixture f(2000);
  // Worker A holds every partition; after its second batch the group moves 0 and 1 to worker B
  // while A is "paused": A has not heard of it and plans all four again.
  auto a = f.group_checkpoint();
  auto b = checkpoint::open_checkpoint(f.meta, f.output, {});
  ScriptedOwner owner_a;
  std::atomic<bool> stop_a{false};
  bool claimed = false;
  int fenced_at_call = -1;
  owner_a.script = [&](int call) -> std::vector<EngineEvent> {
    if (call == 0) return {event(EngineEvent::Kind::kAssigned, {0, 1, 2, 3})};
    if (!claimed && a->state().last_batch && *a->state().last_batch >= 3) {
      claimed = true;
      EXPECT_TRUE(b->recover(std::vector<TopicPartition>{tp(0), tp(1)}).ok());
      return {};
    }
    if (claimed && fenced_at_call < 0 && f.count(EngineEvent::Kind::kFenced) > 0) {
      fenced_at_call = call;
      return {event(EngineEvent::Kind::kLost, {0, 1})};  // A hears of it after the fence
    }
    const auto& o = a->state().offsets;
    if (o.contains(tp(2)) && o.at(tp(2)) == 500 && o.contains(tp(3)) && o.at(tp(3)) == 500) {
      stop_a = true;
    }
    return {};
  };
  StreamEngine engine_a(f.config(&owner_a, 200), *a, nullptr, nullptr, nullptr);
  Status s = engine_a.run(stop_a);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(engine_a.totals().fenced, 1u);
  EXPECT_GE(fenced_at_call, 0);
  for (const auto& r : owner_a.committed) {
    if (r.tp == tp(0) || r.tp == tp(1)) {
      EXPECT_LE(r.end, 500);
    }
  }

  // B works its partitions (assigned again by the group: claims and cleans them once more).
  ScriptedOwner owner_b;
  std::atomic<bool> stop_b{false};
  owner_b.script = [&](int call) -> std::vector<EngineEvent> {
    if (call == 0) return {event(EngineEvent::Kind::kAssigned, {0, 1})};
    const auto& o = b->state().offsets;
    if (o.contains(tp(0)) && o.at(tp(0)) == 500 && o.contains(tp(1)) && o.at(tp(1)) == 500) {
      stop_b = true;
    }
    return {};
  };
  StreamEngine engine_b(f.config(&owner_b, 200), *b, nullptr, nullptr, nullptr);
  s = engine_b.run(stop_b);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(engine_b.totals().fenced, 0u);

  EXPECT_EQ(f.count(EngineEvent::Kind::kFenced), 1);
  EXPECT_EQ(f.count(EngineEvent::Kind::kLost), 1);
  f.expect_no_uncommitted_files();
  EXPECT_EQ(f.duck("SELECT count(*) AS n, sum(id) AS s, count(DISTINCT (kafka_partition, "
                   "kafka_offset)) AS d"),
            R"({"n":"2000","s":"1999000","d":"2000"})");
}

TEST(GroupEngine, ZombieBatchThatFailsOnTheNewOwnersPartitionsIsFencedNotFatal) {
  // Worker A holds every partition. While it is "paused", B is given 0 and 1 and claims them
  // (its recovery deletes A's in-flight files): A's next batch fails to upload partition 1's
  // file. That is being fenced, not an I/O failure of A's: A drops the attempt (partition 0's
  // file included), keeps working 2 and 3, and B finishes 0 and 1: every record once.
  Fixture f(2000);
  FlakyOutput flaky(f.output);
  auto a = f.group_checkpoint();
  auto b = checkpoint::open_checkpoint(f.meta, f.output, {});
  ScriptedOwner owner_a;
  std::atomic<bool> stop_a{false};
  bool claimed = false;
  owner_a.script = [&](int call) -> std::vector<EngineEvent> {
    if (call == 0) return {event(EngineEvent::Kind::kAssigned, {0, 1, 2, 3})};
    if (!claimed && a->state().last_batch && *a->state().last_batch >= 3) {
      claimed = true;
      EXPECT_TRUE(b->recover(std::vector<TopicPartition>{tp(0), tp(1)}).ok());
      flaky.armed = true;
      return {};
    }
    const auto& o = a->state().offsets;
    if (o.contains(tp(2)) && o.at(tp(2)) == 500 && o.contains(tp(3)) && o.at(tp(3)) == 500) {
      stop_a = true;
    }
    return {};  // the group never tells A: only the log does
  };
  auto config_a = f.config(&owner_a, 200);
  config_a.task.output = &flaky;
  // One task at a time, in partition order: partition 0's file is uploaded before 1 fails.
  config_a.threads = 1;
  flaky.failing = tp(1);
  config_a.fence_hold = std::chrono::hours(1);
  StreamEngine engine_a(config_a, *a, nullptr, nullptr, nullptr);
  Status s = engine_a.run(stop_a);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(flaky.failures.load(), 1);
  EXPECT_EQ(engine_a.totals().fenced, 1u);
  ASSERT_EQ(f.count(EngineEvent::Kind::kFenced), 1);
  for (const auto& e : f.events) {
    if (e.kind == EngineEvent::Kind::kFenced) {
      EXPECT_EQ(e.partitions, (std::vector<TopicPartition>{tp(0), tp(1)}));
    }
  }
  // Nothing of the failed attempt is left behind, though nobody recovers 0 and 1 again.
  f.expect_no_uncommitted_files();

  flaky.armed = false;
  ScriptedOwner owner_b;
  std::atomic<bool> stop_b{false};
  owner_b.script = [&, first = true](int) mutable -> std::vector<EngineEvent> {
    if (first) {
      first = false;
      return {event(EngineEvent::Kind::kAssigned, {0, 1})};
    }
    const auto& o = b->state().offsets;
    if (o.contains(tp(0)) && o.at(tp(0)) == 500 && o.contains(tp(1)) && o.at(tp(1)) == 500) {
      stop_b = true;
    }
    return {};
  };
  StreamEngine engine_b(f.config(&owner_b, 200), *b, nullptr, nullptr, nullptr);
  s = engine_b.run(stop_b);
  ASSERT_TRUE(s.ok()) << s.to_string();
  f.expect_no_uncommitted_files();
  EXPECT_EQ(f.duck("SELECT count(*) AS n, sum(id) AS s, count(DISTINCT (kafka_partition, "
                   "kafka_offset)) AS d"),
            R"({"n":"2000","s":"1999000","d":"2000"})");
}

TEST(GroupEngine, BatchFailureOnPartitionsStillOursIsFatal) {
  // Same failure, but nobody took partition 0: the worker must report it, not call it a fence.
  Fixture f(1000);
  FlakyOutput flaky(f.output);
  auto a = f.group_checkpoint();
  ScriptedOwner owner;
  owner.script = [&](int call) -> std::vector<EngineEvent> {
    if (call == 0) return {event(EngineEvent::Kind::kAssigned, {0, 1, 2, 3})};
    if (a->state().last_batch && *a->state().last_batch >= 2) flaky.armed = true;
    return {};
  };
  auto c = f.config(&owner, 100);
  c.task.output = &flaky;
  StreamEngine engine(c, *a, nullptr, nullptr, nullptr);
  std::atomic<bool> stop{false};
  Status s = engine.run(stop);
  EXPECT_EQ(s.code(), StatusCode::kIoError) << s.to_string();
  EXPECT_NE(s.message().find("NoSuchKey"), std::string::npos) << s.to_string();
  EXPECT_EQ(engine.totals().fenced, 0u);
  EXPECT_TRUE(owner.left);
}

TEST(GroupEngine, FencedPartitionsTheGroupStillGivesUsAreClaimedAgainAfterTheHold) {
  // Another writer claims partitions 0 and 1 but the group never moves them: after fence_hold the
  // worker claims them back and finishes every partition, each record once.
  Fixture f(1000);
  auto a = f.group_checkpoint();
  auto other = checkpoint::open_checkpoint(f.meta, f.output, {});
  ScriptedOwner owner;
  std::atomic<bool> stop{false};
  bool claimed = false;
  owner.script = [&](int call) -> std::vector<EngineEvent> {
    if (call == 0) return {event(EngineEvent::Kind::kAssigned, {0, 1, 2, 3})};
    if (!claimed && a->state().last_batch && *a->state().last_batch >= 2) {
      claimed = true;
      EXPECT_TRUE(other->recover(std::vector<TopicPartition>{tp(0), tp(1)}).ok());
    }
    const auto& o = a->state().offsets;
    bool done = true;
    for (int p = 0; p < 4; ++p) done = done && o.contains(tp(p)) && o.at(tp(p)) == 250;
    if (done) stop = true;
    return {};
  };
  auto c = f.config(&owner, 100);
  c.fence_hold = std::chrono::milliseconds(50);
  StreamEngine engine(c, *a, nullptr, nullptr, nullptr);
  Status s = engine.run(stop);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_TRUE(claimed);
  EXPECT_EQ(engine.totals().fenced, 1u);
  EXPECT_EQ(f.count(EngineEvent::Kind::kFenced), 1);
  f.expect_no_uncommitted_files();
  EXPECT_EQ(f.duck("SELECT count(*) AS n, sum(id) AS s, count(DISTINCT (kafka_partition, "
                   "kafka_offset)) AS d"),
            R"({"n":"1000","s":"499500","d":"1000"})");
}

TEST(GroupEngine, RejectsTriggersThatAreNotProcessingTime) {
  Fixture f(10);
  auto ckpt = f.group_checkpoint();
  ScriptedOwner owner;
  owner.script = [](int) { return std::vector<EngineEvent>{}; };
  auto c = f.config(&owner, 0);
  c.trigger = Trigger::kAvailableNow;
  StreamEngine engine(c, *ckpt, nullptr, nullptr, nullptr);
  std::atomic<bool> stop{false};
  EXPECT_EQ(engine.run(stop).code(), StatusCode::kInvalidArgument);
}

TEST(GroupId, DerivedFromTheCheckpointUri) {
  EXPECT_EQ(default_group_id("s3://b/ckpt"), default_group_id("s3://b/ckpt"));
  EXPECT_NE(default_group_id("s3://b/ckpt"), default_group_id("s3://b/ckpt2"));
  EXPECT_EQ(default_group_id("s3://b/ckpt").size(), std::string("lakestream-").size() + 12);
  EXPECT_TRUE(default_group_id("x").starts_with("lakestream-"));
}

}  // namespace
}  // namespace lakestream::stream
