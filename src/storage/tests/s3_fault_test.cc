// Retries and aborts under injected faults: a proxy between our client and RGW drops connections
// or answers 503 SlowDown. Results are checked with boto3 directly against RGW.
#include <gtest/gtest.h>

#include <mutex>
#include <random>
#include <set>

#include "storage/s3_store.h"
#include "storage/tests/fault_proxy.h"
#include "storage/tests/s3_test_env.h"

namespace lakestream::storage {
namespace {

using testing::boto;
using testing::bytes;
using testing::FaultProxy;
using Action = FaultProxy::Action;

int rgw_port() {
  std::string ep = env_var("AWS_ENDPOINT_URL").value_or("");
  return std::atoi(ep.substr(ep.rfind(':') + 1).c_str());
}

class S3FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LS_REQUIRE_S3();
    bucket_ = testing::unique_bucket("fault");
    auto direct = S3Store::open(bucket_, "", testing::test_options());
    ASSERT_TRUE(direct.ok());
    ASSERT_TRUE((*direct)->create_bucket().ok());
  }
  std::unique_ptr<S3Store> through(const FaultProxy& proxy, int max_retries = 4) {
    S3Options o = testing::test_options();
    o.endpoint = "http://127.0.0.1:" + std::to_string(proxy.port());
    o.max_retries = max_retries;
    o.multipart_part_size = 5 << 20;
    o.multipart_concurrency = 2;
    auto s = S3Store::open(bucket_, "", o);
    EXPECT_TRUE(s.ok());
    return std::move(*s);
  }
  std::string bucket_;
};

TEST_F(S3FaultTest, TransientFailuresAreRetriedUntilSuccess) {
  // Requests 0 and 1 are dropped (connection reset), 2 gets 503 SlowDown, the rest pass.
  FaultProxy proxy(rgw_port(), [](const std::string&, int n) {
    return n < 2 ? Action::kReset : n == 2 ? Action::kSlowDown : Action::kForward;
  });
  auto store = through(proxy);
  auto put = store->put("retried", bytes("survived"));
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  auto snap = store->stats().snapshot();
  EXPECT_EQ(snap.at("PutObject").calls, 4u);
  EXPECT_EQ(snap.at("PutObject").errors, 3u);
  EXPECT_EQ(proxy.faults(), 3);
  EXPECT_EQ(
      boto(bucket_, "print(s3.get_object(Bucket=bucket, Key='retried')['Body'].read().decode())"),
      "survived");
  auto got = store->get("retried");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->view(), "survived");
}

TEST_F(S3FaultTest, ConditionalPutIsNotRetriedWhenItMayHaveApplied) {
  // A reset after the request was sent: the create-only PUT may have happened, so retrying could
  // turn our own success into a 412. The error goes to the caller instead.
  FaultProxy proxy(rgw_port(), [](const std::string&, int n) {
    return n == 0 ? Action::kReset : Action::kForward;
  });
  auto store = through(proxy);
  PutOptions o;
  o.if_none_match = true;
  auto put = store->put("cond", bytes("x"), o);
  EXPECT_EQ(put.status().code(), StatusCode::kUnavailable) << put.status().to_string();
  EXPECT_EQ(store->stats().snapshot().at("PutObject").calls, 1u);
}

TEST_F(S3FaultTest, ConditionalPutIsRetriedOnSlowDown) {
  // 503 SlowDown means the server did not act: safe to retry even a create-only PUT.
  FaultProxy proxy(rgw_port(), [](const std::string&, int n) {
    return n == 0 ? Action::kSlowDown : Action::kForward;
  });
  auto store = through(proxy);
  PutOptions o;
  o.if_none_match = true;
  auto put = store->put("cond2", bytes("y"), o);
  ASSERT_TRUE(put.ok()) << put.status().to_string();
  EXPECT_EQ(store->stats().snapshot().at("PutObject").calls, 2u);
}

TEST_F(S3FaultTest, MultipartRecoversFromTransientPartFailures) {
  // Every part's first attempt fails; retries carry the upload through.
  std::mutex mu;
  std::set<std::string> seen;
  FaultProxy proxy(rgw_port(), [&](const std::string& line, int) {
    if (line.find("partNumber=") == std::string::npos) return Action::kForward;
    std::string part = line.substr(line.find("partNumber="), 14);
    std::lock_guard lock(mu);
    return seen.insert(part).second ? Action::kReset : Action::kForward;
  });
  auto store = through(proxy);
  std::string data(12 << 20, '\0');
  std::mt19937 rng(7);
  std::printf("seed 7\n");
  for (auto& c : data) c = static_cast<char>(rng());
  auto w = store->open_writer("mp-ok");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->write(bytes(data)).ok());
  Status s = (*w)->close();
  ASSERT_TRUE(s.ok()) << s.to_string();
  auto snap = store->stats().snapshot();
  EXPECT_EQ(snap.at("UploadPart").calls, 6u);  // 3 parts x 2 attempts
  EXPECT_EQ(snap.at("UploadPart").errors, 3u);
  EXPECT_EQ(boto(bucket_,
                 "print(hashlib.sha256(s3.get_object(Bucket=bucket, "
                 "Key='mp-ok')['Body'].read()).hexdigest())"),
            sha256_hex(data));
}

TEST_F(S3FaultTest, PermanentPartFailureAbortsTheUpload) {
  // Every UploadPart gets 503 SlowDown: retries run out, the writer aborts the upload.
  FaultProxy proxy(rgw_port(), [](const std::string& line, int) {
    return line.find("partNumber=") != std::string::npos ? Action::kSlowDown : Action::kForward;
  });
  auto store = through(proxy, /*max_retries=*/2);
  std::string data(11 << 20, 'z');
  auto w = store->open_writer("mp-doomed");
  ASSERT_TRUE(w.ok());
  Status ws = (*w)->write(bytes(data));
  Status s = ws.ok() ? (*w)->close() : ws;
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.to_string();
  EXPECT_NE(s.message().find("SlowDown"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("after 3 attempts"), std::string::npos) << s.message();
  auto snap = store->stats().snapshot();
  EXPECT_EQ(snap.at("AbortMultipartUpload").calls, 1u);
  EXPECT_EQ(snap.at("AbortMultipartUpload").errors, 0u);
  EXPECT_EQ(boto(bucket_,
                 "print(len(s3.list_multipart_uploads(Bucket=bucket).get('Uploads', [])), "
                 "s3.list_objects_v2(Bucket=bucket)['KeyCount'])"),
            "0 0");
  // Closing again reports the same error, aborting again is harmless.
  EXPECT_FALSE((*w)->close().ok());
  EXPECT_TRUE((*w)->abort().ok());
}

TEST_F(S3FaultTest, AbandonedWriterAbortsOnDestruction) {
  FaultProxy proxy(rgw_port(), [](const std::string&, int) { return Action::kForward; });
  auto store = through(proxy);
  {
    auto w = store->open_writer("abandoned");
    ASSERT_TRUE(w.ok());
    std::string data(6 << 20, 'a');
    ASSERT_TRUE((*w)->write(bytes(data)).ok());  // one part is out
  }
  EXPECT_EQ(store->stats().snapshot().at("AbortMultipartUpload").calls, 1u);
  EXPECT_EQ(
      boto(bucket_, "print(len(s3.list_multipart_uploads(Bucket=bucket).get('Uploads', [])))"),
      "0");
}

}  // namespace
}  // namespace lakestream::storage
