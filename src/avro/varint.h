// Avro's zig-zag varints and little-endian scalars (internal to the avro module).
#pragma once

#include <cstdint>
#include <cstring>

#include "common/buffer.h"

namespace lakestream::avro::detail {

inline int64_t zigzag_decode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}
inline uint64_t zigzag_encode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

enum class VarintResult : uint8_t { kOk, kTruncated, kTooLong };

// Reads an unsigned varint of at most 10 bytes at *p (< end), advancing *p. Bits beyond 64 in a
// 10th byte are dropped, as the reference implementations do.
inline VarintResult read_varint(const uint8_t*& p, const uint8_t* end, uint64_t& out) {
  if (end - p >= 10) {
    // Fast path: no bounds checks inside the loop.
    uint64_t b = *p++;
    if (b < 0x80) {
      out = b;
      return VarintResult::kOk;
    }
    uint64_t r = b & 0x7f;
    for (int shift = 7; shift < 70; shift += 7) {
      b = *p++;
      r |= (b & 0x7f) << shift;
      if (b < 0x80) {
        out = r;
        return VarintResult::kOk;
      }
    }
    return VarintResult::kTooLong;
  }
  uint64_t r = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p >= end) return VarintResult::kTruncated;
    uint64_t b = *p++;
    r |= (b & 0x7f) << shift;
    if (b < 0x80) {
      out = r;
      return VarintResult::kOk;
    }
  }
  return VarintResult::kTooLong;
}

// Writes the zig-zag varint of v into dst (room for 10 bytes); returns the bytes written.
inline size_t put_long(uint8_t* dst, int64_t v) {
  uint64_t z = zigzag_encode(v);
  size_t n = 0;
  while (z >= 0x80) {
    dst[n++] = static_cast<uint8_t>(z | 0x80);
    z >>= 7;
  }
  dst[n++] = static_cast<uint8_t>(z);
  return n;
}

inline void write_long(Buffer& out, int64_t v) {
  uint8_t* d = out.prepare(10);
  out.commit(put_long(d, v));
}

inline void write_bytes(Buffer& out, const void* p, size_t n) {
  uint8_t* d = out.prepare(10 + n);
  size_t k = put_long(d, static_cast<int64_t>(n));
  if (n) std::memcpy(d + k, p, n);
  out.commit(k + n);
}

}  // namespace lakestream::avro::detail
