#include "parquet/encoding.h"

#include <algorithm>
#include <cstring>

#include "parquet/thrift_compact.h"

namespace lakestream::parquet {
namespace {

// Packs 8 values of W bits into W bytes, LSB first. W is a constant, so the loop unrolls into
// shifts and ors with no branches.
template <int W>
inline void pack8(const uint32_t* v, uint8_t* out) {
  uint64_t acc = 0;
  int bits = 0;
  int o = 0;
#pragma GCC unroll 8
  for (int k = 0; k < 8; ++k) {
    acc |= static_cast<uint64_t>(v[k]) << bits;
    bits += W;
    while (bits >= 8) {  // resolved at compile time after unrolling
      out[o++] = static_cast<uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
}

using Pack8Fn = void (*)(const uint32_t*, uint8_t*);

template <int... Ws>
constexpr auto make_pack_table(std::integer_sequence<int, Ws...>) {
  return std::array<Pack8Fn, sizeof...(Ws)>{&pack8<Ws>...};
}
constexpr auto kPack8 = make_pack_table(std::make_integer_sequence<int, 33>{});

// Generic 64-bit packer for DELTA_BINARY_PACKED miniblocks (widths up to 64).
void pack_u64(const uint64_t* v, size_t n, int width, Buffer& out) {
  if (width == 0) return;
  size_t nbytes = (n * width + 7) / 8;
  uint8_t* p = out.prepare(nbytes);
  std::memset(p, 0, nbytes);
  size_t bitpos = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t x = v[i];
    int remaining = width;
    while (remaining > 0) {
      size_t byte = bitpos >> 3;
      int off = static_cast<int>(bitpos & 7);
      int take = std::min(8 - off, remaining);
      p[byte] |= static_cast<uint8_t>((x & ((1u << take) - 1)) << off);
      x >>= take;
      remaining -= take;
      bitpos += take;
    }
  }
  out.commit(nbytes);
}

inline void put_rle_run(Buffer& out, uint32_t value, size_t count, int width) {
  thrift::put_uvarint(out, static_cast<uint64_t>(count) << 1);
  int nbytes = (width + 7) / 8;
  for (int b = 0; b < nbytes; ++b) out.push_back(static_cast<uint8_t>(value >> (8 * b)));
}

template <typename T>
size_t run_length(const T* v, size_t i, size_t n) {
  size_t j = i + 1;
  while (j < n && v[j] == v[i]) ++j;
  return j - i;
}

template <typename T>
void hybrid(const T* v, size_t n, int width, Buffer& out) {
  Pack8Fn pack = kPack8[width];
  uint32_t group[8];
  size_t i = 0;
  while (i < n) {
    size_t run = run_length(v, i, n);
    if (run >= 8 || i + run == n) {
      put_rle_run(out, static_cast<uint32_t>(v[i]), run, width);
      i += run;
      continue;
    }
    // Bit-packed section: whole groups of 8 until a group starts a run of >= 8 values.
    size_t start = i;
    size_t groups = 0;
    do {
      ++groups;
      i += 8;
    } while (i < n && run_length(v, i, std::min(n, i + 8)) < 8);
    size_t end = std::min(i, n);
    thrift::put_uvarint(out, (groups << 1) | 1);
    uint8_t* p = out.prepare(groups * width);
    for (size_t g = 0; g < groups; ++g) {
      size_t base = start + g * 8;
      for (int k = 0; k < 8; ++k) {
        size_t idx = base + k;
        group[k] = idx < end ? static_cast<uint32_t>(v[idx]) : 0;
      }
      pack(group, p + g * width);
    }
    out.commit(groups * width);
    i = end;
  }
}

template <typename T, typename U>
void delta_encode(std::span<const T> values, Buffer& out) {
  constexpr size_t kBlock = 128, kMini = 4, kPerMini = kBlock / kMini;
  thrift::put_uvarint(out, kBlock);
  thrift::put_uvarint(out, kMini);
  thrift::put_uvarint(out, values.size());
  thrift::put_uvarint(out, thrift::zigzag(values.empty() ? 0 : static_cast<int64_t>(values[0])));
  if (values.size() <= 1) return;
  uint64_t deltas[kBlock];
  size_t i = 1;
  while (i < values.size()) {
    size_t n = std::min(kBlock, values.size() - i);
    // Deltas wrap in the value's own width, as readers compute them.
    int64_t min_delta = 0;
    U d[kBlock];
    for (size_t k = 0; k < n; ++k) {
      d[k] = static_cast<U>(values[i + k]) - static_cast<U>(values[i + k - 1]);
      using S = std::make_signed_t<U>;
      int64_t sd = static_cast<S>(d[k]);
      if (k == 0 || sd < min_delta) min_delta = sd;
    }
    thrift::put_uvarint(out, thrift::zigzag(min_delta));
    for (size_t k = 0; k < n; ++k) deltas[k] = static_cast<U>(d[k] - static_cast<U>(min_delta));
    for (size_t k = n; k < kBlock; ++k) deltas[k] = 0;
    uint8_t widths[kMini] = {0, 0, 0, 0};
    size_t minis = (n + kPerMini - 1) / kPerMini;
    for (size_t m = 0; m < minis; ++m) {
      uint64_t mx = 0;
      for (size_t k = 0; k < kPerMini; ++k) mx |= deltas[m * kPerMini + k];
      widths[m] = static_cast<uint8_t>(bit_width(mx));
    }
    out.append(widths, kMini);
    for (size_t m = 0; m < minis; ++m) pack_u64(deltas + m * kPerMini, kPerMini, widths[m], out);
    i += n;
  }
}

}  // namespace

void rle_hybrid_encode(std::span<const uint32_t> values, int width, Buffer& out) {
  hybrid(values.data(), values.size(), width, out);
}

void rle_hybrid_encode_levels(std::span<const int16_t> levels, int width, Buffer& out) {
  hybrid(levels.data(), levels.size(), width, out);
}

void plain_encode_bools(std::span<const uint8_t> values, Buffer& out) {
  size_t nbytes = (values.size() + 7) / 8;
  uint8_t* p = out.prepare(nbytes);
  size_t full = values.size() / 8;
  for (size_t g = 0; g < full; ++g) {
    const uint8_t* v = values.data() + g * 8;
    p[g] = static_cast<uint8_t>(v[0] | v[1] << 1 | v[2] << 2 | v[3] << 3 | v[4] << 4 | v[5] << 5 |
                                v[6] << 6 | v[7] << 7);
  }
  if (full < nbytes) {
    uint8_t b = 0;
    for (size_t k = full * 8; k < values.size(); ++k) b |= values[k] << (k - full * 8);
    p[full] = b;
  }
  out.commit(nbytes);
}

void delta_binary_packed_encode(std::span<const int32_t> values, Buffer& out) {
  delta_encode<int32_t, uint32_t>(values, out);
}
void delta_binary_packed_encode(std::span<const int64_t> values, Buffer& out) {
  delta_encode<int64_t, uint64_t>(values, out);
}

void byte_stream_split_encode(std::span<const uint8_t> data, size_t width, Buffer& out) {
  size_t n = data.size() / width;
  uint8_t* p = out.prepare(data.size());
  for (size_t k = 0; k < width; ++k) {
    uint8_t* s = p + k * n;
    for (size_t i = 0; i < n; ++i) s[i] = data[i * width + k];
  }
  out.commit(data.size());
}

}  // namespace lakestream::parquet
