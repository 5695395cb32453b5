// Topic patterns (Spark's subscribePattern) and registry writer schemas, through the engine end
// to end without a broker: MemorySource -> decode -> Parquet -> MemoryStore, files judged by
// DuckDB. The registry is tests/tools/schema_registry.py, started per test on a free port.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "avro/schema.h"
#include "avro/schema_registry.h"
#include "avro/wire_format.h"
#include "checkpoint/tests/memory_store.h"
#include "stream/engine.h"
#include "stream/memory_source.h"
#include "stream/registry_decoders.h"

namespace lakestream::stream {
namespace {

using checkpoint::testing::MemoryStore;

std::string source_dir() {
  const char* d = std::getenv("LAKESTREAM_SOURCE_DIR");
  return d ? d : ".";
}

void put_long(std::string& out, int64_t v) {
  uint64_t z = (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
  while (z >= 0x80) {
    out.push_back(static_cast<char>((z & 0x7f) | 0x80));
    z >>= 7;
  }
  out.push_back(static_cast<char>(z));
}

void put_string(std::string& out, std::string_view s) {
  put_long(out, static_cast<int64_t>(s.size()));
  out += s;
}

void put_double(std::string& out, double d) {
  char b[8];
  std::memcpy(b, &d, 8);
  out.append(b, 8);
}

std::string confluent(uint32_t id, const std::string& body) {
  Buffer header;
  avro::append_confluent_header(id, header);
  return std::string(reinterpret_cast<const char*>(header.data()), header.size()) + body;
}

constexpr const char* kReader =
    R"({"type":"record","name":"ride","fields":[{"name":"id","type":"long"},)"
    R"({"name":"zone","type":"string"},{"name":"fare","type":"double","default":0.5}]})";

struct Fixture {
  MemorySource source;
  MemoryStore output, meta;
  avro::Schema reader = *avro::parse_schema(kReader);
  avro::Decoder decoder = std::move(*avro::Decoder::create(reader));
  std::vector<std::string> progress;
  std::function<void()> after_batch;

  Status run(EngineConfig c, EngineTotals* totals) {
    c.threads = 2;
    c.task.source = &source;
    c.task.decoder = &decoder;
    c.task.output = &output;
    c.task.include_kafka_metadata = true;
    auto ckpt = checkpoint::open_checkpoint(meta, output, {});
    LS_RETURN_IF_ERROR(ckpt->recover(std::nullopt).status());
    StreamEngine engine(c, *ckpt, &output.stats(), &meta.stats(), [&](const std::string& line) {
      progress.push_back(line);
      if (after_batch) after_batch();
    });
    std::atomic<bool> stop{false};
    Status s = engine.run(stop);
    *totals = engine.totals();
    return s;
  }

  // Copies the committed files to a temp dir and asks DuckDB about them.
  std::string duck(const std::string& select) {
    auto state = checkpoint::read_committed_state(meta);
    EXPECT_TRUE(state.ok());
    auto dir = std::filesystem::temp_directory_path() /
               ("lakestream_source_features_test_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const auto& [key, f] : state->files) {
      std::ofstream(dir / key, std::ios::binary) << output.body(key);
    }
    std::string sql = select + " FROM read_parquet('" + dir.string() + "/*.parquet')";
    std::string cmd = "node " + source_dir() + "/tools/js/duck.mjs \"" + sql + "\" 2>&1";
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

std::string ride(int64_t id, std::string_view zone) {
  std::string out;
  put_long(out, id);
  put_string(out, zone);
  put_double(out, 2.0);
  return out;
}

TEST(MemorySourcePattern, MatchesWholeNamesSortedAndRejectsBadRegex) {
  MemorySource src;
  for (const char* t : {"rides-b", "rides-a", "rides", "xrides-a", "__internal"}) {
    src.add_partition({t, 1});
    src.add_partition({t, 0});
  }
  auto m = src.partitions_matching("rides-.*");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  std::vector<TopicPartition> want = {
      {"rides-a", 0}, {"rides-a", 1}, {"rides-b", 0}, {"rides-b", 1}};
  EXPECT_EQ(*m, want);
  auto all = src.partitions_matching(".*");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 8u);  // no "__internal"
  auto none = src.partitions_matching("nothing");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(src.partitions_matching("rides-(").status().code(), StatusCode::kInvalidArgument);
}

TEST(StreamTopicPattern, NewMatchingTopicJoinsAtTheNextBatch) {
  Fixture f;
  for (int p = 0; p < 2; ++p) f.source.add_partition({"rides-a", p});
  f.source.add_partition({"other", 0});
  for (int i = 0; i < 100; ++i) f.source.append({"rides-a", i % 2}, ride(i, "a"));
  for (int i = 0; i < 50; ++i) f.source.append({"other", 0}, ride(1000 + i, "o"));
  // After the first batch commits, a new matching topic appears.
  int batches = 0;
  f.after_batch = [&] {
    if (++batches != 1) return;
    for (int p = 0; p < 3; ++p) f.source.add_partition({"rides-b", p});
    for (int i = 0; i < 30; ++i) f.source.append({"rides-b", i % 3}, ride(100 + i, "b"));
  };
  EngineConfig c;
  c.topic_pattern = "rides-.*";
  c.trigger = Trigger::kProcessingTime;
  c.interval_ms = 0;
  c.max_batches = 2;
  EngineTotals t;
  Status s = f.run(c, &t);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(t.batches, 2u);
  EXPECT_EQ(t.rows, 130u);
  EXPECT_EQ(f.duck("SELECT count(*) AS n, sum(id) AS s, count(DISTINCT kafka_topic) AS t, "
                   "max(kafka_topic) AS last"),
            R"({"n":"130","s":"8385","t":"2","last":"rides-b"})");
}

TEST(StreamTopicPattern, PatternMatchingNothingIsNotAnError) {
  Fixture f;
  f.source.add_partition({"other", 0});
  EngineConfig c;
  c.topic_pattern = "rides-.*";
  c.trigger = Trigger::kAvailableNow;
  EngineTotals t;
  Status s = f.run(c, &t);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(t.batches, 0u);
}

// tests/tools/schema_registry.py as a child process, killed by its pid on destruction.
class Registry {
 public:
  Registry() {
    int fds[2];
    if (pipe(fds) != 0) return;
    std::string script = source_dir() + "/tests/tools/schema_registry.py";
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      if (FILE* null = std::fopen("/dev/null", "w")) dup2(fileno(null), STDERR_FILENO);
      execl("/usr/bin/python3", "python3", script.c_str(), "--port", "0", "--first-id", "7",
            nullptr);
      _exit(127);
    }
    close(fds[1]);
    FILE* f = fdopen(fds[0], "r");
    char line[64] = {0};
    if (f && fgets(line, sizeof line, f)) std::sscanf(line, "port %d", &port_);
    if (f) fclose(f);
  }
  ~Registry() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st;
      waitpid(pid_, &st, 0);
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST(StreamRegistry, WriterSchemasByIdResolveToTheReaderUnknownIdsAreDeadLetters) {
  Registry reg;
  ASSERT_GT(reg.port(), 0) << "schema_registry.py did not start";
  avro::SchemaRegistryOptions ro;
  ro.url = reg.url();
  avro::SchemaRegistryClient client(ro);
  // v1: differently named, no fare (the reader's default 0.5 applies).
  auto v1 = client.register_schema(
      "rides-value",
      R"({"type":"record","name":"topLevelRecord","fields":[{"name":"id","type":"long"},)"
      R"({"name":"zone","type":"string"}]})");
  // v2: id as int (promoted to long), an extra field the reader skips.
  auto v2 = client.register_schema(
      "rides-value", R"({"type":"record","name":"ride","fields":[{"name":"extra","type":"string"},)"
                     R"({"name":"id","type":"int"},{"name":"zone","type":"string"},)"
                     R"({"name":"fare","type":"double"}]})");
  // v3: id as a string: cannot be read as the reader's long.
  auto v3 = client.register_schema(
      "rides-value", R"({"type":"record","name":"ride","fields":[{"name":"id","type":"string"},)"
                     R"({"name":"zone","type":"string"}]})");
  ASSERT_TRUE(v1.ok() && v2.ok() && v3.ok()) << v1.status().to_string();
  ASSERT_EQ(*v1, 7u);
  ASSERT_EQ(*v3, 9u);

  Fixture f;
  f.source.add_partition({"rides", 0});
  f.source.add_partition({"rides", 1});
  for (int i = 0; i < 10; ++i) {  // v1: ids 0..9, fare 0.5 each
    std::string b;
    put_long(b, i);
    put_string(b, "z1");
    f.source.append({"rides", 0}, confluent(*v1, b));
  }
  for (int i = 0; i < 10; ++i) {  // v2: ids 100..109, fare 2.0 each
    std::string b;
    put_string(b, "skipped");
    put_long(b, 100 + i);
    put_string(b, "z2");
    put_double(b, 2.0);
    f.source.append({"rides", 1}, confluent(*v2, b));
  }
  std::string b3;
  put_string(b3, "x");
  put_string(b3, "z3");
  f.source.append({"rides", 0}, confluent(*v3, b3));             // offset 10: unresolvable
  f.source.append({"rides", 1}, confluent(4242, ride(1, "z")));  // offset 10: unknown id

  RegistryDecoders decoders(client, f.reader);
  EngineConfig c;
  c.topics = {"rides"};
  c.trigger = Trigger::kOnce;
  c.task.wire_format = avro::WireFormat::kConfluent;
  c.task.registry_decoders = &decoders;
  EngineTotals t;
  Status s = f.run(c, &t);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(t.rows, 20u);
  EXPECT_EQ(t.bad_records, 2u);
  EXPECT_EQ(f.duck("SELECT count(*) AS n, sum(id) AS s, sum(fare) AS fare, "
                   "count(DISTINCT zone) AS z"),
            R"({"n":"20","s":"1090","fare":25,"z":"2"})");
  // One dead-letter file per task with bad records: partitions 0 and 1.
  auto dl = f.output.keys("_dead_letter/");
  ASSERT_EQ(dl.size(), 2u);
  std::string body = f.output.body(dl[0]) + f.output.body(dl[1]);
  EXPECT_NE(body.find("schema id 4242 is unknown to the schema registry"), std::string::npos)
      << body;
  EXPECT_NE(body.find("writer schema id 9 cannot be read as --schema"), std::string::npos) << body;

  // Unusable ids are cached as bad records too.
  auto again = decoders.decoder_for(4242);
  EXPECT_EQ(again.status().code(), StatusCode::kInvalidData);
}

TEST(StreamRegistry, UnreachableRegistryFailsTheTaskInsteadOfDeadLettering) {
  avro::SchemaRegistryOptions ro;
  ro.url = "http://127.0.0.1:1";  // nothing listens on port 1
  ro.connect_timeout = std::chrono::milliseconds(500);
  avro::SchemaRegistryClient client(ro);
  Fixture f;
  f.source.add_partition({"rides", 0});
  f.source.append({"rides", 0}, confluent(7, ride(1, "z")));
  RegistryDecoders decoders(client, f.reader);
  EngineConfig c;
  c.topics = {"rides"};
  c.trigger = Trigger::kOnce;
  c.task.wire_format = avro::WireFormat::kConfluent;
  c.task.registry_decoders = &decoders;
  EngineTotals t;
  Status s = f.run(c, &t);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.to_string();
  EXPECT_EQ(t.batches, 0u);
  EXPECT_TRUE(f.output.keys("_dead_letter/").empty());
}

}  // namespace
}  // namespace lakestream::stream
