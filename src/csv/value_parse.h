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
bool parse_double(std::string_view s, double* out);
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

}  // namespace lakestream::csv
