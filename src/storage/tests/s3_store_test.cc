// S3Store against a real S3 server (Ceph RGW from scripts/rgw.sh); every result is checked with
// boto3, not with our own client.
#include "storage/s3_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "storage/sigv4.h"
#include "storage/tests/s3_test_env.h"

namespace lakestream::storage {
namespace {

using testing::boto;
using testing::bytes;

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LS_REQUIRE_S3();
    bucket_ = testing::unique_bucket("store");
    auto s = S3Store::open(bucket_, "root/dir", testing::test_options());
    ASSERT_TRUE(s.ok()) << s.status().to_string();
    store_ = std::move(*s);
    ASSERT_TRUE(store_->create_bucket().ok());
  }
  std::string bucket_;
  std::unique_ptr<S3Store> store_;
};

TEST_F(S3StoreTest, PutThenBotoSeesBytesAndMetadata) {
  PutOptions o;
  o.metadata = {{"commit", "12"}, {"writer", "lakestream"}};
  o.content_type = "application/json";
  auto r = store_->put("a/b c+d.json", bytes("{\"x\":1}"), o);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->etag.size(), 32u);  // MD5 hex of a single-part PUT
  EXPECT_EQ(
      boto(bucket_,
           "o = s3.get_object(Bucket=bucket, Key='root/dir/a/b c+d.json')\n"
           "print(o['Body'].read().decode(), o['ContentType'], sorted(o['Metadata'].items()), "
           "o['ETag'].strip('\"'))"),
      "{\"x\":1} application/json [('commit', '12'), ('writer', 'lakestream')] " + r->etag);
  auto h = store_->head("a/b c+d.json");
  ASSERT_TRUE(h.ok()) << h.status().to_string();
  EXPECT_EQ(h->size, 7u);
  EXPECT_EQ(h->etag, r->etag);
  EXPECT_EQ(h->metadata.at("commit"), "12");
  EXPECT_GT(h->mtime_ms, 1700000000000);
}

TEST_F(S3StoreTest, GetReadsWholeObjectsAndRanges) {
  boto(bucket_, "s3.put_object(Bucket=bucket, Key='root/dir/r', Body=b'0123456789')");
  auto all = store_->get("r");
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  EXPECT_EQ(all->view(), "0123456789");
  auto mid = store_->get("r", 3, 4);
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(mid->view(), "3456");
  auto tail = store_->get("r", 7);
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(tail->view(), "789");
  auto missing = store_->get("nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("NoSuchKey"), std::string::npos);
  EXPECT_EQ(store_->head("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(S3StoreTest, IfNoneMatchCreatesOnlyOnce) {
  PutOptions create_only;
  create_only.if_none_match = true;
  ASSERT_TRUE(store_->put("_commits/1.json", bytes("first"), create_only).ok());
  auto second = store_->put("_commits/1.json", bytes("second"), create_only);
  EXPECT_EQ(second.status().code(), StatusCode::kPreconditionFailed) << second.status().to_string();
  EXPECT_EQ(boto(bucket_,
                 "print(s3.get_object(Bucket=bucket, "
                 "Key='root/dir/_commits/1.json')['Body'].read().decode())"),
            "first");
}

TEST_F(S3StoreTest, IfMatchReplacesOnlyTheExpectedVersion) {
  auto v1 = store_->put("state", bytes("v1"));
  ASSERT_TRUE(v1.ok());
  PutOptions stale;
  stale.if_match_etag = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(store_->put("state", bytes("bad"), stale).status().code(),
            StatusCode::kPreconditionFailed);
  PutOptions current;
  current.if_match_etag = v1->etag;
  auto v2 = store_->put("state", bytes("v2"), current);
  ASSERT_TRUE(v2.ok()) << v2.status().to_string();
  EXPECT_EQ(boto(bucket_,
                 "print(s3.get_object(Bucket=bucket, "
                 "Key='root/dir/state')['Body'].read().decode())"),
            "v2");
}

TEST_F(S3StoreTest, ListPaginatesAndGroupsByDelimiter) {
  // Written by boto, listed by us with 3 keys per page so pagination runs.
  boto(bucket_,
       "for i in range(7): s3.put_object(Bucket=bucket, Key=f'root/dir/p/{i:02}', Body=b'x'*i)\n"
       "for d in ['a', 'b']: s3.put_object(Bucket=bucket, Key=f'root/dir/q/{d}/f', Body=b'')\n"
       "s3.put_object(Bucket=bucket, Key='root/other', Body=b'')");
  S3Options o = testing::test_options();
  o.list_page_size = 3;
  auto paged = S3Store::open(bucket_, "root/dir", o);
  ASSERT_TRUE(paged.ok());
  auto all = (*paged)->list({});
  ASSERT_TRUE(all.ok()) << all.status().to_string();
  ASSERT_EQ(all->objects.size(), 9u);
  EXPECT_EQ(all->objects[0].key, "p/00");
  EXPECT_EQ(all->objects[6].key, "p/06");
  EXPECT_EQ(all->objects[6].size, 6u);
  EXPECT_EQ(all->objects[8].key, "q/b/f");
  EXPECT_EQ((*paged)->stats().snapshot().at("ListObjectsV2").calls, 3u);  // 3 + 3 + 3 keys

  ListOptions lo;
  lo.prefix = "p/";
  lo.start_after = "p/03";
  auto after = store_->list(lo);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->objects.size(), 3u);
  EXPECT_EQ(after->objects[0].key, "p/04");

  ListOptions grouped;
  grouped.prefix = "q/";
  grouped.delimiter = "/";
  auto g = store_->list(grouped);
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(g->objects.empty());
  EXPECT_EQ(g->common_prefixes, (std::vector<std::string>{"q/a/", "q/b/"}));

  ListOptions limited;
  limited.max_keys = 2;
  auto l = store_->list(limited);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->objects.size(), 2u);
}

TEST_F(S3StoreTest, CopyDuplicatesBytes) {
  ASSERT_TRUE(store_->put("src", bytes("copy me")).ok());
  Status s = store_->copy("src", "dst/copied");
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(boto(bucket_,
                 "print(s3.get_object(Bucket=bucket, "
                 "Key='root/dir/dst/copied')['Body'].read().decode())"),
            "copy me");
  EXPECT_EQ(store_->copy("missing", "x").code(), StatusCode::kNotFound);
}

TEST_F(S3StoreTest, RemoveAndRemoveManyInBatches) {
  ASSERT_TRUE(store_->put("one", bytes("1")).ok());
  ASSERT_TRUE(store_->remove({"one", ""}).ok());
  ASSERT_TRUE(store_->remove({"never-existed", ""}).ok());
  // 1203 keys: two DeleteObjects requests (1000 + 203).
  boto(bucket_,
       "from concurrent.futures import ThreadPoolExecutor\n"
       "with ThreadPoolExecutor(16) as ex:\n"
       "  list(ex.map(lambda i: s3.put_object(Bucket=bucket, Key=f'root/dir/m/{i:04}', Body=b''), "
       "range(1203)))");
  std::vector<ObjectRef> refs;
  for (int i = 0; i < 1203; ++i) {
    char k[16];
    std::snprintf(k, sizeof k, "m/%04d", i);
    refs.push_back({k, ""});
  }
  Status s = store_->remove_many(refs);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(store_->stats().snapshot().at("DeleteObjects").calls, 2u);
  EXPECT_EQ(boto(bucket_, "print(s3.list_objects_v2(Bucket=bucket)['KeyCount'])"), "0");
}

TEST_F(S3StoreTest, VersionsDeleteMarkersAndDeleteByVersion) {
  ASSERT_EQ(store_->get_bucket_versioning().value_or("?"), "");
  EXPECT_FALSE(store_->capabilities().versioned);
  ASSERT_TRUE(store_->put_bucket_versioning(true).ok());
  EXPECT_EQ(store_->get_bucket_versioning().value_or("?"), "Enabled");
  StoreCapabilities caps = store_->capabilities();
  EXPECT_TRUE(caps.versioned);
  EXPECT_FALSE(caps.conditional_put);  // RGW 16.2 ignores If-None-Match on versioned buckets

  auto v1 = store_->put("k", bytes("one"));
  auto v2 = store_->put("k", bytes("two"));
  ASSERT_TRUE(v1.ok() && v2.ok());
  EXPECT_FALSE(v1->version_id.empty());
  EXPECT_NE(v1->version_id, v2->version_id);
  ASSERT_TRUE(store_->remove({"k", ""}).ok());  // a delete marker on top

  auto versions = store_->list_versions("k");
  ASSERT_TRUE(versions.ok()) << versions.status().to_string();
  ASSERT_EQ(versions->size(), 3u);
  int markers = 0;
  for (const auto& v : *versions) markers += v.is_delete_marker;
  EXPECT_EQ(markers, 1);
  EXPECT_EQ(boto(bucket_,
                 "r = s3.list_object_versions(Bucket=bucket, Prefix='root/dir/k')\n"
                 "print(len(r.get('Versions', [])), len(r.get('DeleteMarkers', [])), "
                 "r['DeleteMarkers'][0]['IsLatest'])"),
            "2 1 True");
  // The old version is still readable by id (boto), then deleted by id (us).
  EXPECT_EQ(boto(bucket_, "print(s3.get_object(Bucket=bucket, Key='root/dir/k', VersionId='" +
                              v1->version_id + "')['Body'].read().decode())"),
            "one");
  ASSERT_TRUE(store_->remove({"k", v1->version_id}).ok());
  std::vector<ObjectRef> rest = {{"k", v2->version_id}};
  ASSERT_TRUE(store_->remove_many(rest).ok());
  EXPECT_EQ(boto(bucket_,
                 "r = s3.list_object_versions(Bucket=bucket, Prefix='root/dir/k')\n"
                 "print(len(r.get('Versions', [])), len(r.get('DeleteMarkers', [])))"),
            "0 1");
}

TEST_F(S3StoreTest, MultipartWriterUploadsPartsInParallel) {
  S3Options o = testing::test_options();
  o.multipart_part_size = 5 << 20;
  o.multipart_concurrency = 3;
  auto s = S3Store::open(bucket_, "root/dir", o);
  ASSERT_TRUE(s.ok());
  std::mt19937_64 rng(20261125);
  std::printf("seed 20261125\n");
  std::string data(23 * (1 << 20) + 12345, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  PutOptions po;
  po.metadata = {{"rows", "42"}};
  auto w = (*s)->open_writer("big/object.parquet", po);
  ASSERT_TRUE(w.ok());
  // Uneven writes, as a Parquet writer would make them.
  size_t pos = 0, step = 1;
  while (pos < data.size()) {
    size_t n = std::min(data.size() - pos, step);
    ASSERT_TRUE((*w)->write(bytes(data).subspan(pos, n)).ok());
    pos += n;
    step = step * 3 % 1000003 + 1;
  }
  EXPECT_EQ((*w)->position(), data.size());
  Status c = (*w)->close();
  ASSERT_TRUE(c.ok()) << c.to_string();
  EXPECT_NE((*w)->result().etag.find("-5"), std::string::npos) << (*w)->result().etag;
  auto st = (*s)->stats().snapshot();
  EXPECT_EQ(st.at("UploadPart").calls, 5u);
  EXPECT_EQ(st.at("CompleteMultipartUpload").calls, 1u);
  EXPECT_EQ(boto(bucket_,
                 "o = s3.get_object(Bucket=bucket, Key='root/dir/big/object.parquet')\n"
                 "print(hashlib.sha256(o['Body'].read()).hexdigest(), o['Metadata']['rows'])\n"),
            sha256_hex(data) + " 42");
  EXPECT_EQ(
      boto(bucket_, "print(len(s3.list_multipart_uploads(Bucket=bucket).get('Uploads', [])))"),
      "0");
}

TEST_F(S3StoreTest, CreateOnlyMultipartWriterDoesNotReplaceAnExistingObject) {
  // RGW 16.2 ignores If-None-Match on CompleteMultipartUpload; the writer checks with a HEAD first.
  ASSERT_TRUE(store_->put("taken", bytes("original")).ok());
  S3Options o = testing::test_options();
  o.multipart_part_size = 5 << 20;
  auto s = S3Store::open(bucket_, "root/dir", o);
  ASSERT_TRUE(s.ok());
  PutOptions create_only;
  create_only.if_none_match = true;
  auto w = (*s)->open_writer("taken", create_only);
  ASSERT_TRUE(w.ok());
  std::string data((5 << 20) + 100, 'n');
  ASSERT_TRUE((*w)->write(bytes(data)).ok());
  Status c = (*w)->close();
  EXPECT_EQ(c.code(), StatusCode::kPreconditionFailed) << c.to_string();
  EXPECT_EQ(
      boto(bucket_,
           "print(s3.get_object(Bucket=bucket, Key='root/dir/taken')['Body'].read().decode(), "
           "len(s3.list_multipart_uploads(Bucket=bucket).get('Uploads', [])))"),
      "original 0");
}

TEST_F(S3StoreTest, SmallWriterObjectIsOnePut) {
  auto w = store_->open_writer("small");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write(bytes("tiny")).ok());
  ASSERT_TRUE((*w)->close().ok());
  EXPECT_EQ(store_->stats().snapshot().count("CreateMultipartUpload"), 0u);
  EXPECT_EQ(
      boto(bucket_,
           "print(s3.get_object(Bucket=bucket, Key='root/dir/small')['Body'].read().decode())"),
      "tiny");
}

TEST_F(S3StoreTest, ListPartsAndAbortLeaveNothing) {
  auto id = store_->create_multipart("mp", {});
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  std::string part(5 << 20, 'p');
  ASSERT_TRUE(store_->upload_part("mp", *id, 1, bytes(part)).ok());
  ASSERT_TRUE(store_->upload_part("mp", *id, 2, bytes("last")).ok());
  auto parts = store_->list_parts("mp", *id);
  ASSERT_TRUE(parts.ok()) << parts.status().to_string();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].number, 1);
  EXPECT_EQ((*parts)[0].size, 5u << 20);
  EXPECT_EQ((*parts)[1].size, 4u);
  EXPECT_EQ(
      boto(
          bucket_,
          "print([u['Key'] for u in s3.list_multipart_uploads(Bucket=bucket).get('Uploads', [])])"),
      "['root/dir/mp']");
  ASSERT_TRUE(store_->abort_multipart("mp", *id).ok());
  EXPECT_EQ(
      boto(bucket_, "print(len(s3.list_multipart_uploads(Bucket=bucket).get('Uploads', [])))"),
      "0");
}

TEST_F(S3StoreTest, PresignedGetWorksWithoutCredentials) {
  ASSERT_TRUE(store_->put("shared.txt", bytes("hello presigned")).ok());
  auto url = store_->presign_get("shared.txt", 300);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(boto(bucket_, "import urllib.request\nprint(urllib.request.urlopen('" + *url +
                              "').read().decode())"),
            "hello presigned");
}

TEST_F(S3StoreTest, VirtualHostedAddressingWorks) {
  // rgw.sh sets `rgw dns name = localhost`; curl resolves BUCKET.localhost to 127.0.0.1 itself.
  S3Options o = testing::test_options();
  o.endpoint.replace(o.endpoint.find("127.0.0.1"), 9, "localhost");
  o.path_style = false;
  auto s = S3Store::open(bucket_, "vh", o);
  ASSERT_TRUE(s.ok());
  auto url = (*s)->presign_get("k", 60);
  ASSERT_TRUE(url.ok());
  EXPECT_TRUE(url->starts_with("http://" + bucket_ + ".localhost:")) << *url;
  auto put = (*s)->put("dir/k", bytes("virtual"));
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  EXPECT_EQ((*s)->get("dir/k").value_or(Buffer()).view(), "virtual");
  auto l = (*s)->list({});
  ASSERT_TRUE(l.ok()) << l.status().to_string();
  ASSERT_EQ(l->objects.size(), 1u);
  EXPECT_EQ(l->objects[0].key, "dir/k");
  EXPECT_EQ(
      boto(bucket_, "print(s3.get_object(Bucket=bucket, Key='vh/dir/k')['Body'].read().decode())"),
      "virtual");
}

TEST_F(S3StoreTest, StatsTableCountsEveryCall) {
  ASSERT_TRUE(store_->put("t", bytes("12345")).ok());
  ASSERT_TRUE(store_->get("t").ok());
  EXPECT_FALSE(store_->head("missing").ok());
  auto snap = store_->stats().snapshot();
  EXPECT_EQ(snap.at("PutObject").tx_bytes, 5u);
  EXPECT_EQ(snap.at("GetObject").rx_bytes, 5u);
  EXPECT_EQ(snap.at("HeadObject").errors, 1u);
  std::string table = format_stats_table(snap);
  EXPECT_NE(table.find("PutObject"), std::string::npos) << table;
  EXPECT_NE(table.find("TOTAL"), std::string::npos);
  std::printf("%s", table.c_str());
}

// --- Errors: one line naming the cause, never the secret ---

TEST(S3Errors, WrongSecretKeyIsPermissionDenied) {
  LS_REQUIRE_S3();
  S3Options o = testing::test_options();
  o.access_key = env_var("AWS_ACCESS_KEY_ID").value_or("");
  o.secret_key = "definitely-wrong-secret";
  auto s = S3Store::open("ls-any-bucket", "", o);
  ASSERT_TRUE(s.ok());
  auto r = (*s)->put("k", bytes("x"));
  ASSERT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().to_string();
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("SignatureDoesNotMatch"), std::string::npos) << m;
  EXPECT_NE(m.find("check the secret key"), std::string::npos) << m;
  EXPECT_EQ(m.find("definitely-wrong-secret"), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  EXPECT_EQ((*s)->stats().snapshot().at("PutObject").calls, 1u);  // 403 is not retried
}

TEST(S3Errors, MissingBucketIsNotFound) {
  LS_REQUIRE_S3();
  auto s = S3Store::open(testing::unique_bucket("missing"), "", testing::test_options());
  ASSERT_TRUE(s.ok());
  auto r = (*s)->put("k", bytes("x"));
  ASSERT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().to_string();
  EXPECT_NE(r.status().message().find("NoSuchBucket"), std::string::npos);
  EXPECT_NE(r.status().message().find("does not exist"), std::string::npos);
  EXPECT_EQ(r.status().message().find('\n'), std::string::npos);
}

TEST(S3Errors, UnreachableEndpointIsUnavailableAfterRetries) {
  // Works without RGW: a port nothing listens on (bound, then closed).
  S3Options o;
  o.endpoint = "http://127.0.0.1:1";
  o.access_key = "k";
  o.secret_key = "s";
  o.max_retries = 2;
  auto s = S3Store::open("some-bucket", "", o);
  ASSERT_TRUE(s.ok());
  auto r = (*s)->get("k");
  ASSERT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().to_string();
  EXPECT_NE(r.status().message().find("cannot connect"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos);
  EXPECT_NE(r.status().message().find("after 3 attempts"), std::string::npos);
  EXPECT_EQ((*s)->stats().snapshot().at("GetObject").calls, 3u);
  EXPECT_EQ((*s)->stats().snapshot().at("GetObject").errors, 3u);
}

TEST(S3Errors, MissingCredentialsAreReportedAtOpen) {
  S3Options o;
  o.endpoint = "http://127.0.0.1:1";
  setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
  std::string saved_key = env_var("AWS_ACCESS_KEY_ID").value_or("");
  unsetenv("AWS_ACCESS_KEY_ID");
  auto s = S3Store::open("some-bucket", "", o);
  if (!saved_key.empty()) setenv("AWS_ACCESS_KEY_ID", saved_key.c_str(), 1);
  unsetenv("AWS_SHARED_CREDENTIALS_FILE");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.status().message().find("no S3 credentials"), std::string::npos);
}

}  // namespace
}  // namespace lakestream::storage

namespace lakestream::storage {
namespace {

TEST(S3OpsLog, ServerCountsTheSameCallsWeCount) {
  LS_REQUIRE_S3();
  auto log_path = env_var("LAKESTREAM_RGW_OPS_LOG");
  if (!log_path) GTEST_SKIP() << "LAKESTREAM_RGW_OPS_LOG unset (not started by scripts/rgw.sh)";
  std::string bucket = testing::unique_bucket("opslog");
  auto s = S3Store::open(bucket, "", testing::test_options());
  ASSERT_TRUE(s.ok());
  auto& store = **s;
  ASSERT_TRUE(store.create_bucket().ok());
  ASSERT_TRUE(store.put("a", testing::bytes("1")).ok());
  ASSERT_TRUE(store.get("a").ok());
  EXPECT_FALSE(store.head("b").ok());
  ASSERT_TRUE(store.list({}).ok());
  ASSERT_TRUE(store.copy("a", "c").ok());
  std::vector<ObjectRef> refs = {{"a", ""}, {"c", ""}};
  ASSERT_TRUE(store.remove_many(refs).ok());
  uint64_t ours = store.stats().total_calls();
  EXPECT_EQ(ours, 7u);
  // RGW writes one JSON record per request as it completes.
  std::ifstream in(*log_path);
  std::string line;
  uint64_t theirs = 0;
  while (std::getline(in, line))
    if (line.find("\"bucket\":\"" + bucket + "\"") != std::string::npos) ++theirs;
  EXPECT_EQ(theirs, ours);
}

}  // namespace
}  // namespace lakestream::storage
