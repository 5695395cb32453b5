#include "common/buffer.h"

#include <gtest/gtest.h>

namespace lakestream {
namespace {

TEST(Buffer, AppendsAcrossGrowth) {
  Buffer b;
  for (int i = 0; i < 10000; ++i) b.append_value<int32_t>(i);
  ASSERT_EQ(b.size(), 40000u);
  auto v = b.as<int32_t>();
  ASSERT_EQ(v.size(), 10000u);
  EXPECT_EQ(v[0], 0);
  EXPECT_EQ(v[9999], 9999);
}

TEST(Buffer, ClearKeepsCapacityAndCopyIsDeep) {
  Buffer b;
  b.append("hello");
  size_t cap = b.capacity();
  Buffer c = b;
  b.clear();
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), cap);
  EXPECT_EQ(c.view(), "hello");
}

TEST(Buffer, PrepareCommit) {
  Buffer b;
  uint8_t* p = b.prepare(3);
  p[0] = 'a';
  p[1] = 'b';
  b.commit(2);
  EXPECT_EQ(b.view(), "ab");
}

}  // namespace
}  // namespace lakestream
