// Page compression: SNAPPY, ZSTD, GZIP, LZ4_RAW (or none), with reusable codec state.
//
// One Compressor per column writer thread; compress() appends to a caller-owned Buffer so page
// buffers are reused across pages. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "common/buffer.h"
#include "common/status.h"
#include "parquet/writer.h"

namespace lakestream::parquet {

class Compressor {
 public:
  // Errors: kInvalidArgument for an unknown codec or a level out of range.
  static Result<std::unique_ptr<Compressor>> make(Compression codec, int level);
  virtual ~Compressor() = default;
  // Appends the compressed form of `in` to `out`. Errors: kInternal when the codec fails.
  virtual Status compress(std::span<const uint8_t> in, Buffer& out) = 0;
  virtual Compression codec() const = 0;
};

}  // namespace lakestream::parquet
