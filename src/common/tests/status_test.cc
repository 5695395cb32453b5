#include "common/status.h"

#include <gtest/gtest.h>

namespace lakestream {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return invalid_argument("not positive: " + std::to_string(v));
  return v;
}

Result<int> doubled(int v) {
  LS_ASSIGN_OR_RETURN(int x, parse_positive(v));
  return 2 * x;
}

TEST(Status, ContextFramesAreOutermostFirst) {
  Status s = invalid_data("truncated record");
  s.with_context("offset 812").with_context("partition 3");
  EXPECT_EQ(s.message(), "partition 3: offset 812: truncated record");
  EXPECT_EQ(s.to_string(), "InvalidData: partition 3: offset 812: truncated record");
  EXPECT_EQ(s.code(), StatusCode::kInvalidData);
}

TEST(Status, OkIgnoresContext) {
  Status s;
  s.with_context("anything");
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.to_string(), "OK");
}

TEST(Result, AssignOrReturnPropagatesError) {
  auto good = doubled(21);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  auto bad = doubled(-1);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "not positive: -1");
}

TEST(Status, ErrnoErrorNamesTheCause) {
  Status s = errno_error("open /nope", ENOENT);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(s.message(), "open /nope: No such file or directory");
}

}  // namespace
}  // namespace lakestream
