#include "storage/s3_multipart_writer.h"

#include <algorithm>
#include <cstring>

namespace lakestream::storage {

S3MultipartWriter::S3MultipartWriter(S3Store* store, std::string key, PutOptions options)
    : store_(store),
      key_(std::move(key)),
      options_(std::move(options)),
      // S3 parts are 5 MiB .. 5 GiB (except the last).
      part_size_(std::max<size_t>(store->options().multipart_part_size, 5u << 20)),
      max_in_flight_(static_cast<size_t>(std::max(1, store->options().multipart_concurrency))),
      current_(std::make_unique<Buffer>()) {}

S3MultipartWriter::~S3MultipartWriter() {
  if (!finished_) (void)abort();
}

Status S3MultipartWriter::write(std::span<const uint8_t> bytes) {
  if (!error_.ok()) return error_;
  if (finished_) return internal_error("write after close/abort on " + store_->uri_of(key_));
  while (!bytes.empty()) {
    if (current_->capacity() < part_size_) current_->reserve(part_size_);
    size_t n = std::min(bytes.size(), part_size_ - current_->size());
    current_->append(bytes.data(), n);
    bytes = bytes.subspan(n);
    position_ += n;
    if (current_->size() == part_size_) LS_RETURN_IF_ERROR(send_current_part());
  }
  return Status();
}

Status S3MultipartWriter::send_current_part() {
  if (upload_id_.empty()) {
    auto id = store_->create_multipart(key_, options_);
    if (!id.ok()) return fail(std::move(id).status());
    upload_id_ = *id;
  }
  while (in_flight_.size() >= max_in_flight_) LS_RETURN_IF_ERROR(wait_oldest());
  InFlight f;
  f.number = next_part_++;
  f.data = std::move(current_);
  // std::async(launch::async) gives each part an owned thread, joined by the future.
  const Buffer* data = f.data.get();
  f.etag = std::async(std::launch::async,
                      [store = store_, key = key_, id = upload_id_, n = f.number, data] {
                        return store->upload_part(key, id, n, data->span());
                      });
  in_flight_.push_back(std::move(f));
  if (!spare_.empty()) {
    current_ = std::move(spare_.back());
    spare_.pop_back();
    current_->clear();
  } else {
    current_ = std::make_unique<Buffer>();
  }
  return Status();
}

Status S3MultipartWriter::wait_oldest() {
  InFlight f = std::move(in_flight_.front());
  in_flight_.erase(in_flight_.begin());
  Result<std::string> etag = f.etag.get();
  if (!etag.ok()) return fail(std::move(etag).status());
  parts_.push_back({f.number, *etag, f.data->size()});
  spare_.push_back(std::move(f.data));
  return Status();
}

Status S3MultipartWriter::fail(Status s) {
  error_ = s;
  // Let running parts finish (their threads hold pointers into our buffers), then abort.
  for (auto& f : in_flight_) (void)f.etag.get();
  in_flight_.clear();
  if (!upload_id_.empty()) {
    Status a = store_->abort_multipart(key_, upload_id_);
    if (!a.ok())
      error_.with_context("abort of upload " + upload_id_ + " also failed (" + a.message() + ")");
  }
  finished_ = true;
  return error_;
}

Status S3MultipartWriter::close() {
  if (!error_.ok()) return error_;
  if (finished_) return Status();
  if (upload_id_.empty()) {
    // Less than one part: a single PutObject (conditional options apply as for put()).
    auto r = store_->put(key_, current_->span(), options_);
    finished_ = true;
    if (!r.ok()) return error_ = std::move(r).status();
    result_ = *r;
    return Status();
  }
  if (!current_->empty()) LS_RETURN_IF_ERROR(send_current_part());
  while (!in_flight_.empty()) LS_RETURN_IF_ERROR(wait_oldest());
  if (options_.if_none_match) {
    // Servers that ignore If-None-Match on CompleteMultipartUpload (RGW 16.2) still get a check,
    // best effort (not atomic with the completion).
    auto h = store_->head(key_);
    if (h.ok())
      return fail(precondition_failed("S3 CompleteMultipartUpload " + store_->uri_of(key_) +
                                      ": object exists (create-only write)"));
    if (h.status().code() != StatusCode::kNotFound) return fail(h.status());
  }
  auto r = store_->complete_multipart(key_, upload_id_, parts_, options_);
  if (!r.ok()) return fail(std::move(r).status());
  result_ = *r;
  finished_ = true;
  return Status();
}

Status S3MultipartWriter::abort() {
  if (finished_) return Status();
  for (auto& f : in_flight_) (void)f.etag.get();
  in_flight_.clear();
  finished_ = true;
  if (upload_id_.empty()) return Status();
  return store_->abort_multipart(key_, upload_id_);
}

}  // namespace lakestream::storage
