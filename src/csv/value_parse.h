// Text-to-value parsers for CSV fields: strict, allocation-free, locale-independent.
//
// Each returns false when the whole text is not a valid value of the type (no partial parses, no
// surrounding spaces). Thread-safe (pure functions).
#pragma once

#include <cstdint>
#include <string_view>

namespace lakestream::csv {

// [+-]digits, within int64 range. "-0" is 0.
bool parse_int64(std::string_view s, int64_t* out);
// Like parse_int64, within int32 range.
bool parse_int32(std::string_view s, int32_t* out);
// Decimal or scientific notation, "inf"/"nan"; a leading '+' and a missing integer part
// (".50", "-.5") are accepted. Exactly rounded (fast_float).
inline bool parse_double(std::string_view s, double* out);
// parse_double without the inline fast path (fast_float for everything).
bool parse_double_general(std::string_view s, double* out);
bool parse_float(std::string_view s, float* out);
// true/false, t/f, 1/0, yes/no (ASCII case-insensitive).
bool parse_bool(std::string_view s, bool* out);
// "YYYY-MM-DD" as days since 1970-01-01.
bool parse_date(std::string_view s, int32_t* days);
// "YYYY-MM-DD HH:MM:SS" (or 'T' between), optional ".f" up to 9 digits, optional trailing 'Z',
// as microseconds since 1970-01-01T00:00:00 (the text is taken as UTC / local-naive).
bool parse_timestamp_micros(std::string_view s, int64_t* micros);

// Days since 1970-01-01 of a proleptic Gregorian civil date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);

namespace detail {

inline constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Clinger's fast path for plain decimals ("-12.50", ".5"): with at most 15 significant digits
// the mantissa and 10^k (k <= 22) are exact doubles, so one IEEE division is correctly rounded,
// the same result fast_float gives, several times cheaper. Anything else returns false and goes
// the general way. Inline: it runs for most fields of most files.
inline bool parse_simple_decimal(std::string_view s, double* out) {
  const char* p = s.data();
  const char* end = p + s.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) {
    negative = *p == '-';
    ++p;
  }
  uint64_t m = 0;
  const char* start = p;
  while (p < end && static_cast<unsigned>(*p - '0') < 10) {
    m = m * 10 + static_cast<uint64_t>(*p - '0');
    ++p;
  }
  const int digits = static_cast<int>(p - start);
  int frac = 0;
  if (p < end && *p == '.') {
    ++p;
    const char* f = p;
    while (p < end && static_cast<unsigned>(*p - '0') < 10) {
      m = m * 10 + static_cast<uint64_t>(*p - '0');
      ++p;
    }
    frac = static_cast<int>(p - f);
  }
  if (p != end || digits + frac == 0 || digits + frac > 15) return false;
  double v = static_cast<double>(m);
  if (frac) v /= kPow10[frac];
  *out = negative ? -v : v;
  return true;
}

}  // namespace detail

inline bool parse_double(std::string_view s, double* out) {
  return detail::parse_simple_decimal(s, out) || parse_double_general(s, out);
}

}  // namespace lakestream::csv
