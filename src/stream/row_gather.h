// Copies chosen rows of a RecordBatch into another batch (the rows of one output directory).
//
// The destination's columns are a subset of the source's, given as source indices per
// destination column (the partition columns leave the data files). Rows keep Dremel shape: for
// nested columns the slots of a row (rep level 0 starts it) and its present values move together.
// index() prepares one source batch (row -> first slot and first value, per column with levels);
// copy() then appends any rows, in the order given. Allocation-free once the buffers have grown.
// Not thread-safe (one per task).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "columnar/record_batch.h"

namespace lakestream::stream {

class RowGather {
 public:
  // `columns[i]` is the source column of destination column i.
  explicit RowGather(std::vector<size_t> columns) : columns_(std::move(columns)) {}

  // Indexes `src` (must stay unchanged until the last copy() from it).
  void index(const columnar::RecordBatch& src);
  // Appends rows `rows` of the indexed `src` to `dst`.
  void copy(const columnar::RecordBatch& src, std::span<const uint32_t> rows,
            columnar::RecordBatch& dst) const;

 private:
  std::vector<size_t> columns_;
  // Per source column with levels: slot and value start of each row, plus one end entry.
  std::vector<std::vector<uint32_t>> slot_start_;
  std::vector<std::vector<uint32_t>> value_start_;
};

}  // namespace lakestream::stream
