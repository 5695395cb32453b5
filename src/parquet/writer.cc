#include "parquet/writer.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "parquet/column_writer.h"
#include "parquet/compression.h"
#include "parquet/metadata.h"

namespace lakestream::parquet {

using columnar::ColumnBuffer;
using columnar::PhysicalType;
using columnar::RecordBatch;
using columnar::Schema;

namespace {

constexpr uint8_t kMagic[4] = {'P', 'A', 'R', '1'};
// Rows per slice of a batch: row-group size is checked between slices, so a huge batch cannot
// grow the buffered row group far past its target.
constexpr size_t kSliceRows = 16384;

bool same_shape(const columnar::Field& a, const columnar::Field& b) {
  if (a.name != b.name || a.repetition != b.repetition || a.group() != b.group()) return false;
  if (!a.group()) {
    return a.physical == b.physical && a.logical == b.logical && a.fixed_length == b.fixed_length;
  }
  if (a.children.size() != b.children.size()) return false;
  for (size_t i = 0; i < a.children.size(); ++i)
    if (!same_shape(a.children[i], b.children[i])) return false;
  return true;
}

size_t value_width(const columnar::ColumnDescriptor& d) {
  switch (d.field->physical) {
    case PhysicalType::kBoolean:
      return 1;
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kFixedLenByteArray:
      return static_cast<size_t>(d.field->fixed_length);
    case PhysicalType::kByteArray:
      return 0;
  }
  return 0;
}

// Checks one column buffer against its descriptor and the batch's row count, so the column
// writers can trust levels and value counts.
Status validate_column(const ColumnBuffer& c, size_t rows) {
  const auto& d = c.descriptor();
  auto bad = [&](const std::string& why) {
    return invalid_argument("parquet: column '" + d.dotted_path() + "': " + why);
  };
  size_t slots = c.num_slots();
  if (d.max_def > 0 && c.def_levels().size() != slots) return bad("definition levels != slots");
  if (d.max_rep > 0 && c.rep_levels().size() != slots) return bad("repetition levels != slots");
  size_t values = slots;
  if (d.max_def > 0) {
    values = 0;
    int16_t lo = 0, hi = 0;
    for (int16_t l : c.def_levels()) {
      values += l == d.max_def;
      lo = std::min(lo, l);
      hi = std::max(hi, l);
    }
    if (lo < 0 || hi > d.max_def) return bad("definition level out of range");
  }
  if (values != c.num_values())
    return bad("has " + std::to_string(c.num_values()) + " values, levels say " +
               std::to_string(values));
  size_t row_count = slots;
  if (d.max_rep > 0) {
    row_count = 0;
    int16_t lo = 0, hi = 0;
    for (int16_t l : c.rep_levels()) {
      row_count += l == 0;
      lo = std::min(lo, l);
      hi = std::max(hi, l);
    }
    if (lo < 0 || hi > d.max_rep) return bad("repetition level out of range");
    if (slots > 0 && c.rep_levels()[0] != 0) return bad("first repetition level is not 0");
  }
  if (row_count != rows)
    return bad("has " + std::to_string(row_count) + " rows, batch has " + std::to_string(rows));
  if (d.field->physical == PhysicalType::kByteArray) {
    auto off = c.offsets();
    if (values > 0 && (off.size() != values + 1 || off.back() != c.bytes().size()))
      return bad("byte array offsets do not match values");
    for (size_t i = 1; i < off.size(); ++i)
      if (off[i] < off[i - 1]) return bad("byte array offsets decrease");
  } else if (c.fixed().size() != values * value_width(d)) {
    return bad("value bytes do not match value count");
  }
  return Status();
}

// Slot just past `rows` rows starting at `slot` (a row start).
size_t advance_rows(const ColumnBuffer& c, size_t slot, size_t rows) {
  if (c.descriptor().max_rep == 0) return std::min(slot + rows, c.num_slots());
  auto rep = c.rep_levels();
  size_t seen = 0, i = slot;
  for (; i < rep.size(); ++i) {
    if (rep[i] == 0) {
      if (seen == rows) break;
      ++seen;
    }
  }
  return i;
}

}  // namespace

Result<Compression> parse_compression(std::string_view name) {
  std::string n(name);
  for (auto& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (n == "uncompressed" || n == "none") return Compression::kUncompressed;
  if (n == "snappy") return Compression::kSnappy;
  if (n == "gzip") return Compression::kGzip;
  if (n == "zstd") return Compression::kZstd;
  if (n == "lz4_raw" || n == "lz4") return Compression::kLz4Raw;
  return invalid_argument("unknown compression '" + std::string(name) +
                          "' (expected uncompressed, snappy, gzip, zstd or lz4_raw)");
}

std::string_view compression_name(Compression c) {
  switch (c) {
    case Compression::kUncompressed:
      return "UNCOMPRESSED";
    case Compression::kSnappy:
      return "SNAPPY";
    case Compression::kGzip:
      return "GZIP";
    case Compression::kZstd:
      return "ZSTD";
    case Compression::kLz4Raw:
      return "LZ4_RAW";
  }
  return "?";
}

struct FileWriter::Impl {
  std::shared_ptr<const Schema> schema;
  ByteSink* sink = nullptr;
  WriterOptions options;
  std::unique_ptr<Compressor> compressor;
  std::vector<std::unique_ptr<ColumnChunkWriter>> columns;
  std::vector<RowGroupMeta> row_groups;
  WriterStats stats;
  uint64_t buffered_rows = 0;
  bool closed = false;
  bool failed = false;

  size_t buffered_bytes() const {
    size_t n = 0;
    for (const auto& c : columns) n += c->buffered_bytes();
    return n;
  }

  Status flush() {
    if (buffered_rows == 0) return Status();
    RowGroupMeta rg;
    rg.file_offset = static_cast<int64_t>(sink->position());
    rg.num_rows = static_cast<int64_t>(buffered_rows);
    rg.columns.resize(columns.size());
    for (size_t i = 0; i < columns.size(); ++i) {
      LS_RETURN_IF_ERROR(columns[i]->flush(sink, &rg.columns[i]));
      rg.total_byte_size += rg.columns[i].total_uncompressed_size;
      rg.total_compressed_size += rg.columns[i].total_compressed_size;
    }
    row_groups.push_back(std::move(rg));
    stats.rows_flushed += buffered_rows;
    stats.row_groups++;
    buffered_rows = 0;
    stats.flushed_bytes = sink->position();
    return Status();
  }
};

FileWriter::FileWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FileWriter::~FileWriter() = default;

Result<std::unique_ptr<FileWriter>> FileWriter::open(std::shared_ptr<const Schema> schema,
                                                     ByteSink* sink, WriterOptions options) {
  if (!schema) return invalid_argument("parquet: no schema");
  if (!sink) return invalid_argument("parquet: no sink");
  LS_RETURN_IF_ERROR(validate_schema(*schema));
  if (options.data_page_size == 0) return invalid_argument("parquet: data_page_size must be > 0");
  if (options.row_group_size == 0) return invalid_argument("parquet: row_group_size must be > 0");
  for (const auto& [path, e] : options.column_encoding) {
    bool found = false;
    for (const auto& c : schema->columns()) found = found || c.dotted_path() == path;
    if (!found)
      return invalid_argument("parquet: encoding given for unknown column '" + path + "'");
  }
  auto impl = std::make_unique<Impl>();
  impl->schema = std::move(schema);
  impl->sink = sink;
  impl->options = std::move(options);
  LS_ASSIGN_OR_RETURN(impl->compressor,
                      Compressor::make(impl->options.compression, impl->options.compression_level));
  for (const auto& d : impl->schema->columns()) {
    ColumnWriterOptions co;
    auto it = impl->options.column_encoding.find(d.dotted_path());
    co.encoding = it != impl->options.column_encoding.end() ? it->second : impl->options.encoding;
    co.dictionary_page_size_limit = impl->options.dictionary_page_size_limit;
    co.data_page_size = impl->options.data_page_size;
    co.statistics = impl->options.statistics;
    co.statistics_max_bytes = impl->options.statistics_max_bytes;
    impl->columns.push_back(ColumnChunkWriter::make(d, co, impl->compressor.get()));
  }
  LS_RETURN_IF_ERROR(sink->write({kMagic, 4}));
  impl->stats.flushed_bytes = sink->position();
  return std::unique_ptr<FileWriter>(new FileWriter(std::move(impl)));
}

Status FileWriter::write(const RecordBatch& batch) {
  Impl& m = *impl_;
  if (m.closed) return internal_error("parquet: write after close");
  if (m.failed) return internal_error("parquet: write after a failed write");
  if (batch.num_columns() != m.columns.size() ||
      !same_shape(batch.schema().root(), m.schema->root()))
    return invalid_argument("parquet: batch schema does not match the writer's schema");
  size_t rows = batch.num_rows();
  if (rows == 0) return Status();
  for (size_t i = 0; i < batch.num_columns(); ++i)
    LS_RETURN_IF_ERROR(validate_column(batch.column(i), rows));

  std::vector<size_t> slot(batch.num_columns(), 0), value(batch.num_columns(), 0);
  size_t row = 0;
  while (row < rows) {
    size_t n = std::min(kSliceRows, rows - row);
    if (m.options.row_group_rows > 0)
      n = std::min<uint64_t>(n, m.options.row_group_rows - m.buffered_rows);
    for (size_t i = 0; i < batch.num_columns(); ++i) {
      const auto& col = batch.column(i);
      size_t end = advance_rows(col, slot[i], n);
      auto consumed = m.columns[i]->append(col, slot[i], end, value[i]);
      if (!consumed.ok()) {
        m.failed = true;
        return consumed.status();
      }
      slot[i] = end;
      value[i] += *consumed;
    }
    row += n;
    m.buffered_rows += n;
    m.stats.rows_written += n;
    bool full = m.buffered_bytes() >= m.options.row_group_size ||
                (m.options.row_group_rows > 0 && m.buffered_rows >= m.options.row_group_rows);
    if (full) {
      Status st = m.flush();
      if (!st.ok()) {
        m.failed = true;
        return st;
      }
    }
  }
  return Status();
}

Status FileWriter::flush_row_group() {
  if (impl_->closed) return internal_error("parquet: flush after close");
  Status st = impl_->flush();
  if (!st.ok()) impl_->failed = true;
  return st;
}

WriterStats FileWriter::stats() const {
  WriterStats s = impl_->stats;
  s.buffered_bytes = impl_->buffered_bytes();
  s.memory_bytes = 0;
  for (const auto& c : impl_->columns) s.memory_bytes += c->memory_bytes();
  return s;
}

Result<FileMetadataSummary> FileWriter::close() {
  Impl& m = *impl_;
  if (m.closed) return internal_error("parquet: close called twice");
  if (m.failed) return internal_error("parquet: close after a failed write");
  m.closed = true;
  LS_RETURN_IF_ERROR(m.flush());
  ByteSink* sink = m.sink;
  Buffer buf;
  if (m.options.page_index) {
    // All ColumnIndexes, then all OffsetIndexes, between the last row group and the footer.
    for (auto& rg : m.row_groups) {
      for (auto& c : rg.columns) {
        if (!c.column_index_ok) continue;
        buf.clear();
        write_column_index(c, buf);
        c.column_index_offset = static_cast<int64_t>(sink->position());
        c.column_index_length = static_cast<int32_t>(buf.size());
        LS_RETURN_IF_ERROR(sink->write(buf.span()));
      }
    }
    for (auto& rg : m.row_groups) {
      for (auto& c : rg.columns) {
        buf.clear();
        write_offset_index(c, buf);
        c.offset_index_offset = static_cast<int64_t>(sink->position());
        c.offset_index_length = static_cast<int32_t>(buf.size());
        LS_RETURN_IF_ERROR(sink->write(buf.span()));
      }
    }
  }
  buf.clear();
  write_file_metadata(*m.schema, static_cast<int64_t>(m.stats.rows_flushed), m.row_groups,
                      m.options.key_value_metadata, m.options.created_by, buf);
  auto footer_len = static_cast<uint32_t>(buf.size());
  buf.append_value(footer_len);
  buf.append(kMagic, 4);
  LS_RETURN_IF_ERROR(sink->write(buf.span()));
  FileMetadataSummary summary;
  summary.file_size = sink->position();
  summary.num_rows = m.stats.rows_flushed;
  summary.num_row_groups = m.row_groups.size();
  summary.footer_size = footer_len;
  LS_RETURN_IF_ERROR(sink->close());
  m.stats.flushed_bytes = summary.file_size;
  return summary;
}

Status FileWriter::abort() {
  impl_->closed = true;
  return impl_->sink->abort();
}

}  // namespace lakestream::parquet
