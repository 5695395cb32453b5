#include "csv/value_parse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace lakestream::csv {
namespace {

TEST(ValueParse, Int64AcceptsSignsAndLimits) {
  int64_t v = 7;
  EXPECT_TRUE(parse_int64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(parse_int64("-0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(parse_int64("+42", &v));
  EXPECT_EQ(v, 42);
  EXPECT_TRUE(parse_int64("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(parse_int64("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
}

TEST(ValueParse, Int64RejectsJunkAndOverflow) {
  int64_t v;
  for (const char* s : {"", "-", "+", "1.0", " 1", "1 ", "12a", "9223372036854775808",
                        "-9223372036854775809", "0x10"}) {
    EXPECT_FALSE(parse_int64(s, &v)) << s;
  }
  int32_t w;
  EXPECT_FALSE(parse_int32("2147483648", &w));
  EXPECT_TRUE(parse_int32("-2147483648", &w));
  EXPECT_EQ(w, std::numeric_limits<int32_t>::min());
}

TEST(ValueParse, DoubleAcceptsTaxiQuirks) {
  double d = 1;
  EXPECT_TRUE(parse_double(".50", &d));
  EXPECT_EQ(d, 0.5);
  EXPECT_TRUE(parse_double("-0", &d));
  EXPECT_EQ(d, 0.0);
  EXPECT_TRUE(std::signbit(d));
  EXPECT_TRUE(parse_double("-.3", &d));
  EXPECT_EQ(d, -0.3);
  EXPECT_TRUE(parse_double("+2.5", &d));
  EXPECT_EQ(d, 2.5);
  EXPECT_TRUE(parse_double("200005.5", &d));
  EXPECT_EQ(d, 200005.5);
  EXPECT_TRUE(parse_double("1e3", &d));
  EXPECT_EQ(d, 1000.0);
  EXPECT_TRUE(parse_double("0.1", &d));
  EXPECT_EQ(d, 0.1);  // exactly rounded
}

// The fast path for plain decimals must give exactly what strtod (correctly rounded) gives.
TEST(ValueParse, DoubleFastPathMatchesStrtod) {
  const uint32_t seed = 4242;
  std::printf("seed %u\n", seed);
  std::mt19937_64 rng(seed);
  char buf[64];
  for (int i = 0; i < 200000; ++i) {
    int int_digits = static_cast<int>(rng() % 9);
    int frac_digits = static_cast<int>(rng() % 9);
    std::string s = (rng() % 4 == 0) ? "-" : "";
    for (int d = 0; d < int_digits; ++d) s += static_cast<char>('0' + rng() % 10);
    if (frac_digits || int_digits == 0) {
      s += '.';
      for (int d = 0; d < std::max(frac_digits, int_digits == 0 ? 1 : 0); ++d) {
        s += static_cast<char>('0' + rng() % 10);
      }
    }
    double got = 0;
    ASSERT_TRUE(parse_double(s, &got)) << s;
    std::snprintf(buf, sizeof(buf), "%s", s.c_str());
    double want = std::strtod(buf, nullptr);
    ASSERT_EQ(std::memcmp(&got, &want, sizeof(double)), 0) << s << " " << got << " " << want;
  }
}

TEST(ValueParse, DoubleRejectsJunk) {
  double d;
  for (const char* s : {"", ".", "-", "+-1", "1.2.3", "abc", "1,5", " 1", "1 ", "++1"}) {
    EXPECT_FALSE(parse_double(s, &d)) << s;
  }
}

TEST(ValueParse, Bool) {
  bool b = false;
  EXPECT_TRUE(parse_bool("TRUE", &b));
  EXPECT_TRUE(b);
  EXPECT_TRUE(parse_bool("f", &b));
  EXPECT_FALSE(b);
  EXPECT_TRUE(parse_bool("1", &b));
  EXPECT_TRUE(b);
  EXPECT_FALSE(parse_bool("Y", &b));
}

TEST(ValueParse, TimestampAndDate) {
  int64_t us = 0;
  EXPECT_TRUE(parse_timestamp_micros("1970-01-01 00:00:00", &us));
  EXPECT_EQ(us, 0);
  EXPECT_TRUE(parse_timestamp_micros("2017-01-23 00:47:20", &us));
  EXPECT_EQ(us, 1485132440LL * 1000000);
  EXPECT_TRUE(parse_timestamp_micros("2018-12-31T23:59:59.5Z", &us));
  EXPECT_EQ(us, 1546300799LL * 1000000 + 500000);
  EXPECT_TRUE(parse_timestamp_micros("1969-12-31 23:59:59", &us));
  EXPECT_EQ(us, -1000000);
  EXPECT_FALSE(parse_timestamp_micros("2017-02-29 00:00:00", &us));
  EXPECT_FALSE(parse_timestamp_micros("2017-01-23 24:00:00", &us));
  EXPECT_FALSE(parse_timestamp_micros("2017-01-23", &us));
  EXPECT_FALSE(parse_timestamp_micros("2017-01-23 00:47:20.", &us));
  int32_t days = 0;
  EXPECT_TRUE(parse_date("2000-02-29", &days));
  EXPECT_EQ(days, 11016);
  EXPECT_FALSE(parse_date("2000-13-01", &days));
}

}  // namespace
}  // namespace lakestream::csv
