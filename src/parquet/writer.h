// The Parquet file writer: columnar::RecordBatch in, a Parquet file out through a ByteSink.
//
// lakestream writes Parquet itself (no Parquet library is packaged in Debian 12). The writer
// follows the Apache Parquet format (https://github.com/apache/parquet-format, parquet.thrift) and
// encodes the footer with the Thrift compact protocol
// (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md).
//
// Data flow: write() appends the batch's Dremel-shaped columns (definition/repetition levels plus
// dense values, see columnar/record_batch.h) to one ColumnChunkWriter per leaf column; each cuts
// data pages at `data_page_size`, dictionary-encodes while the dictionary fits, and compresses the
// page. When the buffered row group reaches `row_group_size` bytes (or `row_group_rows` rows) it is
// written to the sink at once, so memory stays bounded by about one row group. close() writes the
// footer (FileMetaData) and closes the sink.
//
// Thread-safety: a FileWriter is not thread-safe; use one per thread (and one per file).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "columnar/record_batch.h"
#include "columnar/schema.h"
#include "common/byte_sink.h"
#include "common/status.h"

namespace lakestream::parquet {

// Page compression codec (values are parquet.thrift's CompressionCodec).
enum class Compression : uint8_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kZstd = 6,
  kLz4Raw = 7,
};

// Value encoding requested for a column. The writer falls back to kPlain when the requested
// encoding does not apply to the column's physical type (e.g. kDeltaBinaryPacked on a string).
enum class Encoding : uint8_t {
  // RLE_DICTIONARY data pages with a PLAIN dictionary page; once the dictionary passes
  // `dictionary_page_size_limit`, the rest of the column chunk is written PLAIN (as Arrow does).
  // Booleans are never dictionary-encoded (they are PLAIN bit-packed).
  kDictionary,
  kPlain,
  kDeltaBinaryPacked,  // INT32/INT64 only
  kByteStreamSplit,    // FLOAT/DOUBLE only (also INT32/INT64/FIXED per the 2.11 spec; we keep it to
                       // floats)
};

// Parses "uncompressed", "snappy", "gzip", "zstd", "lz4_raw" (case-insensitive; "none" and "lz4"
// are accepted as aliases). Error: kInvalidArgument naming the accepted values.
Result<Compression> parse_compression(std::string_view name);
std::string_view compression_name(Compression c);

struct WriterOptions {
  // Codec for every data and dictionary page. Default SNAPPY, as Spark writes.
  Compression compression = Compression::kSnappy;
  // ZSTD level (1..22) when compression == kZstd; GZIP level (1..9) when kGzip, where values
  // above 9 are clamped. Default 3 (zstd's default; for gzip 3 is a fast setting).
  int compression_level = 3;

  // Default encoding for every column (see Encoding). Default kDictionary.
  Encoding encoding = Encoding::kDictionary;
  // Per-column overrides, keyed by the column's dotted path ("pickup.lat", "tags.list.element").
  std::map<std::string, Encoding> column_encoding;
  // Bytes of PLAIN-encoded dictionary after which a column chunk stops dictionary encoding and
  // writes PLAIN pages. Default 1 MiB (Arrow's default).
  size_t dictionary_page_size_limit = 1 << 20;

  // Target uncompressed size of one data page in bytes: a page is cut once its encoded values and
  // levels reach this size. Default 1 MiB (Arrow's default). Minimum honoured: one value.
  size_t data_page_size = 1 << 20;
  // Target in-memory (encoded, compressed) size of one row group in bytes: when the buffered
  // column chunks reach it, write() flushes the row group to the sink. Default 128 MiB (Spark's
  // parquet.block.size). This is also the writer's memory bound.
  size_t row_group_size = 128ull << 20;
  // Maximum rows per row group (0: no limit). Default 0. Row groups are cut at batch-row
  // boundaries, never inside a row.
  uint64_t row_group_rows = 0;

  // Write Statistics (min_value/max_value/null_count) per column chunk. Default true. Min/max
  // follow the column's sort order: signed for INT32/INT64 (unsigned for UINT_* logical types),
  // unsigned bytewise for BYTE_ARRAY/FIXED_LEN_BYTE_ARRAY, NaN excluded for FLOAT/DOUBLE;
  // min/max are omitted for BYTE_ARRAY values longer than `statistics_max_bytes`.
  bool statistics = true;
  // Longest BYTE_ARRAY/FIXED min/max written in statistics, in bytes. Default 64. Longer values
  // leave min/max unset for that chunk (never truncated, so they stay exact).
  size_t statistics_max_bytes = 64;
  // Write a ColumnIndex and OffsetIndex per column chunk (before the footer) so engines can skip
  // pages. Default true.
  bool page_index = true;

  // Extra key-value pairs for FileMetaData.key_value_metadata (e.g. Kafka offsets). Default empty.
  std::map<std::string, std::string> key_value_metadata;
  // FileMetaData.created_by. Default "lakestream version 0.1.0 (build lakestream)" (the
  // "<app> version <x.y.z> (build <id>)" shape readers parse).
  std::string created_by = "lakestream version 0.1.0 (build lakestream)";
};

// Running totals, for memory accounting and rolling files.
struct WriterStats {
  uint64_t rows_written = 0;    // rows accepted by write() so far (flushed or buffered)
  uint64_t rows_flushed = 0;    // rows in row groups already written to the sink
  uint64_t row_groups = 0;      // row groups written to the sink
  uint64_t flushed_bytes = 0;   // bytes written to the sink so far (magic + row groups)
  uint64_t buffered_bytes = 0;  // bytes held for the current row group (pages + unpaged values)
  // Heap bytes the writer holds now: its column writers' buffers and dictionary hash indexes at
  // capacity (>= buffered_bytes; what a caller bounding memory should count). Deterministic for
  // a given sequence of writes.
  uint64_t memory_bytes = 0;
};

// What close() reports about the finished file.
struct FileMetadataSummary {
  uint64_t file_size = 0;  // bytes, including magic and footer
  uint64_t num_rows = 0;
  uint64_t num_row_groups = 0;
  uint64_t footer_size = 0;  // FileMetaData length in bytes
};

class FileWriter {
 public:
  // Starts a file for `schema` on `sink` (borrowed: it must outlive the writer; the writer calls
  // sink->close() in close()). Writes the leading magic. Errors: kInvalidArgument when the schema
  // is empty or has a type Parquet cannot represent (e.g. FIXED_LEN_BYTE_ARRAY of length <= 0,
  // UUID not FIXED(16)), or the options are out of range; the sink's error otherwise.
  static Result<std::unique_ptr<FileWriter>> open(std::shared_ptr<const columnar::Schema> schema,
                                                  ByteSink* sink, WriterOptions options = {});

  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  // Appends all rows of `batch` (any number, including zero). The batch's schema must have the
  // same columns as the writer's (same shape; compared structurally). Flushes row groups to the
  // sink as they fill. Errors: kInvalidArgument on schema mismatch or inconsistent column buffers
  // (levels/value counts that disagree); the sink's error (then the file is unusable: abort()).
  Status write(const columnar::RecordBatch& batch);

  // Writes the buffered rows (if any) as one row group now. A no-op with no buffered rows.
  Status flush_row_group();

  WriterStats stats() const;

  // Flushes the last row group, writes the page indexes and the footer, and closes the sink.
  // A file with zero rows is valid (zero row groups). Calling anything after close() is an error
  // (kInternal).
  Result<FileMetadataSummary> close();

  // Abandons the file: the sink's abort() removes partial output.
  Status abort();

 private:
  struct Impl;
  explicit FileWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakestream::parquet
