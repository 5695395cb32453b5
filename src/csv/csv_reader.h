// Streaming CSV reader: feed bytes in chunks split anywhere, get rows in a columnar::RecordBatch.
//
// The simple entry point for one thread (the `convert` command, tests). The parallel producer
// uses the same pieces directly: RecordSplitter to cut blocks of whole records, one RowParser
// copy per worker.
//
//   LS_ASSIGN_OR_RETURN(auto reader, csv::CsvReader::make(schema, options, on_reject));
//   columnar::RecordBatch batch(schema);
//   while (read a chunk) { LS_RETURN_IF_ERROR(reader.feed(chunk, &batch)); flush batch if large; }
//   LS_RETURN_IF_ERROR(reader.finish(&batch));
//   reader.stats()  // rows read / accepted / rejected, by reason
//
// Everything in row_parser.h about types, nulls, quoting and bad rows applies. Not thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "columnar/record_batch.h"
#include "common/buffer.h"
#include "common/status.h"
#include "csv/csv_options.h"
#include "csv/row_parser.h"

namespace lakestream::csv {

class CsvReader {
 public:
  // Errors: InvalidArgument for a schema the CSV reader cannot fill (see RowParser::make).
  static Result<CsvReader> make(std::shared_ptr<const columnar::Schema> schema, CsvOptions options,
                                RejectSink rejects = {});

  // Parses every complete record of (carried-over bytes + `bytes`) into `batch`; the incomplete
  // tail is kept for the next call. Errors: InvalidData (FAILFAST bad row, malformed header, a
  // record over options.max_record_bytes), InvalidArgument (header does not fit the schema).
  Status feed(std::string_view bytes, columnar::RecordBatch* batch);
  // End of input: parses the last record even without a line ending. An open quote at the end is
  // an unterminated-quote bad row.
  Status finish(columnar::RecordBatch* batch);

  const CsvStats& stats() const { return parser_.stats(); }
  const RowParser& parser() const { return parser_; }
  // Line number (1-based) of the next unparsed byte.
  uint64_t line() const { return line_; }

 private:
  explicit CsvReader(RowParser parser) : parser_(std::move(parser)) {}
  Status parse_direct(std::string_view bytes, columnar::RecordBatch* batch);
  void carry(std::string_view rest);

  RowParser parser_;
  Buffer carry_;                  // an incomplete record from the previous feed
  bool carry_in_quotes_ = false;  // quote parity at the end of carry_
  uint64_t line_ = 1;
};

}  // namespace lakestream::csv
