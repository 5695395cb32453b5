// Parquet footer structures the writer fills, and their Thrift compact serialisation.
//
// Field ids and enum values follow parquet.thrift
// (https://github.com/apache/parquet-format/blob/master/src/main/thrift/parquet.thrift). Only what
// the writer emits is modelled; `inspect` reads footers through the generic Thrift reader instead.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "columnar/schema.h"
#include "common/buffer.h"
#include "common/status.h"
#include "parquet/writer.h"

namespace lakestream::parquet {

// parquet.thrift Encoding values.
namespace enc {
inline constexpr int32_t kPlain = 0;
inline constexpr int32_t kRle = 3;
inline constexpr int32_t kDeltaBinaryPacked = 5;
inline constexpr int32_t kRleDictionary = 8;
inline constexpr int32_t kByteStreamSplit = 9;
}  // namespace enc

// parquet.thrift PageType values.
namespace page_type {
inline constexpr int32_t kDataPage = 0;
inline constexpr int32_t kDictionaryPage = 2;
}  // namespace page_type

struct PageLocation {
  int64_t offset = 0;                // absolute file offset of the page header
  int32_t compressed_page_size = 0;  // header + compressed body
  int64_t first_row_index = 0;       // within the row group
};

// One page's entry in the ColumnIndex.
struct PageStats {
  bool null_page = false;  // only nulls
  std::string min, max;    // PLAIN-encoded (no length prefix for byte arrays); empty if null_page
  int64_t null_count = 0;
};

struct EncodingStat {
  int32_t page_type = 0;
  int32_t encoding = 0;
  int32_t count = 0;
};

struct ColumnChunkMeta {
  columnar::PhysicalType type = columnar::PhysicalType::kInt64;
  std::vector<int32_t> encodings;
  std::vector<std::string> path;
  Compression codec = Compression::kUncompressed;
  int64_t num_values = 0;  // level slots, nulls included
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  int64_t dictionary_page_offset = -1;  // -1: no dictionary page
  bool has_statistics = false;
  bool has_min_max = false;
  std::string min_value, max_value;
  int64_t null_count = 0;
  std::vector<EncodingStat> encoding_stats;

  // Page index (written after all row groups).
  std::vector<PageLocation> pages;
  std::vector<PageStats> page_stats;
  bool column_index_ok = false;  // every non-null page has exact min/max
  int32_t boundary_order = 0;    // 0 UNORDERED, 1 ASCENDING, 2 DESCENDING
  int64_t column_index_offset = -1;
  int32_t column_index_length = 0;
  int64_t offset_index_offset = -1;
  int32_t offset_index_length = 0;
};

struct RowGroupMeta {
  std::vector<ColumnChunkMeta> columns;
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;  // uncompressed
  int64_t total_compressed_size = 0;
  int64_t file_offset = 0;
};

// Checks that every field of `schema` maps onto Parquet (UUID is FIXED(16), DECIMAL has a
// precision its physical type can hold, FIXED has a positive length, ...). kInvalidArgument naming
// the field otherwise.
Status validate_schema(const columnar::Schema& schema);

// Appends a data page (v1) header.
void write_data_page_header(Buffer& out, int32_t uncompressed, int32_t compressed,
                            int32_t num_values, int32_t encoding, bool has_levels);
// Appends a dictionary page header.
void write_dictionary_page_header(Buffer& out, int32_t uncompressed, int32_t compressed,
                                  int32_t num_values);
void write_column_index(const ColumnChunkMeta& c, Buffer& out);
void write_offset_index(const ColumnChunkMeta& c, Buffer& out);
void write_file_metadata(const columnar::Schema& schema, int64_t num_rows,
                         const std::vector<RowGroupMeta>& row_groups,
                         const std::map<std::string, std::string>& kv,
                         const std::string& created_by, Buffer& out);

}  // namespace lakestream::parquet
