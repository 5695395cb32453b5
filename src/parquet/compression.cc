#include "parquet/compression.h"

#include <lz4.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <string>

namespace lakestream::parquet {
namespace {

class NoneCompressor final : public Compressor {
 public:
  Status compress(std::span<const uint8_t> in, Buffer& out) override {
    out.append(in.data(), in.size());
    return Status();
  }
  Compression codec() const override { return Compression::kUncompressed; }
};

class SnappyCompressor final : public Compressor {
 public:
  Status compress(std::span<const uint8_t> in, Buffer& out) override {
    size_t cap = snappy_max_compressed_length(in.size());
    char* p = reinterpret_cast<char*>(out.prepare(cap));
    if (snappy_compress(reinterpret_cast<const char*>(in.data()), in.size(), p, &cap) != SNAPPY_OK)
      return internal_error("snappy: compression failed");
    out.commit(cap);
    return Status();
  }
  Compression codec() const override { return Compression::kSnappy; }
};

struct ZstdCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

class ZstdCompressor final : public Compressor {
 public:
  explicit ZstdCompressor(int level) : level_(level), ctx_(ZSTD_createCCtx()) {}
  Status compress(std::span<const uint8_t> in, Buffer& out) override {
    size_t cap = ZSTD_compressBound(in.size());
    uint8_t* p = out.prepare(cap);
    size_t n = ZSTD_compressCCtx(ctx_.get(), p, cap, in.data(), in.size(), level_);
    if (ZSTD_isError(n)) return internal_error(std::string("zstd: ") + ZSTD_getErrorName(n));
    out.commit(n);
    return Status();
  }
  Compression codec() const override { return Compression::kZstd; }

 private:
  int level_;
  std::unique_ptr<ZSTD_CCtx, ZstdCtxDeleter> ctx_;
};

class GzipCompressor final : public Compressor {
 public:
  explicit GzipCompressor(int level) : level_(level) {}
  ~GzipCompressor() override {
    if (init_) deflateEnd(&zs_);
  }
  Status compress(std::span<const uint8_t> in, Buffer& out) override {
    if (!init_) {
      zs_ = {};
      // windowBits 15 + 16: gzip framing, which Parquet's GZIP codec means.
      if (deflateInit2(&zs_, level_, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return internal_error("gzip: deflateInit2 failed");
      init_ = true;
    } else if (deflateReset(&zs_) != Z_OK) {
      return internal_error("gzip: deflateReset failed");
    }
    size_t cap = deflateBound(&zs_, in.size()) + 32;
    uint8_t* p = out.prepare(cap);
    zs_.next_in = const_cast<Bytef*>(in.data());
    zs_.avail_in = static_cast<uInt>(in.size());
    zs_.next_out = p;
    zs_.avail_out = static_cast<uInt>(cap);
    if (deflate(&zs_, Z_FINISH) != Z_STREAM_END) return internal_error("gzip: deflate failed");
    out.commit(cap - zs_.avail_out);
    return Status();
  }
  Compression codec() const override { return Compression::kGzip; }

 private:
  int level_;
  bool init_ = false;
  z_stream zs_{};
};

class Lz4RawCompressor final : public Compressor {
 public:
  Status compress(std::span<const uint8_t> in, Buffer& out) override {
    int cap = LZ4_compressBound(static_cast<int>(in.size()));
    char* p = reinterpret_cast<char*>(out.prepare(static_cast<size_t>(cap)));
    int n = LZ4_compress_default(reinterpret_cast<const char*>(in.data()), p,
                                 static_cast<int>(in.size()), cap);
    if (n <= 0 && !in.empty()) return internal_error("lz4: compression failed");
    out.commit(static_cast<size_t>(n));
    return Status();
  }
  Compression codec() const override { return Compression::kLz4Raw; }
};

}  // namespace

Result<std::unique_ptr<Compressor>> Compressor::make(Compression codec, int level) {
  switch (codec) {
    case Compression::kUncompressed:
      return std::unique_ptr<Compressor>(new NoneCompressor());
    case Compression::kSnappy:
      return std::unique_ptr<Compressor>(new SnappyCompressor());
    case Compression::kZstd:
      if (level < 1 || level > ZSTD_maxCLevel())
        return invalid_argument("zstd level must be 1.." + std::to_string(ZSTD_maxCLevel()) +
                                ", got " + std::to_string(level));
      return std::unique_ptr<Compressor>(new ZstdCompressor(level));
    case Compression::kGzip:
      if (level < 1)
        return invalid_argument("gzip level must be >= 1, got " + std::to_string(level));
      return std::unique_ptr<Compressor>(new GzipCompressor(std::min(level, 9)));
    case Compression::kLz4Raw:
      return std::unique_ptr<Compressor>(new Lz4RawCompressor());
  }
  return invalid_argument("unknown compression codec " + std::to_string(static_cast<int>(codec)));
}

}  // namespace lakestream::parquet
