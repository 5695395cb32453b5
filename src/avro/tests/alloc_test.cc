// The decoder's hot path must not allocate: counts operator new calls while decoding into a
// batch whose buffers have already grown (the buffers themselves grow with realloc, which this
// cannot see; clear() keeps their capacity, so they do not grow in the measured loop).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "avro/decoder.h"
#include "avro/encoder.h"
#include "avro/tests/test_util.h"

// GCC cannot see that new and delete below are a malloc/free pair.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<long> g_news{0};  // test-only instrumentation of the global allocator
}

void* operator new(size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace lakestream::avro {
namespace {

TEST(AvroAllocation, DecodeAllocatesNothingPerRecord) {
  Schema s = must_parse(R"({"type":"record","name":"R","fields":[
      {"name":"id","type":"long"},{"name":"s","type":["null","string"]},
      {"name":"tags","type":{"type":"array","items":"string"}},
      {"name":"m","type":{"type":"map","values":["null","double"]}},
      {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}}]})");
  auto dec = Decoder::create(s);
  ASSERT_TRUE(dec.ok());
  columnar::RecordBatch batch(dec->columnar_schema());
  std::vector<std::vector<uint8_t>> datums = {
      datum(s, R"({"id":1,"s":{"string":"x"},"tags":["a","b"],"m":{"k":{"double":1.5}},"e":"B"})"),
      datum(s, R"({"id":2,"s":null,"tags":[],"m":{},"e":"A"})")};
  for (int round = 0; round < 2; ++round) {
    batch.clear();
    long before = g_news.load();
    for (int i = 0; i < 1000; ++i) {
      Status st = dec->decode(datums[static_cast<size_t>(i) % 2], batch);
      ASSERT_TRUE(st.ok()) << st.to_string();
    }
    long allocations = g_news.load() - before;
    if (round == 1) {
      EXPECT_EQ(allocations, 0);  // round 0 grew the buffers
    }
  }
  EXPECT_EQ(batch.num_rows(), 1000u);
}

TEST(AvroAllocation, EncodeAllocatesNothingPerRow) {
  Schema s = must_parse(R"({"type":"record","name":"R","fields":[
      {"name":"id","type":"long"},{"name":"s","type":["null","string"]},
      {"name":"tags","type":{"type":"array","items":"string"}}]})");
  auto dec = Decoder::create(s);
  auto enc = Encoder::create(s);
  ASSERT_TRUE(dec.ok() && enc.ok());
  columnar::RecordBatch batch(dec->columnar_schema());
  auto d = datum(s, R"({"id":1,"s":{"string":"x"},"tags":["a","b"]})");
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(dec->decode(d, batch).ok());
  Buffer out;
  std::vector<uint32_t> ends;
  ends.reserve(10);
  ASSERT_TRUE(enc->encode_batch(batch, out, ends).ok());
  long per_batch_10 = 0, per_batch_1000 = 0;
  for (int n : {10, 1000}) {
    batch.clear();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(dec->decode(d, batch).ok());
    out.clear();
    ends.clear();
    ends.reserve(1000);
    long before = g_news.load();
    ASSERT_TRUE(enc->encode_batch(batch, out, ends).ok());
    (n == 10 ? per_batch_10 : per_batch_1000) = g_news.load() - before;
  }
  // A fixed number per batch (the column cursors), independent of the row count.
  EXPECT_EQ(per_batch_10, per_batch_1000);
}

}  // namespace
}  // namespace lakestream::avro
