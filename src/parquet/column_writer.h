// One column chunk in the making: levels and values in, compressed pages out.
//
// A ColumnChunkWriter receives slices of a leaf column (slots with their levels, dense values),
// cuts data pages (v1) at row boundaries once a page reaches the target size, dictionary-encodes
// while the dictionary fits (then falls back to PLAIN for the rest of the chunk), collects chunk
// and per-page statistics, and keeps the compressed pages in memory until flush() writes the
// dictionary page and the data pages to the sink. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>

#include "columnar/record_batch.h"
#include "common/byte_sink.h"
#include "common/status.h"
#include "parquet/compression.h"
#include "parquet/metadata.h"
#include "parquet/writer.h"

namespace lakestream::parquet {

struct ColumnWriterOptions {
  Encoding encoding = Encoding::kDictionary;
  size_t dictionary_page_size_limit = 1 << 20;
  size_t data_page_size = 1 << 20;
  bool statistics = true;
  size_t statistics_max_bytes = 64;
};

class ColumnChunkWriter {
 public:
  // `compressor` is borrowed and may be shared by the columns of one file (used sequentially).
  static std::unique_ptr<ColumnChunkWriter> make(const columnar::ColumnDescriptor& desc,
                                                 const ColumnWriterOptions& options,
                                                 Compressor* compressor);
  virtual ~ColumnChunkWriter() = default;

  // Appends slots [slot_begin, slot_end) of `col` whose values start at `value_begin`; returns
  // the number of values consumed. slot_begin must start a row (rep level 0). The caller has
  // validated the buffer (levels within range, value counts consistent).
  virtual Result<size_t> append(const columnar::ColumnBuffer& col, size_t slot_begin,
                                size_t slot_end, size_t value_begin) = 0;
  // Bytes held for this chunk: finished pages, dictionary and the open page.
  virtual size_t buffered_bytes() const = 0;
  // Heap bytes this writer holds (every buffer and the dictionary's hash index at capacity,
  // plus the object itself): what it costs in memory, as opposed to what it will write.
  virtual size_t memory_bytes() const = 0;
  // Rows appended since the last flush.
  virtual int64_t buffered_rows() const = 0;
  // Closes the open page and writes the chunk (dictionary page first) to `sink`, filling `meta`
  // with absolute offsets. Resets the writer for the next row group.
  virtual Status flush(ByteSink* sink, ColumnChunkMeta* meta) = 0;
};

}  // namespace lakestream::parquet
