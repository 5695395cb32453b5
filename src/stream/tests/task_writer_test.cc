// run_task without a broker: MemorySource -> decode -> (partition) -> Parquet -> MemoryStore.
// Checks the Hive directories of the files, and that closing files early under a small memory
// share is deterministic: two runs of the same task build byte-identical files.
#include "stream/task_writer.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdio>

#include "avro/schema.h"
#include "checkpoint/data_file_name.h"
#include "checkpoint/tests/memory_store.h"
#include "stream/memory_source.h"

namespace lakestream::stream {
namespace {

using checkpoint::testing::MemoryStore;

constexpr const char* kSchema =
    R"({"type":"record","name":"ride","fields":[{"name":"id","type":"long"},)"
    R"({"name":"zone","type":"string"},{"name":"note","type":"string"}]})";
constexpr uint64_t kSeed = 20261125;
constexpr int kRows = 20000;
constexpr int kZones = 50;

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

// kRows records in partition 0: zone z00..z49 (pseudo-random), a 100-char random note (so that
// pages do not shrink to nothing and the memory share is reached).
void fill(MemorySource& src) {
  std::printf("seed %llu\n", static_cast<unsigned long long>(kSeed));
  uint64_t x = kSeed;
  auto next = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return x >> 33;
  };
  src.add_partition({"rides", 0});
  for (int i = 0; i < kRows; ++i) {
    std::string v;
    put_long(v, i);
    char zone[8];
    std::snprintf(zone, sizeof zone, "z%02d", static_cast<int>(next() % kZones));
    put_string(v, zone);
    std::string note(100, ' ');
    for (char& c : note) c = static_cast<char>('a' + next() % 26);
    put_string(v, note);
    src.append({"rides", 0}, v, std::nullopt, 1764100000000 + i);
  }
}

struct Fixture {
  MemorySource source;
  avro::Decoder decoder = std::move(*avro::Decoder::create(*avro::parse_schema(kSchema)));
  std::shared_ptr<const columnar::Schema> schema = output_schema(decoder, false);

  Fixture() { fill(source); }

  TaskConfig config(MemoryStore* out, uint64_t max_batch_bytes, bool partitioned) {
    TaskConfig c;
    c.source = &source;
    c.decoder = &decoder;
    c.output = out;
    c.writer_id = "w1";
    c.max_batch_bytes = max_batch_bytes;
    c.flush_rows = 4096;
    if (partitioned) {
      c.partitioner = *Partitioner::create(*parse_partition_spec({"zone"}, ""), schema);
    }
    return c;
  }
  TaskResult run(MemoryStore* out, uint64_t max_batch_bytes, bool partitioned) {
    auto r =
        run_task(config(out, max_batch_bytes, partitioned), schema, {{"rides", 0}, 0, kRows}, 1);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? std::move(*r) : TaskResult{};
  }
};

uint64_t total_rows(const TaskResult& r) {
  uint64_t n = 0;
  for (const auto& f : r.files) n += f.rows;
  return n;
}

TEST(TaskWriter, PartitionedFilesGoToHiveDirectories) {
  Fixture f;
  MemoryStore out;
  TaskResult r = f.run(&out, 1ull << 30, true);
  EXPECT_EQ(r.rows, static_cast<uint64_t>(kRows));
  EXPECT_EQ(r.early_closes, 0u);
  ASSERT_EQ(r.files.size(), static_cast<size_t>(kZones));
  EXPECT_EQ(total_rows(r), static_cast<uint64_t>(kRows));
  for (const auto& file : r.files) {
    auto name = checkpoint::parse_data_file_key(file.key);
    ASSERT_TRUE(name) << file.key;
    EXPECT_TRUE(name->dir.starts_with("zone=z")) << file.key;
    EXPECT_EQ(name->start, 0);
    EXPECT_EQ(name->seq, 0u);
    EXPECT_LE(file.start, file.end - 1);
    EXPECT_FALSE(out.body(file.key).empty());
  }
  EXPECT_EQ(out.keys("zone=z07/").size(), 1u);
}

TEST(TaskWriter, EarlyCloseUnderASmallShareIsDeterministic) {
  Fixture f;
  MemoryStore a, b;
  TaskResult ra = f.run(&a, 1 << 20, true);  // the minimum share: 1 MiB for 50 open files
  TaskResult rb = f.run(&b, 1 << 20, true);
  EXPECT_GT(ra.early_closes, 0u);
  EXPECT_GT(ra.files.size(), static_cast<size_t>(kZones));
  EXPECT_EQ(total_rows(ra), static_cast<uint64_t>(kRows));
  EXPECT_EQ(ra.early_closes, rb.early_closes);
  ASSERT_EQ(ra.files, rb.files);
  for (const auto& file : ra.files) {
    ASSERT_EQ(a.body(file.key), b.body(file.key)) << file.key;
  }
  std::printf("%zu files, %llu early closes, peak counted %llu bytes\n", ra.files.size(),
              static_cast<unsigned long long>(ra.early_closes),
              static_cast<unsigned long long>(ra.peak_buffered_bytes));
}

TEST(TaskWriter, EarlyCloseWithoutPartitioningKeepsOffsetRangesContiguous) {
  Fixture f;
  MemoryStore out;
  TaskResult r = f.run(&out, 1 << 20, false);
  ASSERT_GT(r.files.size(), 1u);
  EXPECT_GE(r.early_closes, r.files.size() - 1);  // the last may close early too
  EXPECT_EQ(total_rows(r), static_cast<uint64_t>(kRows));
  EXPECT_EQ(r.files.front().start, 0);
  EXPECT_EQ(r.files.back().end, kRows);
  for (size_t i = 1; i < r.files.size(); ++i) {
    EXPECT_EQ(r.files[i].start, r.files[i - 1].end);
    EXPECT_EQ(checkpoint::parse_data_file_key(r.files[i].key)->seq, i);
  }
}

TEST(TaskMemory, PicksTheLargestFileTiesByKey) {
  std::vector<FileMemory> files = {{10, "b"}, {30, "d"}, {30, "c"}, {5, "a"}};
  EXPECT_EQ(pick_file_to_close(files), 2);
  EXPECT_EQ(pick_file_to_close({}), -1);
  EXPECT_EQ(task_memory_share(256ull << 20, 2), 128ull << 20);
  EXPECT_EQ(task_memory_share(256ull << 20, 0), 256ull << 20);
  EXPECT_EQ(task_memory_share(1000, 4), 1ull << 20);
  // S3: 16 MiB parts, 4 in flight: the partial part plus at most 4 full ones.
  EXPECT_EQ(sink_held_bytes(3 << 20, 16 << 20, 4), 3u << 20);
  EXPECT_EQ(sink_held_bytes((2 * 16 + 3) << 20, 16 << 20, 4), 35u << 20);
  EXPECT_EQ(sink_held_bytes((10 * 16 + 3) << 20, 16 << 20, 4), (4 * 16 + 3u) << 20);
  EXPECT_EQ(sink_held_bytes(1 << 30, 0, 4), 0u);
}

TEST(TaskMemory, ParsesByteSizes) {
  EXPECT_EQ(parse_byte_size("268435456").value(), 268435456u);
  EXPECT_EQ(parse_byte_size("256MiB").value(), 256u << 20);
  EXPECT_EQ(parse_byte_size("64K").value(), 64u << 10);
  EXPECT_EQ(parse_byte_size("1GiB").value(), 1u << 30);
  EXPECT_FALSE(parse_byte_size("0").ok());
  EXPECT_FALSE(parse_byte_size("12 MB").ok());
  EXPECT_FALSE(parse_byte_size("MiB").ok());
  EXPECT_FALSE(parse_byte_size("-5").ok());
}

// The count an open file is charged (task_memory.h) against the heap it really takes: 20 taxi
// writers with 1000 rows of all-distinct values each (dictionaries and their hash indexes grow).
TEST(TaskMemory, OpenFileChargeMatchesTheHeap) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "mallinfo2 does not see ASan's allocator";
#endif
  const char* src = std::getenv("LAKESTREAM_SOURCE_DIR");
  auto avsc = avro::parse_schema_file(std::string(src ? src : ".") + "/schemas/nyc_taxi.avsc");
  ASSERT_TRUE(avsc.ok()) << avsc.status().to_string();
  auto decoder = avro::Decoder::create(*avsc);
  ASSERT_TRUE(decoder.ok());
  auto schema = output_schema(*decoder, true);
  for (int rows : {20, 1000}) {
    columnar::RecordBatch b(schema);
    for (int i = 0; i < rows; ++i) {
      for (size_t c = 0; c < b.num_columns(); ++c) {
        auto& col = b.column(c);
        if (col.descriptor().max_def > 0) col.append_levels(1, 0);
        switch (col.physical()) {
          case columnar::PhysicalType::kByteArray:
            col.append_bytes("value-" + std::to_string(i));
            break;
          case columnar::PhysicalType::kDouble:
            col.append_fixed<double>(i * 1.5);
            break;
          case columnar::PhysicalType::kInt32:
            col.append_fixed<int32_t>(i);
            break;
          default:
            col.append_fixed<int64_t>(i);
        }
        if (col.descriptor().max_def == 0) col.count_slot();
      }
      b.finish_row();
    }
    constexpr int kFiles = 20;
    std::vector<std::unique_ptr<MemorySink>> sinks;
    std::vector<std::unique_ptr<parquet::FileWriter>> writers;
    auto before = mallinfo2();
    uint64_t charged = 0;
    for (int i = 0; i < kFiles; ++i) {
      sinks.push_back(std::make_unique<MemorySink>());
      writers.push_back(std::move(*parquet::FileWriter::open(schema, sinks.back().get())));
      ASSERT_TRUE(writers.back()->write(b).ok());
      charged += writers.back()->stats().memory_bytes + kOpenFileFixedBytes;
    }
    auto after = mallinfo2();
    // The sinks hold only the 4-byte magic; everything else is the writers'.
    uint64_t heap = after.uordblks + after.hblkhd - before.uordblks - before.hblkhd;
    std::printf("%d rows: heap %llu bytes per file, charged %llu\n", rows,
                static_cast<unsigned long long>(heap / kFiles),
                static_cast<unsigned long long>(charged / kFiles));
    EXPECT_LE(heap, charged);
    EXPECT_GE(heap, charged * 8 / 10);  // and not wildly pessimistic
  }
}

}  // namespace
}  // namespace lakestream::stream
