// Shared by the S3 integration tests: the RGW started by scripts/rgw.sh (its exports), unique
// bucket names, and boto3 (Debian's python3-boto3) as the independent judge of what is stored.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "common/env.h"
#include "storage/s3_store.h"

namespace lakestream::storage::testing {

// Skips the test when no S3 test server is configured, except under CI=true where that is a
// failure (the README's test command starts RGW first).
#define LS_REQUIRE_S3()                                                                       \
  do {                                                                                        \
    if (!::lakestream::env_var("LAKESTREAM_TEST_S3")) {                                       \
      if (::lakestream::env_var("CI").value_or("") == "true")                                 \
        FAIL() << "CI=true but LAKESTREAM_TEST_S3 is unset: run eval \"$(scripts/rgw.sh "     \
                  "start)\" first";                                                           \
      GTEST_SKIP() << "no S3 test server: eval \"$(scripts/rgw.sh start)\" to run this test"; \
    }                                                                                         \
  } while (0)

inline std::string unique_bucket(const std::string& what) {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", rd());
  return "ls-" + what + "-" + buf;
}

// S3Options from the environment rgw.sh exported, with small timeouts for tests.
inline S3Options test_options() {
  S3Options o;
  o.endpoint = env_var("AWS_ENDPOINT_URL").value_or("");
  o.max_retries = 3;
  o.connect_timeout_ms = 2000;
  o.request_timeout_ms = 30000;
  return o;
}

// Runs a Python snippet with `s3` (a boto3 client on the test endpoint) and `bucket` defined;
// returns its stdout. Fails the test when python exits non-zero.
inline std::string boto(const std::string& bucket, const std::string& code) {
  char path[] = "/tmp/ls-boto-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return "";
  close(fd);
  {
    std::ofstream f(path);
    f << "import boto3, json, hashlib, sys, os\n"
         "from botocore.config import Config\n"
         "s3 = boto3.client('s3', endpoint_url=os.environ['AWS_ENDPOINT_URL'], "
         "config=Config(s3={'addressing_style': 'path'}))\n"
         "bucket = '"
      << bucket << "'\n"
      << code << "\n";
  }
  std::string cmd = std::string("/usr/bin/python3 ") + path + " 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return "";
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  unlink(path);
  EXPECT_EQ(rc, 0) << "python failed:\n" << out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

inline std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace lakestream::storage::testing
