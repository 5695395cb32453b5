#include "csv/value_parse.h"

#include <fast_float/fast_float.h>

#include <limits>

namespace lakestream::csv {
namespace {

inline bool is_digit(char c) { return static_cast<unsigned>(c - '0') < 10; }

inline char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != b[i]) return false;
  }
  return true;
}

// Parses exactly n digits at p.
inline bool digits(const char* p, int n, unsigned* out) {
  unsigned v = 0;
  for (int i = 0; i < n; ++i) {
    if (!is_digit(p[i])) return false;
    v = v * 10 + static_cast<unsigned>(p[i] - '0');
  }
  *out = v;
  return true;
}

template <typename F>
bool parse_floating(std::string_view s, F* out) {
  const char* p = s.data();
  const char* end = p + s.size();
  if (p == end) return false;
  // fast_float rejects a leading '+'; it handles '-' (also "-.5") itself.
  if (*p == '+') {
    ++p;
    if (p == end || *p == '-' || *p == '+') return false;
  }
  auto r = fast_float::from_chars(p, end, *out);
  if (r.ec != std::errc() || r.ptr != end) return false;
  return true;
}

}  // namespace

bool parse_int64(std::string_view s, int64_t* out) {
  const char* p = s.data();
  const char* end = p + s.size();
  if (p == end) return false;
  bool negative = false;
  if (*p == '-' || *p == '+') {
    negative = *p == '-';
    ++p;
    if (p == end) return false;
  }
  // Accumulate as a negative number so INT64_MIN parses without overflow.
  int64_t v = 0;
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  for (; p < end; ++p) {
    if (!is_digit(*p)) return false;
    int d = *p - '0';
    if (v < (kMin + d) / 10) return false;
    v = v * 10 - d;
  }
  if (!negative) {
    if (v == kMin) return false;
    v = -v;
  }
  *out = v;
  return true;
}

bool parse_int32(std::string_view s, int32_t* out) {
  int64_t v;
  if (!parse_int64(s, &v)) return false;
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return false;
  }
  *out = static_cast<int32_t>(v);
  return true;
}

bool parse_double_general(std::string_view s, double* out) { return parse_floating(s, out); }
bool parse_float(std::string_view s, float* out) { return parse_floating(s, out); }

bool parse_bool(std::string_view s, bool* out) {
  if (iequals(s, "true") || iequals(s, "t") || s == "1" || iequals(s, "yes")) {
    *out = true;
    return true;
  }
  if (iequals(s, "false") || iequals(s, "f") || s == "0" || iequals(s, "no")) {
    *out = false;
    return true;
  }
  return false;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

namespace {

bool valid_day(unsigned y, unsigned m, unsigned d) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  unsigned max = kDays[m - 1];
  if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))) max = 29;
  return d <= max;
}

bool parse_ymd(const char* p, unsigned* y, unsigned* m, unsigned* d) {
  return digits(p, 4, y) && p[4] == '-' && digits(p + 5, 2, m) && p[7] == '-' &&
         digits(p + 8, 2, d) && valid_day(*y, *m, *d);
}

}  // namespace

bool parse_date(std::string_view s, int32_t* days) {
  unsigned y, m, d;
  if (s.size() != 10 || !parse_ymd(s.data(), &y, &m, &d)) return false;
  *days = static_cast<int32_t>(days_from_civil(y, m, d));
  return true;
}

bool parse_timestamp_micros(std::string_view s, int64_t* micros) {
  if (!s.empty() && s.back() == 'Z') s.remove_suffix(1);
  if (s.size() < 19) return false;
  const char* p = s.data();
  unsigned y, mo, d, h, mi, se;
  if (!parse_ymd(p, &y, &mo, &d)) return false;
  if (p[10] != ' ' && p[10] != 'T') return false;
  if (!digits(p + 11, 2, &h) || p[13] != ':' || !digits(p + 14, 2, &mi) || p[16] != ':' ||
      !digits(p + 17, 2, &se)) {
    return false;
  }
  if (h > 23 || mi > 59 || se > 60) return false;
  int64_t frac_us = 0;
  if (s.size() > 19) {
    if (p[19] != '.' || s.size() == 20 || s.size() > 29) return false;
    int64_t scale = 100000;
    for (size_t i = 20; i < s.size(); ++i) {
      if (!is_digit(p[i])) return false;
      frac_us += (p[i] - '0') * scale;  // digits past microseconds have scale 0: truncated
      scale /= 10;
    }
  }
  const int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
  *micros = secs * 1000000 + frac_us;
  return true;
}

}  // namespace lakestream::csv
