#include "stream/row_gather.h"

namespace lakestream::stream {

using columnar::ColumnBuffer;
using columnar::PhysicalType;

namespace {

size_t fixed_width(const ColumnBuffer& c) {
  switch (c.physical()) {
    case PhysicalType::kBoolean:
      return 1;
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kFixedLenByteArray:
      return static_cast<size_t>(c.descriptor().field->fixed_length);
    case PhysicalType::kByteArray:
      return 0;
  }
  return 0;
}

bool has_levels(const ColumnBuffer& c) {
  return c.descriptor().max_def > 0 || c.descriptor().max_rep > 0;
}

// Appends values [v0, v1) of `src` to `dst` (values only; levels and counts are the caller's).
void copy_values(const ColumnBuffer& src, size_t v0, size_t v1, ColumnBuffer& dst) {
  if (v1 == v0) return;
  size_t w = fixed_width(src);
  if (w) {
    dst.mutable_fixed().append(src.fixed().data() + v0 * w, (v1 - v0) * w);
    return;
  }
  auto off = src.offsets();
  Buffer& offsets = dst.mutable_offsets();
  if (offsets.empty()) offsets.append_value<uint32_t>(0);
  Buffer& bytes = dst.mutable_bytes();
  for (size_t v = v0; v < v1; ++v) {
    bytes.append(src.bytes().data() + off[v], off[v + 1] - off[v]);
    offsets.append_value(static_cast<uint32_t>(bytes.size()));
  }
}

}  // namespace

void RowGather::index(const columnar::RecordBatch& src) {
  slot_start_.resize(src.num_columns());
  value_start_.resize(src.num_columns());
  const size_t rows = src.num_rows();
  for (size_t i = 0; i < src.num_columns(); ++i) {
    const ColumnBuffer& c = src.column(i);
    auto& slots = slot_start_[i];
    auto& values = value_start_[i];
    slots.clear();
    values.clear();
    if (!has_levels(c)) continue;
    const auto& d = c.descriptor();
    auto def = c.def_levels();
    auto rep = c.rep_levels();
    slots.reserve(rows + 1);
    values.reserve(rows + 1);
    uint32_t v = 0;
    for (size_t s = 0; s < c.num_slots(); ++s) {
      if (d.max_rep == 0 || rep[s] == 0) {
        slots.push_back(static_cast<uint32_t>(s));
        values.push_back(v);
      }
      if (d.max_def == 0 || def[s] == d.max_def) ++v;
    }
    slots.push_back(static_cast<uint32_t>(c.num_slots()));
    values.push_back(v);
  }
}

void RowGather::copy(const columnar::RecordBatch& src, std::span<const uint32_t> rows,
                     columnar::RecordBatch& dst) const {
  for (size_t d = 0; d < columns_.size(); ++d) {
    const size_t s = columns_[d];
    const ColumnBuffer& in = src.column(s);
    ColumnBuffer& out = dst.column(d);
    size_t slots = out.num_slots(), values = out.num_values();
    if (!has_levels(in)) {
      size_t w = fixed_width(in);
      if (w) {
        Buffer& fixed = out.mutable_fixed();
        const uint8_t* base = in.fixed().data();
        for (uint32_t r : rows) fixed.append(base + static_cast<size_t>(r) * w, w);
      } else {
        for (uint32_t r : rows) copy_values(in, r, r + 1, out);
      }
      out.set_counts(slots + rows.size(), values + rows.size());
      continue;
    }
    const auto& d_desc = in.descriptor();
    const auto& ss = slot_start_[s];
    const auto& vs = value_start_[s];
    for (uint32_t r : rows) {
      size_t s0 = ss[r], s1 = ss[r + 1], v0 = vs[r], v1 = vs[r + 1];
      if (d_desc.max_def > 0)
        out.mutable_def_levels().append(in.def_levels().data() + s0, (s1 - s0) * sizeof(int16_t));
      if (d_desc.max_rep > 0)
        out.mutable_rep_levels().append(in.rep_levels().data() + s0, (s1 - s0) * sizeof(int16_t));
      copy_values(in, v0, v1, out);
      slots += s1 - s0;
      values += v1 - v0;
    }
    out.set_counts(slots, values);
  }
  dst.set_num_rows(dst.num_rows() + rows.size());
}

}  // namespace lakestream::stream
