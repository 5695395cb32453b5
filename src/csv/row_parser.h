// Schema-driven CSV record parser: whole records of text in, rows of a columnar::RecordBatch out.
//
// RowParser owns the column plan (which CSV field feeds which schema column, how each value is
// parsed, what fills a column the CSV lacks) and the bad-row policy. It is the building block of
// both the streaming CsvReader (csv_reader.h) and the parallel producer, which cuts the input into
// blocks of whole records with RecordSplitter and gives each worker its own copy of a RowParser.
//
// Supported schemas: flat records whose fields are leaves (required or optional) of type
//   BOOLEAN, INT32 (plain or DATE: "YYYY-MM-DD"), INT64 (plain or TIMESTAMP_MILLIS/MICROS:
//   "YYYY-MM-DD HH:MM:SS[.ffffff]"), FLOAT, DOUBLE, BYTE_ARRAY (strings, enums, bytes).
// Values: RFC 4180 quoting (embedded delimiters, newlines, doubled quotes), CRLF or LF line ends,
// blank lines skipped. For an optional column an empty unquoted field is null; a quoted empty
// field ("") is an empty string for string columns and null otherwise. For a required string
// column an empty field is the empty string; for other required columns it is a bad row.
//
// Copyable (each copy has its own scratch space and counters); one copy per thread.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/record_batch.h"
#include "columnar/schema.h"
#include "common/status.h"
#include "csv/csv_options.h"

namespace lakestream::csv {

class RowParser {
 public:
  // Checks that every schema field is a supported flat leaf. Errors: InvalidArgument naming the
  // field. With options.header == false, fields are mapped in schema order at once.
  static Result<RowParser> make(std::shared_ptr<const columnar::Schema> schema, CsvOptions options);

  // Maps header names to schema fields (exact match first, then ASCII case-insensitive). Names the
  // schema lacks are ignored. Errors (InvalidArgument): a duplicate name, a schema field absent
  // from the header that is neither nullable nor given a default in options.defaults, a default
  // that does not parse as its column's type.
  Status set_header(const std::vector<std::string>& names);
  bool has_header() const { return mapped_; }
  // The schema fields the header did not name (filled with nulls or defaults), in schema order.
  const std::vector<std::string>& missing_fields() const { return missing_fields_; }
  // The header names that match no schema field (their values are ignored).
  const std::vector<std::string>& ignored_columns() const { return ignored_columns_; }

  // Parses the records of `text`, which must begin at a record boundary. When the options ask for
  // a header and none is set yet, the first non-blank record is taken as the header. Accepted rows
  // are appended to `batch` (whose schema must be this parser's); bad rows are handled per
  // options.mode, reaching `rejects` in PERMISSIVE mode. `first_line` is the 1-based line number
  // of text[0], used in rejects and errors.
  // A final record without a line ending is parsed only when `at_eof`; otherwise parsing stops
  // before it and *consumed tells how far parsing got (text.size() when all was used).
  // *lines_consumed is the number of '\n' in text[0, *consumed).
  // Errors: InvalidData naming line and column (FAILFAST, or a header problem), InvalidArgument
  // from set_header(). Rows appended before the error stay in the batch.
  Status parse(std::string_view text, uint64_t first_line, bool at_eof,
               columnar::RecordBatch* batch, size_t* consumed, uint64_t* lines_consumed);

  // How a column's text becomes a value.
  enum class Kind : uint8_t {
    kBool,
    kInt32,
    kInt64,
    kFloat,
    kDouble,
    kString,
    kDate,
    kTimestampMillis,
    kTimestampMicros
  };
  // One value of an accepted row as a RowSink sees it: `null`, or by the column's kind(): i64
  // for kBool (0/1), kInt32, kInt64, kDate (days since 1970-01-01) and the timestamps (in the
  // column's unit); f64 for kDouble; f32 for kFloat; `text` for kString (and, for every kind,
  // the field's text as read or the default's text; valid until row() returns).
  struct Value {
    union {
      int64_t i64;
      double f64;
      float f32;
    };
    std::string_view text;
    bool null;
  };
  // Receives accepted rows one at a time, one value per schema column in column order.
  class RowSink {
   public:
    virtual ~RowSink() = default;
    virtual void row(const Value* values, size_t n) = 0;
  };
  // As parse() above (same records, same bad-row handling and counts), but each accepted row
  // goes to `sink` instead of a batch: for callers that turn rows into another format at once
  // (the producer's CSV -> Avro path) and need no column buffers.
  Status parse(std::string_view text, uint64_t first_line, bool at_eof, RowSink* sink,
               size_t* consumed, uint64_t* lines_consumed);
  Kind kind(size_t column) const { return columns_[column].kind; }

  // Consumes a leading BOM, blank lines and the header record of a file's first bytes (line 1),
  // without parsing any data row, so a reader thread can set up the parser that workers copy.
  // *consumed is 0 while more bytes are needed (and at_eof is false); a file with no header
  // at all (empty) leaves has_header() false. Errors as for parse().
  Status parse_header(std::string_view text, bool at_eof, size_t* consumed,
                      uint64_t* lines_consumed);

  void set_reject_sink(RejectSink sink) { rejects_ = std::move(sink); }
  const CsvStats& stats() const { return stats_; }
  CsvStats take_stats() {
    CsvStats s = stats_;
    stats_ = CsvStats();
    return s;
  }
  const columnar::Schema& schema() const { return *schema_; }
  const std::shared_ptr<const columnar::Schema>& schema_ptr() const { return schema_; }
  const CsvOptions& options() const { return options_; }

 private:
  struct Column {
    Kind kind = Kind::kString;
    bool nullable = false;
    int field = -1;         // CSV field index feeding this column, -1 when missing
    bool fill_null = true;  // when missing: null (true) or `fill` (false)
    union {
      int64_t i64;
      double f64;
    } fill{};
    std::string fill_text;  // string default
  };
  struct FieldText {
    const char* p;
    uint32_t len;
    bool quoted;
  };
  enum class Scan : uint8_t { kRecord, kIncomplete, kMalformed };

  RowParser(std::shared_ptr<const columnar::Schema> schema, CsvOptions options);
  // The fast path of scan_record for a record without quotes that ends in '\n' well before `end`;
  // false (fields_ partly filled) when it does not apply.
  bool scan_unquoted_record(const char* p, const char* end, const char** record_end,
                            const char** next);
  Scan scan_record(const char* p, const char* end, bool at_eof, const char** record_end,
                   const char** next, uint64_t* newlines, RejectKind* why);
  const char* skip_to_record_end(const char* p, const char* end, bool in_quotes, bool at_eof,
                                 uint64_t* newlines, const char** record_end, bool* unterminated);
  bool convert(const Column& c, const FieldText& f, Value* out, std::string* reason) const;
  static void append_value(const Column& c, const Value& t, columnar::ColumnBuffer& col);
  Status reject(RejectKind kind, uint64_t line, std::string_view column, std::string_view reason,
                std::string_view raw);
  Status take_header();
  struct BatchOut;
  struct SinkOut;
  // The loop of both parse() overloads; `out` takes the values (BatchOut, SinkOut in the .cc).
  template <class Out>
  Status parse_records(std::string_view text, uint64_t first_line, bool at_eof, Out& out,
                       size_t* consumed, uint64_t* lines_consumed);

  std::shared_ptr<const columnar::Schema> schema_;
  CsvOptions options_;
  std::vector<Column> columns_;
  size_t num_fields_ = 0;  // fields per record
  bool mapped_ = false;
  bool bom_done_ = false;
  std::vector<std::string> missing_fields_;
  std::vector<std::string> ignored_columns_;
  RejectSink rejects_;
  CsvStats stats_;
  // Per-record scratch, reused.
  std::vector<FieldText> fields_;
  std::vector<Value> typed_;
  std::deque<std::string> unescaped_;
  size_t unescaped_used_ = 0;
  uint8_t special_[256] = {};  // delimiter, quote, '\n' marked for the unquoted-field scan
};

}  // namespace lakestream::csv
