// Finds record boundaries in a CSV byte stream without parsing fields, so a reader thread can cut
// the input into blocks of whole records for parallel parsing.
//
// A record ends at a '\n' outside quotes. "Outside quotes" is decided by quote parity from the
// start of the stream: every quote character toggles the state ("" toggles twice). RowParser uses
// exactly the same rule to find where a record ends, even for malformed records (a stray quote
// inside an unquoted field), so blocks cut here always parse the same as the unsplit stream.
// Not thread-safe; one splitter per stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace lakestream::csv {

class RecordSplitter {
 public:
  explicit RecordSplitter(char quote = '"') : quote_(quote) {}

  // Scans `text`, the next bytes of the stream, and returns the offset just past the last
  // record-ending '\n' in it, or 0 when it holds none. The quote state carries over to the next
  // call; `newlines()` grows by the number of '\n' in text (quoted or not).
  size_t scan(std::string_view text);

  bool in_quotes() const { return in_quotes_; }
  uint64_t newlines() const { return newlines_; }
  void reset() {
    in_quotes_ = false;
    newlines_ = 0;
  }

 private:
  char quote_;
  bool in_quotes_ = false;
  uint64_t newlines_ = 0;
};

}  // namespace lakestream::csv
