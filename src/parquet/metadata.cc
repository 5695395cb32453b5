#include "parquet/metadata.h"

#include "parquet/thrift_compact.h"

namespace lakestream::parquet {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;
using thrift::CompactWriter;
using thrift::CType;

namespace {

Status validate_field(const Field& f, const std::string& path) {
  if (f.group()) {
    if (f.children.empty()) return invalid_argument("parquet: group '" + path + "' has no fields");
    for (const auto& c : f.children) LS_RETURN_IF_ERROR(validate_field(c, path + "." + c.name));
    return Status();
  }
  auto bad = [&](const std::string& why) {
    return invalid_argument("parquet: column '" + path + "': " + why);
  };
  if (f.physical == PhysicalType::kFixedLenByteArray && f.fixed_length <= 0)
    return bad("FIXED_LEN_BYTE_ARRAY needs a positive length");
  switch (f.logical) {
    case LogicalType::kString:
    case LogicalType::kEnum:
    case LogicalType::kJson:
      if (f.physical != PhysicalType::kByteArray) return bad("STRING/ENUM/JSON must be BYTE_ARRAY");
      break;
    case LogicalType::kUuid:
      if (f.physical != PhysicalType::kFixedLenByteArray || f.fixed_length != 16)
        return bad("UUID must be FIXED_LEN_BYTE_ARRAY(16)");
      break;
    case LogicalType::kDate:
    case LogicalType::kTimeMillis:
      if (f.physical != PhysicalType::kInt32) return bad("DATE/TIME_MILLIS must be INT32");
      break;
    case LogicalType::kTimeMicros:
    case LogicalType::kTimestampMillis:
    case LogicalType::kTimestampMicros:
      if (f.physical != PhysicalType::kInt64) return bad("TIME_MICROS/TIMESTAMP must be INT64");
      break;
    case LogicalType::kDecimal: {
      int max_precision = 0;
      switch (f.physical) {
        case PhysicalType::kInt32:
          max_precision = 9;
          break;
        case PhysicalType::kInt64:
          max_precision = 18;
          break;
        case PhysicalType::kFixedLenByteArray:
          // floor(log10(2^(8n-1) - 1))
          max_precision =
              f.fixed_length >= 16 ? 38 : static_cast<int>((8 * f.fixed_length - 1) * 0.30103);
          break;
        case PhysicalType::kByteArray:
          max_precision = 1 << 20;
          break;
        default:
          return bad("DECIMAL must be INT32, INT64, FIXED or BYTE_ARRAY");
      }
      if (f.precision < 1 || f.precision > max_precision)
        return bad("DECIMAL precision " + std::to_string(f.precision) + " out of range 1.." +
                   std::to_string(max_precision));
      if (f.scale < 0 || f.scale > f.precision) return bad("DECIMAL scale must be 0..precision");
      break;
    }
    case LogicalType::kInt8:
    case LogicalType::kInt16:
    case LogicalType::kUInt8:
    case LogicalType::kUInt16:
    case LogicalType::kUInt32:
      if (f.physical != PhysicalType::kInt32) return bad("8/16/32-bit integer must be INT32");
      break;
    case LogicalType::kUInt64:
      if (f.physical != PhysicalType::kInt64) return bad("UINT_64 must be INT64");
      break;
    case LogicalType::kList:
    case LogicalType::kMap:
      return bad("LIST/MAP annotate groups, not leaves");
    case LogicalType::kNone:
      break;
  }
  return Status();
}

// parquet.thrift ConvertedType values; -1 when none applies.
int32_t converted_type(const Field& f) {
  switch (f.logical) {
    case LogicalType::kString:
      return 0;
    case LogicalType::kMap:
      return 1;
    case LogicalType::kList:
      return 3;
    case LogicalType::kEnum:
      return 4;
    case LogicalType::kDecimal:
      return 5;
    case LogicalType::kDate:
      return 6;
    // The legacy TIME_*/TIMESTAMP_* converted types imply UTC adjustment: omit them for local.
    case LogicalType::kTimeMillis:
      return f.utc_adjusted ? 7 : -1;
    case LogicalType::kTimeMicros:
      return f.utc_adjusted ? 8 : -1;
    case LogicalType::kTimestampMillis:
      return f.utc_adjusted ? 9 : -1;
    case LogicalType::kTimestampMicros:
      return f.utc_adjusted ? 10 : -1;
    case LogicalType::kUInt8:
      return 11;
    case LogicalType::kUInt16:
      return 12;
    case LogicalType::kUInt32:
      return 13;
    case LogicalType::kUInt64:
      return 14;
    case LogicalType::kInt8:
      return 15;
    case LogicalType::kInt16:
      return 16;
    case LogicalType::kJson:
      return 19;
    case LogicalType::kUuid:
    case LogicalType::kNone:
      return -1;
  }
  return -1;
}

void write_logical_type(CompactWriter& w, const Field& f) {
  auto time_unit = [&](int16_t id, bool micros) {
    w.field_struct(id);
    w.begin_struct();
    w.field_empty_struct(micros ? 2 : 1);
    w.end_struct();
  };
  auto int_type = [&](int8_t bits, bool is_signed) {
    w.field_struct(10);
    w.begin_struct();
    w.field_byte(1, bits);
    w.field_bool(2, is_signed);
    w.end_struct();
  };
  switch (f.logical) {
    case LogicalType::kNone:
      return;
    default:
      break;
  }
  w.field_struct(10);  // SchemaElement.logicalType
  w.begin_struct();
  switch (f.logical) {
    case LogicalType::kString:
      w.field_empty_struct(1);
      break;
    case LogicalType::kMap:
      w.field_empty_struct(2);
      break;
    case LogicalType::kList:
      w.field_empty_struct(3);
      break;
    case LogicalType::kEnum:
      w.field_empty_struct(4);
      break;
    case LogicalType::kDecimal:
      w.field_struct(5);
      w.begin_struct();
      w.field_i32(1, f.scale);
      w.field_i32(2, f.precision);
      w.end_struct();
      break;
    case LogicalType::kDate:
      w.field_empty_struct(6);
      break;
    case LogicalType::kTimeMillis:
    case LogicalType::kTimeMicros:
      w.field_struct(7);
      w.begin_struct();
      w.field_bool(1, f.utc_adjusted);
      time_unit(2, f.logical == LogicalType::kTimeMicros);
      w.end_struct();
      break;
    case LogicalType::kTimestampMillis:
    case LogicalType::kTimestampMicros:
      w.field_struct(8);
      w.begin_struct();
      w.field_bool(1, f.utc_adjusted);
      time_unit(2, f.logical == LogicalType::kTimestampMicros);
      w.end_struct();
      break;
    case LogicalType::kInt8:
      int_type(8, true);
      break;
    case LogicalType::kInt16:
      int_type(16, true);
      break;
    case LogicalType::kUInt8:
      int_type(8, false);
      break;
    case LogicalType::kUInt16:
      int_type(16, false);
      break;
    case LogicalType::kUInt32:
      int_type(32, false);
      break;
    case LogicalType::kUInt64:
      int_type(64, false);
      break;
    case LogicalType::kJson:
      w.field_empty_struct(12);
      break;
    case LogicalType::kUuid:
      w.field_empty_struct(14);
      break;
    case LogicalType::kNone:
      break;
  }
  w.end_struct();
}

size_t count_elements(const Field& f) {
  size_t n = 1;
  for (const auto& c : f.children) n += count_elements(c);
  return n;
}

void write_schema_element(CompactWriter& w, const Field& f, bool root) {
  w.begin_struct();
  if (!f.group()) {
    w.field_i32(1, static_cast<int32_t>(f.physical));
    if (f.physical == PhysicalType::kFixedLenByteArray) w.field_i32(2, f.fixed_length);
  }
  if (!root) w.field_i32(3, static_cast<int32_t>(f.repetition));
  w.field_binary(4, f.name);
  if (f.group()) w.field_i32(5, static_cast<int32_t>(f.children.size()));
  int32_t ct = converted_type(f);
  if (ct >= 0) w.field_i32(6, ct);
  if (f.logical == LogicalType::kDecimal) {
    w.field_i32(7, f.scale);
    w.field_i32(8, f.precision);
  }
  write_logical_type(w, f);
  w.end_struct();
  for (const auto& c : f.children) write_schema_element(w, c, false);
}

void write_statistics(CompactWriter& w, const ColumnChunkMeta& c) {
  w.field_struct(12);
  w.begin_struct();
  w.field_i64(3, c.null_count);
  if (c.has_min_max) {
    w.field_binary(5, c.max_value);
    w.field_binary(6, c.min_value);
  }
  w.end_struct();
}

void write_column_chunk(CompactWriter& w, const ColumnChunkMeta& c) {
  w.begin_struct();
  int64_t chunk_offset =
      c.dictionary_page_offset >= 0 ? c.dictionary_page_offset : c.data_page_offset;
  w.field_i64(2, chunk_offset);
  w.field_struct(3);
  w.begin_struct();
  w.field_i32(1, static_cast<int32_t>(c.type));
  w.field_list(2, CType::kI32, c.encodings.size());
  for (int32_t e : c.encodings) w.elem_i32(e);
  w.field_list(3, CType::kBinary, c.path.size());
  for (const auto& p : c.path) w.binary(p);
  w.field_i32(4, static_cast<int32_t>(c.codec));
  w.field_i64(5, c.num_values);
  w.field_i64(6, c.total_uncompressed_size);
  w.field_i64(7, c.total_compressed_size);
  w.field_i64(9, c.data_page_offset);
  if (c.dictionary_page_offset >= 0) w.field_i64(11, c.dictionary_page_offset);
  if (c.has_statistics) write_statistics(w, c);
  w.field_list(13, CType::kStruct, c.encoding_stats.size());
  for (const auto& s : c.encoding_stats) {
    w.begin_struct();
    w.field_i32(1, s.page_type);
    w.field_i32(2, s.encoding);
    w.field_i32(3, s.count);
    w.end_struct();
  }
  w.end_struct();
  if (c.offset_index_offset >= 0) {
    w.field_i64(4, c.offset_index_offset);
    w.field_i32(5, c.offset_index_length);
  }
  if (c.column_index_offset >= 0) {
    w.field_i64(6, c.column_index_offset);
    w.field_i32(7, c.column_index_length);
  }
  w.end_struct();
}

}  // namespace

Status validate_schema(const columnar::Schema& schema) {
  if (schema.fields().empty()) return invalid_argument("parquet: schema has no fields");
  for (const auto& f : schema.fields()) LS_RETURN_IF_ERROR(validate_field(f, f.name));
  return Status();
}

void write_data_page_header(Buffer& out, int32_t uncompressed, int32_t compressed,
                            int32_t num_values, int32_t encoding, bool /*has_levels*/) {
  CompactWriter w(&out);
  w.begin_struct();
  w.field_i32(1, page_type::kDataPage);
  w.field_i32(2, uncompressed);
  w.field_i32(3, compressed);
  w.field_struct(5);
  w.begin_struct();
  w.field_i32(1, num_values);
  w.field_i32(2, encoding);
  w.field_i32(3, enc::kRle);
  w.field_i32(4, enc::kRle);
  w.end_struct();
  w.end_struct();
}

void write_dictionary_page_header(Buffer& out, int32_t uncompressed, int32_t compressed,
                                  int32_t num_values) {
  CompactWriter w(&out);
  w.begin_struct();
  w.field_i32(1, page_type::kDictionaryPage);
  w.field_i32(2, uncompressed);
  w.field_i32(3, compressed);
  w.field_struct(7);
  w.begin_struct();
  w.field_i32(1, num_values);
  w.field_i32(2, enc::kPlain);
  w.end_struct();
  w.end_struct();
}

void write_column_index(const ColumnChunkMeta& c, Buffer& out) {
  CompactWriter w(&out);
  w.begin_struct();
  w.field_list(1, CType::kTrue, c.page_stats.size());
  for (const auto& p : c.page_stats) w.elem_bool(p.null_page);
  w.field_list(2, CType::kBinary, c.page_stats.size());
  for (const auto& p : c.page_stats) w.binary(p.min);
  w.field_list(3, CType::kBinary, c.page_stats.size());
  for (const auto& p : c.page_stats) w.binary(p.max);
  w.field_i32(4, c.boundary_order);
  w.field_list(5, CType::kI64, c.page_stats.size());
  for (const auto& p : c.page_stats) w.elem_i64(p.null_count);
  w.end_struct();
}

void write_offset_index(const ColumnChunkMeta& c, Buffer& out) {
  CompactWriter w(&out);
  w.begin_struct();
  w.field_list(1, CType::kStruct, c.pages.size());
  for (const auto& p : c.pages) {
    w.begin_struct();
    w.field_i64(1, p.offset);
    w.field_i32(2, p.compressed_page_size);
    w.field_i64(3, p.first_row_index);
    w.end_struct();
  }
  w.end_struct();
}

void write_file_metadata(const columnar::Schema& schema, int64_t num_rows,
                         const std::vector<RowGroupMeta>& row_groups,
                         const std::map<std::string, std::string>& kv,
                         const std::string& created_by, Buffer& out) {
  CompactWriter w(&out);
  w.begin_struct();
  w.field_i32(1, 2);  // version
  w.field_list(2, CType::kStruct, count_elements(schema.root()));
  write_schema_element(w, schema.root(), true);
  w.field_i64(3, num_rows);
  w.field_list(4, CType::kStruct, row_groups.size());
  for (size_t i = 0; i < row_groups.size(); ++i) {
    const auto& rg = row_groups[i];
    w.begin_struct();
    w.field_list(1, CType::kStruct, rg.columns.size());
    for (const auto& c : rg.columns) write_column_chunk(w, c);
    w.field_i64(2, rg.total_byte_size);
    w.field_i64(3, rg.num_rows);
    w.field_i64(5, rg.file_offset);
    w.field_i64(6, rg.total_compressed_size);
    w.field_i16(7, static_cast<int16_t>(i));
    w.end_struct();
  }
  if (!kv.empty()) {
    w.field_list(5, CType::kStruct, kv.size());
    for (const auto& [k, v] : kv) {
      w.begin_struct();
      w.field_binary(1, k);
      w.field_binary(2, v);
      w.end_struct();
    }
  }
  w.field_binary(6, created_by);
  // ColumnOrder TYPE_ORDER for every leaf: min_value/max_value follow each type's sort order.
  w.field_list(7, CType::kStruct, schema.num_columns());
  for (size_t i = 0; i < schema.num_columns(); ++i) {
    w.begin_struct();
    w.field_empty_struct(1);
    w.end_struct();
  }
  w.end_struct();
}

}  // namespace lakestream::parquet
