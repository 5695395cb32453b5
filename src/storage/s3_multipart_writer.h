// The ObjectWriter of S3Store: streams an object as a multipart upload with bounded memory.
//
// Bytes collect in a part buffer; each full part is uploaded on its own thread while writing goes
// on, with at most `multipart_concurrency` parts in flight (write() blocks on the oldest when the
// limit is reached), so memory stays at about (concurrency + 1) x part size. The upload is created
// with the first full part; an object that never fills one part is sent by close() as a single
// PutObject. Any failure (a part, the completion) aborts the upload: nothing dangles. Errors are
// sticky. Not thread-safe (one writer per thread).
#pragma once

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "storage/s3_store.h"

namespace lakestream::storage {

class S3MultipartWriter final : public ObjectWriter {
 public:
  S3MultipartWriter(S3Store* store, std::string key, PutOptions options);
  ~S3MultipartWriter() override;  // aborts when neither closed nor aborted

  Status write(std::span<const uint8_t> bytes) override;
  uint64_t position() const override { return position_; }
  Status close() override;
  Status abort() override;
  const PutResult& result() const override { return result_; }

  // The upload id once the first part went out (tests use it to look for leftovers).
  const std::string& upload_id() const { return upload_id_; }

 private:
  struct InFlight {
    int number;
    std::unique_ptr<Buffer> data;
    std::future<Result<std::string>> etag;
  };
  Status send_current_part();
  Status wait_oldest();
  Status fail(Status s);  // aborts the upload, remembers s

  S3Store* store_;
  std::string key_;
  PutOptions options_;
  size_t part_size_;
  size_t max_in_flight_;
  std::unique_ptr<Buffer> current_;
  std::vector<std::unique_ptr<Buffer>> spare_;
  std::vector<InFlight> in_flight_;  // oldest first
  std::vector<PartInfo> parts_;
  std::string upload_id_;
  uint64_t position_ = 0;
  int next_part_ = 1;
  Status error_;
  bool finished_ = false;  // closed or aborted
  PutResult result_;
};

}  // namespace lakestream::storage
