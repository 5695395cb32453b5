// A growable byte buffer that does not zero-initialise on growth.
//
// std::vector<uint8_t>::resize() writes zeros the hot paths overwrite at once; this buffer grows
// geometrically and leaves new bytes uninitialised, so appending a value costs a bounds check and
// a memcpy. Used for column values, encoded pages and Kafka payload batches. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>

namespace lakestream {

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t capacity) { reserve(capacity); }
  Buffer(const Buffer& other) { append(other.data(), other.size()); }
  Buffer& operator=(const Buffer& other) {
    if (this != &other) {
      clear();
      append(other.data(), other.size());
    }
    return *this;
  }
  Buffer(Buffer&& other) noexcept
      : data_(std::move(other.data_)), size_(other.size_), capacity_(other.capacity_) {
    other.size_ = other.capacity_ = 0;
  }
  Buffer& operator=(Buffer&& other) noexcept {
    data_ = std::move(other.data_);
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.size_ = other.capacity_ = 0;
    return *this;
  }

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> span() const { return {data_.get(), size_}; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_.get()), size_}; }

  // Keeps the allocation; size becomes 0.
  void clear() { size_ = 0; }
  void reserve(size_t n) {
    if (n > capacity_) grow_to(n);
  }
  // New bytes (if any) are uninitialised.
  void resize(size_t n) {
    reserve(n);
    size_ = n;
  }
  // Makes room for n more bytes and returns a pointer to them; call commit(k) after writing k <= n.
  uint8_t* prepare(size_t n) {
    if (size_ + n > capacity_) grow_to(size_ + n);
    return data_.get() + size_;
  }
  void commit(size_t n) { size_ += n; }

  void append(const void* p, size_t n) {
    if (n == 0) return;
    std::memcpy(prepare(n), p, n);
    size_ += n;
  }
  void append(std::string_view s) { append(s.data(), s.size()); }
  void push_back(uint8_t b) {
    if (size_ == capacity_) grow_to(size_ + 1);
    data_.get()[size_++] = b;
  }
  // Appends the object representation of a trivially copyable value (little-endian on our targets).
  template <typename T>
  void append_value(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    append(&v, sizeof(T));
  }

  // Reinterprets the contents as an array of T (size() must be a multiple of sizeof(T)).
  template <typename T>
  std::span<const T> as() const {
    return {reinterpret_cast<const T*>(data_.get()), size_ / sizeof(T)};
  }
  template <typename T>
  std::span<T> as_mutable() {
    return {reinterpret_cast<T*>(data_.get()), size_ / sizeof(T)};
  }

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  void grow_to(size_t n) {
    size_t cap = capacity_ ? capacity_ : 64;
    while (cap < n) cap += cap / 2 + 64;
    // realloc keeps 16-byte alignment, enough for every value type we store.
    auto* p = static_cast<uint8_t*>(std::realloc(data_.get(), cap));
    if (!p) throw std::bad_alloc();
    (void)data_.release();
    data_.reset(p);
    capacity_ = cap;
  }

  std::unique_ptr<uint8_t, FreeDeleter> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace lakestream
