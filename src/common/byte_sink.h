// Where encoded bytes go: a local file, a multipart upload, a memory buffer.
//
// Writers of formats (Parquet) depend on this interface only, never on storage, so the same writer
// streams to disk or S3. Implementations live in storage/ (files, S3 multipart) and here (memory).
#pragma once

#include <cstdint>
#include <span>

#include "common/buffer.h"
#include "common/status.h"

namespace lakestream {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Appends bytes. May buffer; errors may surface here or at close().
  virtual Status write(std::span<const uint8_t> bytes) = 0;
  // Bytes accepted so far.
  virtual uint64_t position() const = 0;
  // Makes everything written durable/visible (fsync + rename, CompleteMultipartUpload). After a
  // failed close the destination holds no partial object.
  virtual Status close() = 0;
  // Gives up: removes any partial output (temp file, AbortMultipartUpload). Safe after close().
  virtual Status abort() = 0;
};

// Collects everything in memory (tests, small objects before a single PUT).
class MemorySink final : public ByteSink {
 public:
  Status write(std::span<const uint8_t> bytes) override {
    buffer_.append(bytes.data(), bytes.size());
    return Status();
  }
  uint64_t position() const override { return buffer_.size(); }
  Status close() override { return Status(); }
  Status abort() override {
    buffer_.clear();
    return Status();
  }
  const Buffer& buffer() const { return buffer_; }
  Buffer take() { return std::move(buffer_); }

 private:
  Buffer buffer_;
};

}  // namespace lakestream
