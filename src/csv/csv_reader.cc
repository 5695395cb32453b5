#include "csv/csv_reader.h"

#include <fmt/format.h>

namespace lakestream::csv {

Result<CsvReader> CsvReader::make(std::shared_ptr<const columnar::Schema> schema,
                                  CsvOptions options, RejectSink rejects) {
  LS_ASSIGN_OR_RETURN(RowParser parser, RowParser::make(std::move(schema), std::move(options)));
  parser.set_reject_sink(std::move(rejects));
  return CsvReader(std::move(parser));
}

void CsvReader::carry(std::string_view rest) {
  carry_.clear();
  carry_.append(rest);
  // Tracked incrementally so a record spanning many chunks is not rescanned on every feed.
  carry_in_quotes_ = false;
  const char q = parser_.options().quote;
  for (char c : rest) {
    if (c == q) carry_in_quotes_ = !carry_in_quotes_;
  }
}

Status CsvReader::parse_direct(std::string_view bytes, columnar::RecordBatch* batch) {
  size_t consumed = 0;
  uint64_t lines = 0;
  Status st = parser_.parse(bytes, line_, false, batch, &consumed, &lines);
  line_ += lines;
  LS_RETURN_IF_ERROR(st);
  carry(bytes.substr(consumed));
  return Status();
}

Status CsvReader::feed(std::string_view bytes, columnar::RecordBatch* batch) {
  if (carry_.empty()) return parse_direct(bytes, batch);
  // Complete the carried record with the bytes up to the first record-ending '\n' (by quote
  // parity, the rule RowParser follows), parse it, then parse the rest in place.
  const char q = parser_.options().quote;
  size_t i = 0;
  bool in_quotes = carry_in_quotes_;
  for (; i < bytes.size(); ++i) {
    if (bytes[i] == q) {
      in_quotes = !in_quotes;
    } else if (bytes[i] == '\n' && !in_quotes) {
      break;
    }
  }
  if (i == bytes.size()) {
    carry_.append(bytes);
    carry_in_quotes_ = in_quotes;
    if (carry_.size() > parser_.options().max_record_bytes) {
      return invalid_data(fmt::format("line {}: record longer than {} bytes (unterminated quote?)",
                                      line_, parser_.options().max_record_bytes));
    }
    return Status();
  }
  carry_.append(bytes.substr(0, i + 1));
  Buffer joined = std::move(carry_);
  carry_ = Buffer();
  size_t consumed = 0;
  uint64_t lines = 0;
  Status st = parser_.parse(joined.view(), line_, false, batch, &consumed, &lines);
  line_ += lines;
  LS_RETURN_IF_ERROR(st);
  if (consumed < joined.size()) {
    // Only a BOM or header prefix can stay unparsed here; keep it with the rest.
    std::string rest(joined.view().substr(consumed));
    rest.append(bytes.substr(i + 1));
    carry_ = std::move(joined);  // reuse the allocation
    carry_.clear();
    return parse_direct(rest, batch);
  }
  carry_ = std::move(joined);
  carry_.clear();
  return parse_direct(bytes.substr(i + 1), batch);
}

Status CsvReader::finish(columnar::RecordBatch* batch) {
  size_t consumed = 0;
  uint64_t lines = 0;
  Buffer rest = std::move(carry_);
  carry_ = Buffer();
  Status st = parser_.parse(rest.view(), line_, true, batch, &consumed, &lines);
  line_ += lines;
  return st;
}

}  // namespace lakestream::csv
