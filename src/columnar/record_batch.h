// Column buffers in Dremel shape: what decoders fill and the Parquet writer consumes.
//
// For each leaf column of a Schema, a ColumnBuffer holds
//   - def_levels / rep_levels: one entry per "slot" (a value or a null/empty marker), present only
//     when the column's max_def / max_rep is > 0 (a required flat column has neither);
//   - values: the non-null leaf values only, densely packed:
//       BOOLEAN            1 byte each (0/1) in `fixed`
//       INT32/FLOAT        4 bytes each, little-endian, in `fixed`
//       INT64/DOUBLE       8 bytes each, little-endian, in `fixed`
//       FIXED_LEN_BYTE_ARRAY fixed_length bytes each, in `fixed`
//       BYTE_ARRAY         bytes concatenated in `bytes`, with `offsets` (num_values + 1 entries,
//                          offsets[0] == 0) marking where each value starts and ends.
// A flat record batch of n rows has, per column, n slots; a nested column has as many slots as its
// Dremel shredding yields (rep_level 0 starts a new row).
//
// Appending is allocation-free once capacity is reached: clear() keeps the memory, so a decoder
// reuses one RecordBatch across Kafka fetches. Not thread-safe; one batch per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "columnar/schema.h"
#include "common/buffer.h"

namespace lakestream::columnar {

class ColumnBuffer {
 public:
  explicit ColumnBuffer(const ColumnDescriptor* desc = nullptr) : desc_(desc) {}

  const ColumnDescriptor& descriptor() const { return *desc_; }
  PhysicalType physical() const { return desc_->field->physical; }

  // --- appending (decoders) ---
  void append_levels(int16_t def, int16_t rep) {
    if (desc_->max_def > 0) def_levels_.append_value(def);
    if (desc_->max_rep > 0) rep_levels_.append_value(rep);
    ++num_slots_;
  }
  // A present value for a column with no levels (required, flat) or after append_levels().
  template <typename T>
  void append_fixed(T v) {
    fixed_.append_value(v);
    ++num_values_;
  }
  void append_fixed_bytes(const void* p, size_t n) {  // FIXED_LEN_BYTE_ARRAY
    fixed_.append(p, n);
    ++num_values_;
  }
  void append_bytes(std::string_view v) {
    if (offsets_.empty()) offsets_.append_value<uint32_t>(0);
    bytes_.append(v);
    offsets_.append_value(static_cast<uint32_t>(bytes_.size()));
    ++num_values_;
  }
  // For flat required columns: one slot per value. Call after append_* on such columns.
  void count_slot() { ++num_slots_; }

  // --- reading (the Parquet writer) ---
  size_t num_slots() const { return num_slots_; }    // level entries (== rows for flat columns)
  size_t num_values() const { return num_values_; }  // non-null leaf values
  size_t num_nulls() const { return num_slots_ - num_values_; }
  std::span<const int16_t> def_levels() const { return def_levels_.as<int16_t>(); }
  std::span<const int16_t> rep_levels() const { return rep_levels_.as<int16_t>(); }
  const Buffer& fixed() const { return fixed_; }
  template <typename T>
  std::span<const T> values() const { return fixed_.as<T>(); }
  // BYTE_ARRAY value i (0 <= i < num_values()).
  std::string_view bytes_at(size_t i) const {
    auto off = offsets_.as<uint32_t>();
    return {reinterpret_cast<const char*>(bytes_.data()) + off[i], off[i + 1] - off[i]};
  }
  const Buffer& bytes() const { return bytes_; }
  std::span<const uint32_t> offsets() const { return offsets_.as<uint32_t>(); }
  // Bytes held (values + levels), for memory accounting and file rolling.
  size_t memory_bytes() const {
    return fixed_.size() + bytes_.size() + offsets_.size() + def_levels_.size() + rep_levels_.size();
  }

  // Mutable access for decoders that write in bulk (then call set_counts()).
  Buffer& mutable_fixed() { return fixed_; }
  Buffer& mutable_bytes() { return bytes_; }
  Buffer& mutable_offsets() { return offsets_; }
  Buffer& mutable_def_levels() { return def_levels_; }
  Buffer& mutable_rep_levels() { return rep_levels_; }
  void set_counts(size_t slots, size_t values) { num_slots_ = slots; num_values_ = values; }

  // Drops the last slots so the column has `slots` slots and `values` values (used to roll back a
  // record that failed to decode half-way).
  void truncate(size_t slots, size_t values);

  void clear() {
    def_levels_.clear();
    rep_levels_.clear();
    fixed_.clear();
    bytes_.clear();
    offsets_.clear();
    num_slots_ = num_values_ = 0;
  }

 private:
  const ColumnDescriptor* desc_;
  Buffer def_levels_;
  Buffer rep_levels_;
  Buffer fixed_;
  Buffer bytes_;
  Buffer offsets_;
  size_t num_slots_ = 0;
  size_t num_values_ = 0;
};

// Rows of one schema as columns. Owns a copy of the schema (shared), so batches outlive parsers.
class RecordBatch {
 public:
  explicit RecordBatch(std::shared_ptr<const Schema> schema);

  const Schema& schema() const { return *schema_; }
  const std::shared_ptr<const Schema>& schema_ptr() const { return schema_; }
  size_t num_rows() const { return num_rows_; }
  size_t num_columns() const { return columns_.size(); }
  ColumnBuffer& column(size_t i) { return columns_[i]; }
  const ColumnBuffer& column(size_t i) const { return columns_[i]; }

  // Decoders call this after appending one complete row to every column.
  void finish_row() { ++num_rows_; }
  void set_num_rows(size_t n) { num_rows_ = n; }
  size_t memory_bytes() const;
  void clear();

 private:
  std::shared_ptr<const Schema> schema_;
  std::vector<ColumnBuffer> columns_;
  size_t num_rows_ = 0;
};

}  // namespace lakestream::columnar
