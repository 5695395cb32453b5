#include "parquet/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>

namespace lakestream::parquet {

namespace {
constexpr size_t kFlushAt = 1 << 20;
}

Result<std::unique_ptr<LocalFileSink>> LocalFileSink::create(const std::string& path) {
  // A random suffix and O_EXCL keep concurrent writers of the same path (or a stale temp file)
  // from sharing a temp file.
  std::random_device rd;
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return std::unique_ptr<LocalFileSink>(new LocalFileSink(path, std::move(tmp), fd));
    if (errno != EEXIST) return errno_error("create " + tmp, errno);
  }
  return io_error("create a temp file next to " + path + ": names kept colliding");
}

LocalFileSink::~LocalFileSink() {
  if (fd_ >= 0) (void)abort();
}

Status LocalFileSink::write(std::span<const uint8_t> bytes) {
  if (fd_ < 0) return io_error("write to closed file " + path_);
  position_ += bytes.size();
  if (pending_.size() + bytes.size() < kFlushAt) {
    pending_.append(bytes.data(), bytes.size());
    return Status();
  }
  LS_RETURN_IF_ERROR(drain());
  return write_all(bytes.data(), bytes.size());
}

Status LocalFileSink::write_all(const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return errno_error("write " + tmp_, errno);
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status();
}

Status LocalFileSink::drain() {
  LS_RETURN_IF_ERROR(write_all(pending_.data(), pending_.size()));
  pending_.clear();
  return Status();
}

Status LocalFileSink::close() {
  if (fd_ < 0) return io_error("close of closed file " + path_);
  Status st = drain();
  if (st.ok() && ::fsync(fd_) != 0) st = errno_error("fsync " + tmp_, errno);
  if (::close(fd_) != 0 && st.ok()) st = errno_error("close " + tmp_, errno);
  fd_ = -1;
  if (st.ok() && std::rename(tmp_.c_str(), path_.c_str()) != 0)
    st = errno_error("rename " + tmp_ + " to " + path_, errno);
  if (!st.ok()) ::unlink(tmp_.c_str());
  return st;
}

Status LocalFileSink::abort() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(tmp_.c_str());
  }
  return Status();
}

}  // namespace lakestream::parquet
