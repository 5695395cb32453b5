#include "csv/record_splitter.h"

#include <algorithm>
#include <cstring>

namespace lakestream::csv {

size_t RecordSplitter::scan(std::string_view text) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  // Fast path (the common case of a file without quotes): outside quotes and no quote in the
  // block, so the last '\n' is the boundary and a vectorised count gives the line number.
  if (!in_quotes_ && std::memchr(begin, quote_, text.size()) == nullptr) {
    newlines_ += static_cast<uint64_t>(std::count(begin, end, '\n'));
    const void* last = memrchr(begin, '\n', text.size());
    return last ? static_cast<size_t>(static_cast<const char*>(last) - begin) + 1 : 0;
  }
  size_t boundary = 0;
  bool q = in_quotes_;
  uint64_t n = 0;
  for (const char* p = begin; p < end; ++p) {
    if (*p == quote_) {
      q = !q;
    } else if (*p == '\n') {
      ++n;
      if (!q) boundary = static_cast<size_t>(p - begin) + 1;
    }
  }
  in_quotes_ = q;
  newlines_ += n;
  return boundary;
}

}  // namespace lakestream::csv
