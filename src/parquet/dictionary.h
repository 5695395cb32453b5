// Dictionary builders for RLE_DICTIONARY: value -> index with an open-addressing hash table.
//
// FixedDictionary keys fixed-width values by their bits (so -0.0 and 0.0, or NaNs with different
// payloads, are distinct entries, as PLAIN would write them); BytesDictionary keys byte strings
// (BYTE_ARRAY, or FIXED_LEN_BYTE_ARRAY when `fixed_length` > 0) and owns copies of them. Both grow
// by doubling at 50% load and keep their memory across clear(). Not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "common/buffer.h"

namespace lakestream::parquet {

inline uint64_t hash_mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

inline uint64_t hash_bytes(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0x9E3779B97F4A7C15ULL;
  }
  return hash_mix(h);
}

template <typename T>
class FixedDictionary {
 public:
  FixedDictionary() { rehash(1024); }

  // Index of `v`, inserting it if new.
  uint32_t insert(T v) {
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    size_t i = slot_of(bits);
    while (true) {
      int32_t s = slots_[i];
      if (s < 0) break;
      if (std::memcmp(&values_[s], &v, sizeof(T)) == 0) return static_cast<uint32_t>(s);
      i = (i + 1) & mask_;
    }
    auto idx = static_cast<int32_t>(values_.size());
    slots_[i] = idx;
    values_.push_back(v);
    if (values_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
    return static_cast<uint32_t>(idx);
  }
  size_t size() const { return values_.size(); }
  size_t plain_size() const { return values_.size() * sizeof(T); }
  // Heap bytes held (values and hash slots, at capacity).
  size_t memory_bytes() const {
    return values_.capacity() * sizeof(T) + slots_.capacity() * sizeof(int32_t);
  }
  void encode_plain(Buffer& out) const { out.append(values_.data(), plain_size()); }
  void clear() {
    values_.clear();
    std::fill(slots_.begin(), slots_.end(), -1);
  }

 private:
  // Fibonacci hashing: one multiply, the high bits pick the slot (they depend on every key bit,
  // so doubles whose low mantissa bits are all zero still spread).
  size_t slot_of(uint64_t bits) const {
    return static_cast<size_t>((bits * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  void rehash(size_t cap) {
    slots_.assign(cap, -1);
    mask_ = cap - 1;
    shift_ = 64 - __builtin_ctzll(cap);
    for (size_t k = 0; k < values_.size(); ++k) {
      uint64_t bits = 0;
      std::memcpy(&bits, &values_[k], sizeof(T));
      size_t i = slot_of(bits);
      while (slots_[i] >= 0) i = (i + 1) & mask_;
      slots_[i] = static_cast<int32_t>(k);
    }
  }
  std::vector<T> values_;
  std::vector<int32_t> slots_;
  size_t mask_ = 0;
  int shift_ = 54;
};

class BytesDictionary {
 public:
  explicit BytesDictionary(int32_t fixed_length) : fixed_length_(fixed_length) { rehash(1024); }

  uint32_t insert(std::string_view v) {
    // The slot keeps the hash bits it was placed by, so rehash() moves entries without hashing
    // their bytes again.
    auto h32 = static_cast<uint32_t>(hash_bytes(v) >> 32);
    size_t i = h32 & mask_;
    while (true) {
      const Slot& s = slots_[i];
      if (s.index < 0) break;
      if (s.hash == h32 && at(static_cast<size_t>(s.index)) == v)
        return static_cast<uint32_t>(s.index);
      i = (i + 1) & mask_;
    }
    auto idx = static_cast<int32_t>(starts_.size());
    slots_[i] = {idx, h32};
    starts_.push_back(static_cast<uint32_t>(bytes_.size()));
    bytes_.append(v);
    plain_size_ += v.size() + (fixed_length_ > 0 ? 0 : 4);
    if (starts_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
    return static_cast<uint32_t>(idx);
  }
  size_t size() const { return starts_.size(); }
  size_t plain_size() const { return plain_size_; }
  // Heap bytes held (value bytes, starts and hash slots, at capacity).
  size_t memory_bytes() const {
    return bytes_.capacity() + starts_.capacity() * sizeof(uint32_t) +
           slots_.capacity() * sizeof(Slot);
  }
  std::string_view at(size_t i) const {
    size_t end = i + 1 < starts_.size() ? starts_[i + 1] : bytes_.size();
    return {reinterpret_cast<const char*>(bytes_.data()) + starts_[i], end - starts_[i]};
  }
  void encode_plain(Buffer& out) const {
    if (fixed_length_ > 0) {
      out.append(bytes_.data(), bytes_.size());
      return;
    }
    for (size_t i = 0; i < starts_.size(); ++i) {
      auto v = at(i);
      out.append_value(static_cast<uint32_t>(v.size()));
      out.append(v);
    }
  }
  void clear() {
    starts_.clear();
    bytes_.clear();
    plain_size_ = 0;
    std::fill(slots_.begin(), slots_.end(), Slot{});
  }

 private:
  struct Slot {
    int32_t index = -1;
    uint32_t hash = 0;
  };
  void rehash(size_t cap) {
    std::vector<Slot> old(cap, Slot{});
    old.swap(slots_);
    mask_ = cap - 1;
    for (const Slot& s : old) {
      if (s.index < 0) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].index >= 0) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }
  int32_t fixed_length_;
  std::vector<uint32_t> starts_;
  Buffer bytes_;
  size_t plain_size_ = 0;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace lakestream::parquet
