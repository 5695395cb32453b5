#include "columnar/record_batch.h"

namespace lakestream::columnar {

void ColumnBuffer::truncate(size_t slots, size_t values) {
  if (desc_->max_def > 0) def_levels_.resize(slots * sizeof(int16_t));
  if (desc_->max_rep > 0) rep_levels_.resize(slots * sizeof(int16_t));
  num_slots_ = slots;
  if (physical() == PhysicalType::kByteArray) {
    if (!offsets_.empty()) {
      offsets_.resize((values + 1) * sizeof(uint32_t));
      bytes_.resize(offsets_.as<uint32_t>()[values]);
    }
  } else {
    size_t width = 0;
    switch (physical()) {
      case PhysicalType::kBoolean: width = 1; break;
      case PhysicalType::kInt32:
      case PhysicalType::kFloat: width = 4; break;
      case PhysicalType::kInt64:
      case PhysicalType::kDouble: width = 8; break;
      case PhysicalType::kFixedLenByteArray:
        width = static_cast<size_t>(desc_->field->fixed_length);
        break;
      case PhysicalType::kByteArray: break;
    }
    fixed_.resize(values * width);
  }
  num_values_ = values;
}

RecordBatch::RecordBatch(std::shared_ptr<const Schema> schema) : schema_(std::move(schema)) {
  columns_.reserve(schema_->num_columns());
  for (const auto& d : schema_->columns()) columns_.emplace_back(&d);
}

size_t RecordBatch::memory_bytes() const {
  size_t total = 0;
  for (const auto& c : columns_) total += c.memory_bytes();
  return total;
}

void RecordBatch::clear() {
  for (auto& c : columns_) c.clear();
  num_rows_ = 0;
}

}  // namespace lakestream::columnar
