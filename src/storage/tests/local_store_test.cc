#include "storage/local_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "storage/object_store.h"

namespace lakestream::storage {
namespace {

namespace fs = std::filesystem;

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ls-local-XXXXXX";
    root_ = mkdtemp(tmpl);
    auto s = open_store("file://" + root_ + "/store");
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(*s);
  }
  void TearDown() override { fs::remove_all(root_); }
  std::vector<std::string> files_on_disk() {
    std::vector<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(root_ + "/store"))
      if (e.is_regular_file()) out.push_back(fs::relative(e.path(), root_ + "/store").string());
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string root_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(LocalStoreTest, PutWritesTheFileAndNothingElse) {
  auto r = store_->put("a/b/c.json", bytes("hello"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(read_file(root_ + "/store/a/b/c.json"), "hello");
  EXPECT_EQ(files_on_disk(), std::vector<std::string>{"a/b/c.json"});  // no temp left
  EXPECT_EQ(store_->uri(), "file://" + root_ + "/store");
  EXPECT_EQ(store_->uri_of("a/b/c.json"), "file://" + root_ + "/store/a/b/c.json");
  auto h = store_->head("a/b/c.json");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->size, 5u);
  EXPECT_EQ(h->etag, r->etag);
}

TEST_F(LocalStoreTest, GetReadsRangesAndReportsMissing) {
  ASSERT_TRUE(store_->put("r", bytes("0123456789")).ok());
  EXPECT_EQ(store_->get("r")->view(), "0123456789");
  EXPECT_EQ(store_->get("r", 3, 4)->view(), "3456");
  EXPECT_EQ(store_->get("r", 8)->view(), "89");
  EXPECT_EQ(store_->get("r", 8, 100)->view(), "89");
  EXPECT_EQ(store_->get("missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->head("missing").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->get("r", 11).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalStoreTest, CreateOnlyPutHasExactlyOneWinner) {
  // 8 threads race to create the same key: link(2) lets exactly one win.
  std::atomic<int> won{0}, lost{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([&, i] {
      PutOptions o;
      o.if_none_match = true;
      std::string body = "writer " + std::to_string(i);
      auto r = store_->put("_commits/00000000000000000001.json", bytes(body), o);
      if (r.ok())
        ++won;
      else if (r.status().code() == StatusCode::kPreconditionFailed)
        ++lost;
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), 7);
  EXPECT_TRUE(
      read_file(root_ + "/store/_commits/00000000000000000001.json").starts_with("writer "));
  EXPECT_EQ(files_on_disk().size(), 1u);
}

TEST_F(LocalStoreTest, IfMatchComparesTheEtag) {
  auto v1 = store_->put("state", bytes("v1"));
  ASSERT_TRUE(v1.ok());
  PutOptions stale;
  stale.if_match_etag = "0-0-0";
  EXPECT_EQ(store_->put("state", bytes("bad"), stale).status().code(),
            StatusCode::kPreconditionFailed);
  PutOptions current;
  current.if_match_etag = v1->etag;
  auto v2 = store_->put("state", bytes("v2"), current);
  ASSERT_TRUE(v2.ok()) << v2.status().to_string();
  EXPECT_NE(v2->etag, v1->etag);
  EXPECT_EQ(read_file(root_ + "/store/state"), "v2");
}

TEST_F(LocalStoreTest, ListSortsFiltersAndGroups) {
  for (const char* k : {"p/02", "p/00", "p/01", "q/a/f", "q/b/f", "z"})
    ASSERT_TRUE(store_->put(k, bytes(k)).ok());
  // A leftover temp file (a crashed writer) is never listed.
  std::ofstream(root_ + "/store/p/.03.tmp-deadbeef") << "partial";
  auto all = store_->list({});
  ASSERT_TRUE(all.ok());
  std::vector<std::string> keys;
  for (auto& o : all->objects) keys.push_back(o.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"p/00", "p/01", "p/02", "q/a/f", "q/b/f", "z"}));
  ListOptions lo;
  lo.prefix = "q/";
  lo.delimiter = "/";
  auto g = store_->list(lo);
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->objects.empty());
  EXPECT_EQ(g->common_prefixes, (std::vector<std::string>{"q/a/", "q/b/"}));
  ListOptions after;
  after.prefix = "p/";
  after.start_after = "p/00";
  after.max_keys = 1;
  auto a = store_->list(after);
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(a->objects.size(), 1u);
  EXPECT_EQ(a->objects[0].key, "p/01");
}

TEST_F(LocalStoreTest, RemoveCopyAndRemoveMany) {
  ASSERT_TRUE(store_->put("x", bytes("X")).ok());
  ASSERT_TRUE(store_->copy("x", "y/z").ok());
  EXPECT_EQ(read_file(root_ + "/store/y/z"), "X");
  EXPECT_EQ(store_->copy("nope", "w").code(), StatusCode::kNotFound);
  ASSERT_TRUE(store_->remove({"x", ""}).ok());
  ASSERT_TRUE(store_->remove({"x", ""}).ok());  // missing is fine
  std::vector<ObjectRef> refs = {{"y/z", ""}, {"never", ""}};
  ASSERT_TRUE(store_->remove_many(refs).ok());
  EXPECT_TRUE(files_on_disk().empty());
}

TEST_F(LocalStoreTest, WriterPublishesOnCloseOnly) {
  auto w = store_->open_writer("out/part-0.parquet");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write(bytes("PAR1")).ok());
  ASSERT_TRUE((*w)->write(bytes("....")).ok());
  EXPECT_EQ((*w)->position(), 8u);
  EXPECT_EQ(store_->head("out/part-0.parquet").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_EQ(read_file(root_ + "/store/out/part-0.parquet"), "PAR1....");
  EXPECT_FALSE((*w)->result().etag.empty());
  // The streamed object counts as one PutObject of its size, as S3's single-part upload does.
  auto snap = store_->stats().snapshot();
  EXPECT_EQ(snap["PutObject"].calls, 1u);
  EXPECT_EQ(snap["PutObject"].errors, 0u);
  EXPECT_EQ(snap["PutObject"].tx_bytes, 8u);
}

TEST_F(LocalStoreTest, AbortedWriterLeavesNothing) {
  {
    auto w = store_->open_writer("out/a");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write(bytes("partial")).ok());
    ASSERT_TRUE((*w)->abort().ok());
  }
  {
    auto w = store_->open_writer("out/b");  // dropped without close: also aborted
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write(bytes("partial")).ok());
  }
  EXPECT_TRUE(files_on_disk().empty());
}

TEST_F(LocalStoreTest, KeysCannotEscapeTheRoot) {
  EXPECT_EQ(store_->put("../evil", bytes("x")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->get("a/../../evil").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(LocalStoreTest, StatsCountLocalCalls) {
  ASSERT_TRUE(store_->put("s", bytes("abc")).ok());
  ASSERT_TRUE(store_->get("s").ok());
  EXPECT_FALSE(store_->get("missing").ok());
  auto snap = store_->stats().snapshot();
  EXPECT_EQ(snap.at("PutObject").calls, 1u);
  EXPECT_EQ(snap.at("PutObject").tx_bytes, 3u);
  EXPECT_EQ(snap.at("GetObject").calls, 2u);
  EXPECT_EQ(snap.at("GetObject").errors, 1u);
  EXPECT_EQ(snap.at("GetObject").rx_bytes, 3u);
}

TEST(OpenStore, PlainPathsAndUnknownSchemes) {
  char tmpl[] = "/tmp/ls-open-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto s = open_store(dir + "/plain/");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ((*s)->uri(), "file://" + dir + "/plain");
  EXPECT_TRUE(fs::is_directory(dir + "/plain"));
  fs::remove_all(dir);
  auto bad = open_store("gs://bucket/x");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("gs"), std::string::npos);
}

}  // namespace
}  // namespace lakestream::storage
