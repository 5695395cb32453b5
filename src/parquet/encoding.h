// Value and level encodings of Parquet data pages.
//
// Spec: https://github.com/apache/parquet-format/blob/master/Encodings.md
// - RLE/bit-packed hybrid: definition/repetition levels and dictionary indices.
// - PLAIN booleans (bit-packed LSB first).
// - DELTA_BINARY_PACKED for INT32/INT64 (blocks of 128 values, 4 miniblocks of 32).
// - BYTE_STREAM_SPLIT for fixed-width values.
// All functions append to `out` and are allocation-free once `out` has capacity. Bit-packing runs
// groups of 8 values through width-specialised code (no per-value branches).
#pragma once

#include <cstdint>
#include <span>

#include "common/buffer.h"

namespace lakestream::parquet {

// Bits needed for values 0..max_value (0 for max_value == 0).
inline int bit_width(uint64_t max_value) {
  return max_value == 0 ? 0 : 64 - __builtin_clzll(max_value);
}

// Appends the RLE/bit-packed hybrid encoding of `values` (each < 2^width, width 0..32), without
// a length prefix. A trailing partial bit-packed group is zero-padded (readers stop at the value
// count they know from the page header).
void rle_hybrid_encode(std::span<const uint32_t> values, int width, Buffer& out);
// Same for levels (int16 values).
void rle_hybrid_encode_levels(std::span<const int16_t> levels, int width, Buffer& out);

// PLAIN BOOLEAN: one bit per value, LSB first; `values` holds 0/1 bytes.
void plain_encode_bools(std::span<const uint8_t> values, Buffer& out);

// DELTA_BINARY_PACKED over int32 (deltas wrap in 32 bits) or int64 values.
void delta_binary_packed_encode(std::span<const int32_t> values, Buffer& out);
void delta_binary_packed_encode(std::span<const int64_t> values, Buffer& out);

// BYTE_STREAM_SPLIT: `data` holds n values of `width` bytes each; stream k gets byte k of every
// value.
void byte_stream_split_encode(std::span<const uint8_t> data, size_t width, Buffer& out);

}  // namespace lakestream::parquet
