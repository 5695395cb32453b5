// Options, bad-row policy and counters shared by every CSV entry point (csv_reader.h,
// row_parser.h, record_splitter.h).
//
// The CSV module turns RFC 4180 text into columnar::RecordBatch rows, driven by a columnar::Schema
// (usually derived from an Avro schema by avro/columnar_mapping.h). Columns are matched to fields
// by header name; each value is parsed according to its column's type.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace lakestream::csv {

// What to do with a row that cannot become a record (wrong field count, unparsable number, empty
// value for a non-nullable column, unterminated quote, stray quote).
enum class BadRowMode : uint8_t {
  kPermissive,     // skip it, count it, and hand it (line + reason + raw text) to the RejectSink
  kDropMalformed,  // skip it and count it
  kFailFast,       // stop: the parse returns InvalidData naming the line and the column
};

// "PERMISSIVE", "DROPMALFORMED", "FAILFAST" (case-insensitive). False on anything else.
bool parse_bad_row_mode(std::string_view name, BadRowMode* out);
std::string_view bad_row_mode_name(BadRowMode mode);

struct CsvOptions {
  char delimiter = ',';
  char quote = '"';
  // True: the first non-blank record names the columns, matched to schema fields by name
  // (exact, then ASCII case-insensitive). False: the fields are in schema order.
  bool header = true;
  BadRowMode mode = BadRowMode::kPermissive;
  // Text values (parsed with the column's type) for schema fields the header does not name. A
  // missing field with no entry here is filled with nulls when nullable, otherwise the header is
  // rejected with InvalidArgument.
  std::map<std::string, std::string, std::less<>> defaults;
  // Size cap for one record, a guard against an unterminated quote swallowing a whole file into
  // memory: a longer record stops the parse with InvalidData whatever the mode.
  size_t max_record_bytes = 64u << 20;
};

// One rejected row as given to a RejectSink. `raw` is valid only during the call.
struct RejectedRow {
  uint64_t line = 0;        // 1-based physical line where the record starts
  std::string_view column;  // the column at fault, or empty when the whole row is at fault
  std::string_view reason;  // e.g. "bad double 'abc'", "17 fields expected, 16 found"
  std::string_view raw;     // the record's text without its line ending
};

// Receives rejected rows in PERMISSIVE mode. Called on the parsing thread, in input order.
using RejectSink = std::function<void(const RejectedRow&)>;

// Reject reasons, as counted in CsvStats::rejects_by_kind.
enum class RejectKind : uint8_t {
  kFieldCount,    // more or fewer fields than the header
  kBadValue,      // a value that does not parse as its column's type
  kMissingValue,  // empty value for a non-nullable numeric/boolean/timestamp column
  kUnterminatedQuote,
  kStrayQuote,  // a quote inside an unquoted field, or text after a closing quote
  kCount_,
};
std::string_view reject_kind_name(RejectKind kind);

struct CsvStats {
  uint64_t rows_read = 0;  // records seen (accepted + rejected), header and blank lines excluded
  uint64_t rows_accepted = 0;  // appended to a RecordBatch
  uint64_t rows_rejected = 0;
  uint64_t blank_lines = 0;
  uint64_t rejects_by_kind[static_cast<int>(RejectKind::kCount_)] = {};

  void add(const CsvStats& o);
  // "12 rejected (3 field count, 9 bad value)" or "0 rejected".
  std::string reject_summary() const;
};

}  // namespace lakestream::csv
