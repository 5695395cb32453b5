// A ByteSink writing a local file atomically: bytes go to "<path>.tmp-<pid>-<random>", close()
// fsyncs and renames it over `path`, abort() removes it. Used by `convert`, tests and benchmarks
// (the storage module has its own sinks for object stores). Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/buffer.h"
#include "common/byte_sink.h"

namespace lakestream::parquet {

class LocalFileSink final : public ByteSink {
 public:
  // Creates the temp file next to `path`. Error: kIoError with the path and errno text.
  static Result<std::unique_ptr<LocalFileSink>> create(const std::string& path);
  ~LocalFileSink() override;

  Status write(std::span<const uint8_t> bytes) override;
  uint64_t position() const override { return position_; }
  Status close() override;
  Status abort() override;

 private:
  LocalFileSink(std::string path, std::string tmp, int fd)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}
  Status drain();
  // write(2) until all n bytes are out, retrying EINTR and short writes.
  Status write_all(const uint8_t* p, size_t n);
  std::string path_, tmp_;
  int fd_ = -1;
  uint64_t position_ = 0;
  Buffer pending_;  // coalesces small writes (page headers) into large write(2) calls
};

}  // namespace lakestream::parquet
