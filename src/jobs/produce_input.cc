#include "jobs/produce_input.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <future>
#include <set>

#include "common/buffer.h"
#include "storage/store_uri.h"

namespace lakestream::jobs {
namespace {

namespace fs = std::filesystem;

// The undecoded bytes of one input and its name for messages.
class RawSource : public ByteSource {
 public:
  virtual const std::string& path() const = 0;
};

class FileSource final : public RawSource {
 public:
  FileSource(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileSource() override { ::close(fd_); }
  Result<size_t> read(uint8_t* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        raw_ += static_cast<uint64_t>(r);
        return static_cast<size_t>(r);
      }
      if (errno != EINTR) return errno_error(path_, errno);
    }
  }
  uint64_t raw_bytes_read() const override { return raw_; }
  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
  uint64_t raw_ = 0;
};

// Reads compressed input through a buffer that starts with the bytes already peeked.
class CompressedSource : public ByteSource {
 public:
  CompressedSource(std::unique_ptr<RawSource> file, Buffer peeked)
      : file_(std::move(file)), in_(std::move(peeked)) {}
  uint64_t raw_bytes_read() const override { return file_->raw_bytes_read(); }

 protected:
  // Makes sure unread input is available; false at end of file.
  Result<bool> fill() {
    if (pos_ < in_.size()) return true;
    in_.resize(1 << 20);
    LS_ASSIGN_OR_RETURN(size_t n, file_->read(in_.data(), in_.size()));
    in_.resize(n);
    pos_ = 0;
    return n > 0;
  }
  std::unique_ptr<RawSource> file_;
  Buffer in_;
  size_t pos_ = 0;
};

class GzipSource final : public CompressedSource {
 public:
  GzipSource(std::unique_ptr<RawSource> file, Buffer peeked)
      : CompressedSource(std::move(file), std::move(peeked)) {
    std::memset(&z_, 0, sizeof(z_));
    inflateInit2(&z_, 15 + 32);  // gzip or zlib header
  }
  ~GzipSource() override { inflateEnd(&z_); }
  Result<size_t> read(uint8_t* buf, size_t n) override {
    while (!done_) {
      LS_ASSIGN_OR_RETURN(bool more, fill());
      if (!more) {
        if (!clean_end_) {
          return invalid_data(fmt::format("{}: truncated gzip stream", file_->path()));
        }
        done_ = true;
        break;
      }
      z_.next_in = in_.data() + pos_;
      z_.avail_in = static_cast<uInt>(in_.size() - pos_);
      z_.next_out = buf;
      z_.avail_out = static_cast<uInt>(n);
      int rc = inflate(&z_, Z_NO_FLUSH);
      pos_ = in_.size() - z_.avail_in;
      size_t produced = n - z_.avail_out;
      if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
        return invalid_data(fmt::format("{}: corrupt gzip stream ({})", file_->path(),
                                        z_.msg ? z_.msg : "inflate failed"));
      }
      // Concatenated gzip members (as `cat a.gz b.gz` makes) continue the same stream; the
      // input may end only right after a member's end.
      clean_end_ = rc == Z_STREAM_END;
      if (clean_end_) inflateReset(&z_);
      if (produced > 0) return produced;
    }
    return size_t{0};
  }

 private:
  z_stream z_;
  bool done_ = false;
  bool clean_end_ = false;
};

class ZstdSource final : public CompressedSource {
 public:
  ZstdSource(std::unique_ptr<RawSource> file, Buffer peeked)
      : CompressedSource(std::move(file), std::move(peeked)), d_(ZSTD_createDStream()) {
    ZSTD_initDStream(d_);
  }
  ~ZstdSource() override { ZSTD_freeDStream(d_); }
  Result<size_t> read(uint8_t* buf, size_t n) override {
    for (;;) {
      LS_ASSIGN_OR_RETURN(bool more, fill());
      if (!more) {
        if (last_hint_ != 0) {
          return invalid_data(fmt::format("{}: truncated zstd stream", file_->path()));
        }
        return size_t{0};
      }
      ZSTD_inBuffer in{in_.data(), in_.size(), pos_};
      ZSTD_outBuffer out{buf, n, 0};
      size_t hint = ZSTD_decompressStream(d_, &out, &in);
      if (ZSTD_isError(hint)) {
        return invalid_data(
            fmt::format("{}: corrupt zstd stream ({})", file_->path(), ZSTD_getErrorName(hint)));
      }
      last_hint_ = hint;
      pos_ = in.pos;
      if (out.pos > 0) return out.pos;
    }
  }

 private:
  ZSTD_DStream* d_;
  size_t last_hint_ = 0;
};

// An object read with ranged GETs, several in flight, delivered in order.
class ObjectSource final : public RawSource {
 public:
  ObjectSource(const InputFile& in, size_t range, unsigned parallel)
      : store_(in.store),
        key_(in.key),
        path_(in.path),
        size_(in.size),
        range_(range),
        parallel_(std::max(1u, parallel)) {}
  ~ObjectSource() override {
    for (auto& f : pending_) f.wait();
  }
  Result<size_t> read(uint8_t* buf, size_t n) override {
    if (pos_ == cur_.size()) {
      while (pending_.size() < parallel_ && next_offset_ < size_) {
        const uint64_t off = next_offset_;
        const uint64_t len = std::min<uint64_t>(range_, size_ - off);
        next_offset_ += len;
        pending_.push_back(std::async(std::launch::async, [store = store_, key = key_, off, len] {
          return store->get(key, off, len);
        }));
      }
      if (pending_.empty()) return size_t{0};
      Result<Buffer> r = pending_.front().get();
      pending_.pop_front();
      if (!r.ok()) return std::move(r).status().with_context(path_);
      cur_ = std::move(*r);
      pos_ = 0;
      if (cur_.empty()) return invalid_data(fmt::format("{}: object shorter than listed", path_));
    }
    const size_t k = std::min(n, cur_.size() - pos_);
    std::memcpy(buf, cur_.data() + pos_, k);
    pos_ += k;
    raw_ += k;
    return k;
  }
  uint64_t raw_bytes_read() const override { return raw_; }
  const std::string& path() const override { return path_; }

 private:
  std::shared_ptr<storage::ObjectStore> store_;
  std::string key_;
  std::string path_;
  uint64_t size_;
  size_t range_;
  unsigned parallel_;
  uint64_t next_offset_ = 0;
  std::deque<std::future<Result<Buffer>>> pending_;
  Buffer cur_;
  size_t pos_ = 0;
  uint64_t raw_ = 0;
};

Result<std::unique_ptr<ByteSource>> wrap_decoder(std::unique_ptr<RawSource> file);

bool is_object_uri(const std::string& s) {
  return s.starts_with("s3://") || s.starts_with("s3a://");
}

void add_file(const fs::path& p, std::vector<InputFile>* out, std::set<std::string>* seen) {
  std::error_code ec;
  std::string s = p.string();
  if (!seen->insert(s).second) return;
  out->push_back({s, static_cast<uint64_t>(fs::file_size(p, ec))});
}

}  // namespace

Result<std::vector<InputFile>> resolve_inputs(const std::vector<std::string>& specs,
                                              const storage::S3Options& s3) {
  std::vector<InputFile> out;
  std::set<std::string> seen;
  for (const std::string& spec : specs) {
    if (is_object_uri(spec)) {
      LS_ASSIGN_OR_RETURN(storage::StoreUri u, storage::parse_store_uri(spec));
      LS_ASSIGN_OR_RETURN(std::unique_ptr<storage::ObjectStore> st,
                          storage::open_store("s3://" + u.bucket, s3));
      std::shared_ptr<storage::ObjectStore> store(std::move(st));
      const std::string scheme = spec.substr(0, spec.find("://") + 3);
      auto add = [&](const storage::ObjectInfo& info) {
        std::string uri = scheme + u.bucket + "/" + info.key;
        if (seen.insert(uri).second) out.push_back({uri, info.size, store, info.key});
      };
      Result<storage::ObjectInfo> one = u.path.empty()
                                            ? Result<storage::ObjectInfo>(not_found("bucket root"))
                                            : store->head(u.path);
      if (one.ok()) {
        one->key = u.path;
        add(*one);
        continue;
      }
      if (one.status().code() != StatusCode::kNotFound) return std::move(one).status();
      storage::ListOptions lo;
      lo.prefix = u.path;
      LS_ASSIGN_OR_RETURN(storage::ListResult listed, store->list(lo));
      size_t before = out.size();
      for (const auto& info : listed.objects) {
        if (!info.key.empty() && info.key.back() != '/') add(info);
      }
      if (out.size() == before) return not_found(fmt::format("input {}: no objects", spec));
      continue;
    }
    std::string path = spec.starts_with("file://") ? spec.substr(7) : spec;
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (fs::is_regular_file(st) || fs::is_fifo(st) || fs::is_character_file(st)) {
      add_file(path, &out, &seen);
      continue;
    }
    std::vector<fs::path> found;
    if (fs::is_directory(st)) {
      for (const auto& e : fs::directory_iterator(path, ec)) {
        if (e.is_regular_file()) found.push_back(e.path());
      }
    } else if (path.find_first_of("*?[") != std::string::npos) {
      glob_t g;
      if (::glob(path.c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          if (fs::is_regular_file(g.gl_pathv[i], ec)) found.emplace_back(g.gl_pathv[i]);
        }
      }
      globfree(&g);
    } else {
      // A prefix: the files of its directory whose names start with its last component.
      fs::path p(path);
      fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
      std::string stem = p.filename().string();
      if (!stem.empty() && fs::is_directory(dir, ec)) {
        for (const auto& e : fs::directory_iterator(dir, ec)) {
          if (e.is_regular_file() && e.path().filename().string().starts_with(stem)) {
            found.push_back(e.path());
          }
        }
      }
    }
    if (found.empty())
      return not_found(fmt::format("input {}: no such file or no files match", spec));
    std::sort(found.begin(), found.end());
    for (const auto& f : found) add_file(f, &out, &seen);
  }
  if (out.empty()) return invalid_argument("no input given (--input or INPUT_PATH)");
  return out;
}

Result<std::unique_ptr<ByteSource>> open_input(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error(path, errno);
  return wrap_decoder(std::make_unique<FileSource>(fd, path));
}

Result<std::unique_ptr<ByteSource>> open_input(const InputFile& input, size_t range_bytes,
                                               unsigned parallel_gets) {
  if (!input.store) return open_input(input.path);
  return wrap_decoder(std::make_unique<ObjectSource>(input, range_bytes, parallel_gets));
}

namespace {

Result<std::unique_ptr<ByteSource>> wrap_decoder(std::unique_ptr<RawSource> file) {
  // Peek at the magic bytes; whatever was read is handed to the decoder (or replayed).
  Buffer head;
  head.resize(4);
  size_t got = 0;
  while (got < 4) {
    LS_ASSIGN_OR_RETURN(size_t n, file->read(head.data() + got, 4 - got));
    if (n == 0) break;
    got += n;
  }
  head.resize(got);
  const uint8_t* h = head.data();
  if (got >= 2 && h[0] == 0x1f && h[1] == 0x8b) {
    return std::unique_ptr<ByteSource>(new GzipSource(std::move(file), std::move(head)));
  }
  if (got >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd) {
    return std::unique_ptr<ByteSource>(new ZstdSource(std::move(file), std::move(head)));
  }
  // Plain: replay the peeked bytes so the CSV reader sees every byte.
  class Replay final : public ByteSource {
   public:
    Replay(std::unique_ptr<RawSource> f, Buffer head) : f_(std::move(f)), head_(std::move(head)) {}
    Result<size_t> read(uint8_t* buf, size_t n) override {
      if (pos_ < head_.size()) {
        size_t k = std::min(n, head_.size() - pos_);
        std::memcpy(buf, head_.data() + pos_, k);
        pos_ += k;
        return k;
      }
      return f_->read(buf, n);
    }
    uint64_t raw_bytes_read() const override { return f_->raw_bytes_read(); }

   private:
    std::unique_ptr<RawSource> f_;
    Buffer head_;
    size_t pos_ = 0;
  };
  return std::unique_ptr<ByteSource>(new Replay(std::move(file), std::move(head)));
}

}  // namespace

}  // namespace lakestream::jobs
