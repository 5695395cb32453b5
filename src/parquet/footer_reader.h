// Reads a Parquet file's footer (and its OffsetIndexes) for `lakestream inspect`.
//
// Parses FileMetaData with the generic Thrift compact reader (no generated code), bounds-checks
// every offset against the file, and renders schema, row groups, column chunks, encodings, sizes
// and statistics as text. Works on any Parquet file, not just ours. Not thread-safe per object;
// the free functions are reentrant.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace lakestream::parquet {

struct SchemaElementInfo {
  std::string name;
  int depth = 0;        // 0 for the root
  int repetition = -1;  // 0 required, 1 optional, 2 repeated; -1 unset (root)
  int type = -1;        // physical type, -1 for groups
  int type_length = 0;
  int num_children = 0;
  std::string annotation;  // logical/converted type text, e.g. "STRING", "DECIMAL(10,2)"
};

struct ColumnChunkInfo {
  std::string path;  // dotted
  int type = -1;
  std::string codec;
  std::vector<std::string> encodings;
  int64_t num_values = 0;
  int64_t compressed = 0;
  int64_t uncompressed = 0;
  int64_t data_page_offset = 0;
  int64_t dictionary_page_offset = -1;
  bool has_stats = false;
  int64_t null_count = -1;  // -1: not written
  std::string min, max;     // display form; empty when not written
  bool has_min_max = false;
  int64_t offset_index_offset = -1;
  int64_t column_index_offset = -1;
  int64_t num_pages = -1;  // from the OffsetIndex when present
};

struct RowGroupInfo {
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;
  int64_t total_compressed_size = 0;
  std::vector<ColumnChunkInfo> columns;
};

struct FileInfo {
  uint64_t file_size = 0;
  uint32_t footer_length = 0;
  int32_t version = 0;
  int64_t num_rows = 0;
  std::string created_by;
  std::vector<std::pair<std::string, std::string>> key_value;
  std::vector<SchemaElementInfo> schema;
  std::vector<RowGroupInfo> row_groups;
};

// Parses a whole file held in memory (magic, footer; OffsetIndexes when in range).
// Errors: kInvalidData describing what is malformed and where.
Result<FileInfo> parse_file(std::span<const uint8_t> file);

// Reads only the footer and the OffsetIndexes of the file at `path`.
// Errors: kIoError / kNotFound for the file, kInvalidData for a malformed footer.
Result<FileInfo> read_file_info(const std::string& path);

// Human-readable report: file summary, schema tree, then one block per row group.
std::string format_file_info(const FileInfo& info);

}  // namespace lakestream::parquet
