#include "storage/local_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <random>

namespace lakestream::storage {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::string_view kXattrPrefix = "user.lakestream.";

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// Times one operation into the store's CallStats on scope exit.
class Timed {
 public:
  Timed(CallStats& stats, std::string_view api) : stats_(stats), api_(api), t0_(Clock::now()) {}
  ~Timed() {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0_).count();
    stats_.record(api_, error, tx, rx, static_cast<uint64_t>(us));
  }
  bool error = true;  // set false on success
  uint64_t tx = 0, rx = 0;

 private:
  CallStats& stats_;
  std::string_view api_;
  Clock::time_point t0_;
};

std::string etag_of(const struct stat& st) {
  return fmt::format("{:x}-{:x}-{:x}", static_cast<uint64_t>(st.st_ino),
                     static_cast<uint64_t>(st.st_size),
                     static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                         static_cast<uint64_t>(st.st_mtim.tv_nsec));
}

int64_t mtime_ms(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

std::string dir_of(const std::string& path) { return path.substr(0, path.rfind('/')); }

Status mkdirs(const std::string& dir) {
  if (dir.empty()) return Status();
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status();
    return io_error(dir + ": exists and is not a directory");
  }
  LS_RETURN_IF_ERROR(mkdirs(dir_of(dir)));
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return errno_error("mkdir " + dir, errno);
  return Status();
}

Status fsync_dir(const std::string& dir) {
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.fd < 0) return errno_error("open " + dir, errno);
  if (::fsync(d.fd) != 0) return errno_error("fsync " + dir, errno);
  return Status();
}

bool is_temp_name(std::string_view name) {
  return name.starts_with(".") && name.find(".tmp-") != std::string_view::npos;
}

Status write_all(int fd, std::span<const uint8_t> data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("write " + path, errno);
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status();
}

// A unique temp path beside `path`, created with O_EXCL. Returns the fd.
Result<int> create_temp(const std::string& path, std::string* tmp) {
  std::random_device rd;
  std::string dir = dir_of(path);
  std::string base = path.substr(path.rfind('/') + 1);
  for (int i = 0; i < 16; ++i) {
    *tmp = fmt::format("{}/.{}.tmp-{:08x}{:08x}", dir, base, rd(), rd());
    int fd = ::open(tmp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) return fd;
    if (errno != EEXIST) return errno_error("create " + *tmp, errno);
  }
  return io_error("could not create a temp file beside " + path);
}

void set_metadata(const std::string& path, const std::map<std::string, std::string>& md) {
  for (const auto& [k, v] : md) {
    std::string name = std::string(kXattrPrefix) + k;
    // Best effort: filesystems without user xattrs (ENOTSUP) keep the bytes but not the metadata.
    (void)::setxattr(path.c_str(), name.c_str(), v.data(), v.size(), 0);
  }
}

std::map<std::string, std::string> get_metadata(const std::string& path) {
  std::map<std::string, std::string> md;
  ssize_t n = ::listxattr(path.c_str(), nullptr, 0);
  if (n <= 0) return md;
  std::string names(static_cast<size_t>(n), '\0');
  n = ::listxattr(path.c_str(), names.data(), names.size());
  if (n <= 0) return md;
  names.resize(static_cast<size_t>(n));
  for (size_t pos = 0; pos < names.size();) {
    std::string name(names.c_str() + pos);
    pos += name.size() + 1;
    if (!name.starts_with(kXattrPrefix)) continue;
    ssize_t vn = ::getxattr(path.c_str(), name.c_str(), nullptr, 0);
    if (vn < 0) continue;
    std::string value(static_cast<size_t>(vn), '\0');
    vn = ::getxattr(path.c_str(), name.c_str(), value.data(), value.size());
    if (vn < 0) continue;
    value.resize(static_cast<size_t>(vn));
    md[name.substr(kXattrPrefix.size())] = value;
  }
  return md;
}

void walk(const std::string& dir, const std::string& rel, std::vector<ObjectInfo>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::unique_ptr<DIR, int (*)(DIR*)> guard(d, ::closedir);
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || is_temp_name(name)) continue;
    std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) continue;
    std::string key = rel.empty() ? name : rel + "/" + name;
    if (S_ISDIR(st.st_mode)) {
      walk(path, key, out);
    } else if (S_ISREG(st.st_mode)) {
      ObjectInfo info;
      info.key = key;
      info.size = static_cast<uint64_t>(st.st_size);
      info.etag = etag_of(st);
      info.mtime_ms = mtime_ms(st);
      out->push_back(std::move(info));
    }
  }
}

// The file writer: temp file, published at close().
class LocalWriter final : public ObjectWriter {
 public:
  LocalWriter(LocalStore* store, std::string key, PutOptions options, int fd, std::string tmp)
      : store_(store),
        key_(std::move(key)),
        options_(std::move(options)),
        fd_(fd),
        tmp_(std::move(tmp)) {}
  ~LocalWriter() override {
    if (fd_.fd >= 0 || !tmp_.empty()) (void)abort();
  }
  Status write(std::span<const uint8_t> bytes) override {
    if (fd_.fd < 0) return internal_error("write after close/abort on " + store_->uri_of(key_));
    Status s = write_all(fd_.fd, bytes, tmp_);
    if (!s.ok()) {
      (void)abort();
      return s;
    }
    position_ += bytes.size();
    return Status();
  }
  uint64_t position() const override { return position_; }
  Status close() override {
    if (fd_.fd < 0) return tmp_.empty() ? Status() : internal_error("writer already failed");
    // One PutObject, as S3's single-part upload counts: the publish is the call.
    Timed t(store_->mutable_stats(), "PutObject");
    t.tx = position_;
    if (::fsync(fd_.fd) != 0) {
      Status s = errno_error("fsync " + tmp_, errno);
      (void)abort();
      return s;
    }
    ::close(fd_.fd);
    fd_.fd = -1;
    std::string tmp = std::move(tmp_);
    tmp_.clear();
    auto r = store_->publish(tmp, key_, options_);
    if (!r.ok()) return std::move(r).status();
    result_ = *r;
    t.error = false;
    return Status();
  }
  Status abort() override {
    if (fd_.fd >= 0) {
      ::close(fd_.fd);
      fd_.fd = -1;
    }
    if (!tmp_.empty()) {
      ::unlink(tmp_.c_str());
      tmp_.clear();
    }
    return Status();
  }
  const PutResult& result() const override { return result_; }

 private:
  LocalStore* store_;
  std::string key_;
  PutOptions options_;
  Fd fd_;
  std::string tmp_;
  uint64_t position_ = 0;
  PutResult result_;
};

}  // namespace

LocalStore::LocalStore(std::string root) : root_(std::move(root)), uri_("file://" + root_) {}

Result<std::unique_ptr<LocalStore>> LocalStore::open(std::string_view root) {
  std::string r(root);
  if (r.empty()) return invalid_argument("empty local store path");
  if (r.front() != '/') {
    char cwd[4096];
    if (!::getcwd(cwd, sizeof cwd)) return errno_error("getcwd", errno);
    r = std::string(cwd) + "/" + r;
  }
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  LS_RETURN_IF_ERROR(mkdirs(r));
  return std::unique_ptr<LocalStore>(new LocalStore(std::move(r)));
}

Result<std::string> LocalStore::path_of(std::string_view key) const {
  while (!key.empty() && key.front() == '/') key.remove_prefix(1);
  if (key.empty()) return invalid_argument("empty key in " + uri_);
  // Reject any ".." segment: keys must stay under the root.
  size_t pos = 0;
  while (pos <= key.size()) {
    size_t slash = key.find('/', pos);
    if (slash == std::string_view::npos) slash = key.size();
    std::string_view seg = key.substr(pos, slash - pos);
    if (seg == "..") return invalid_argument("key '" + std::string(key) + "' escapes " + uri_);
    pos = slash + 1;
  }
  return root_ + "/" + std::string(key);
}

std::string LocalStore::uri_of(std::string_view key) const {
  while (!key.empty() && key.front() == '/') key.remove_prefix(1);
  return uri_ + "/" + std::string(key);
}

Result<PutResult> LocalStore::publish(const std::string& tmp, std::string_view key,
                                      const PutOptions& o) {
  auto fail = [&](Status s) {
    ::unlink(tmp.c_str());
    return s;
  };
  auto path_r = path_of(key);
  if (!path_r.ok()) return fail(path_r.status());
  const std::string& path = *path_r;
  set_metadata(tmp, o.metadata);
  if (o.if_none_match) {
    // link(2) fails with EEXIST if the name exists: an atomic create-only publish.
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      int err = errno;
      if (err == EEXIST)
        return fail(precondition_failed(uri_of(key) + ": already exists (create-only write)"));
      return fail(errno_error("link " + path, err));
    }
    ::unlink(tmp.c_str());
  } else {
    if (!o.if_match_etag.empty()) {
      struct stat st;
      if (::stat(path.c_str(), &st) != 0)
        return fail(precondition_failed(uri_of(key) + ": does not exist (If-Match)"));
      if (etag_of(st) != o.if_match_etag)
        return fail(precondition_failed(uri_of(key) + ": ETag " + etag_of(st) + " does not match " +
                                        o.if_match_etag));
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno_error("rename " + path, errno));
  }
  LS_RETURN_IF_ERROR(fsync_dir(dir_of(path)));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return errno_error("stat " + path, errno);
  return PutResult{etag_of(st), ""};
}

Result<PutResult> LocalStore::put_impl(std::string_view key, std::span<const uint8_t> body,
                                       const PutOptions& o) {
  LS_ASSIGN_OR_RETURN(std::string path, path_of(key));
  LS_RETURN_IF_ERROR(mkdirs(dir_of(path)));
  std::string tmp;
  LS_ASSIGN_OR_RETURN(int raw_fd, create_temp(path, &tmp));
  Fd fd(raw_fd);
  Status s = write_all(fd.fd, body, tmp);
  if (s.ok() && ::fsync(fd.fd) != 0) s = errno_error("fsync " + tmp, errno);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return publish(tmp, key, o);
}

Result<PutResult> LocalStore::put(std::string_view key, std::span<const uint8_t> body,
                                  const PutOptions& o) {
  Timed t(stats_, "PutObject");
  t.tx = body.size();
  auto r = put_impl(key, body, o);
  t.error = !r.ok();
  return r;
}

Result<Buffer> LocalStore::get(std::string_view key, uint64_t offset, uint64_t length) {
  Timed t(stats_, "GetObject");
  LS_ASSIGN_OR_RETURN(std::string path, path_of(key));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) {
    if (errno == ENOENT || errno == EISDIR) return not_found(uri_of(key) + ": no such object");
    return errno_error("open " + path, errno);
  }
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) return errno_error("stat " + path, errno);
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset > size || (offset == size && offset > 0))
    return invalid_argument(uri_of(key) + ": range start " + std::to_string(offset) +
                            " beyond size " + std::to_string(size));
  uint64_t n = length > 0 ? std::min(length, size - offset) : size - offset;
  Buffer buf;
  buf.resize(n);
  uint64_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd.fd, buf.data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_error("read " + path, errno);
    }
    if (r == 0) break;
    done += static_cast<uint64_t>(r);
  }
  buf.resize(done);
  t.rx = done;
  t.error = false;
  return buf;
}

Result<ObjectInfo> LocalStore::head(std::string_view key) {
  Timed t(stats_, "HeadObject");
  LS_ASSIGN_OR_RETURN(std::string path, path_of(key));
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return not_found(uri_of(key) + ": no such object");
    return errno_error("stat " + path, errno);
  }
  if (!S_ISREG(st.st_mode)) return not_found(uri_of(key) + ": no such object (a directory)");
  ObjectInfo info;
  info.key = std::string(key);
  info.size = static_cast<uint64_t>(st.st_size);
  info.etag = etag_of(st);
  info.mtime_ms = mtime_ms(st);
  info.metadata = get_metadata(path);
  t.error = false;
  return info;
}

Result<ListResult> LocalStore::list(const ListOptions& o) {
  Timed t(stats_, "ListObjectsV2");
  std::vector<ObjectInfo> all;
  // Walk only the deepest directory the prefix names ("_commits/" -> root/_commits), not the tree.
  std::string base;
  if (size_t slash = o.prefix.rfind('/');
      slash != std::string::npos && o.prefix.find("..") == std::string::npos)
    base = o.prefix.substr(0, slash);
  walk(base.empty() ? root_ : root_ + "/" + base, base, &all);
  std::sort(all.begin(), all.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  ListResult out;
  for (auto& info : all) {
    if (!info.key.starts_with(o.prefix)) continue;
    if (!o.start_after.empty() && info.key <= o.start_after) continue;
    if (!o.delimiter.empty()) {
      size_t d = info.key.find(o.delimiter, o.prefix.size());
      if (d != std::string::npos) {
        std::string cp = info.key.substr(0, d + o.delimiter.size());
        if (out.common_prefixes.empty() || out.common_prefixes.back() != cp)
          out.common_prefixes.push_back(std::move(cp));
        continue;
      }
    }
    if (o.max_keys > 0 && out.objects.size() >= o.max_keys) break;
    out.objects.push_back(std::move(info));
  }
  t.error = false;
  return out;
}

Result<std::vector<ObjectInfo>> LocalStore::list_versions(std::string_view prefix) {
  ListOptions o;
  o.prefix = std::string(prefix);
  LS_ASSIGN_OR_RETURN(ListResult r, list(o));
  return std::move(r.objects);
}

Status LocalStore::remove(const ObjectRef& ref) {
  Timed t(stats_, "DeleteObject");
  LS_ASSIGN_OR_RETURN(std::string path, path_of(ref.key));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink " + path, errno);
  t.error = false;
  return Status();
}

Status LocalStore::remove_many(std::span<const ObjectRef> refs) {
  Timed t(stats_, "DeleteObjects");
  for (const auto& ref : refs) {
    LS_ASSIGN_OR_RETURN(std::string path, path_of(ref.key));
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errno_error("unlink " + path, errno);
  }
  t.error = false;
  return Status();
}

Status LocalStore::copy(std::string_view from_key, std::string_view to_key) {
  Timed t(stats_, "CopyObject");
  LS_ASSIGN_OR_RETURN(std::string from, path_of(from_key));
  Fd fd(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) {
    if (errno == ENOENT) return not_found(uri_of(from_key) + ": no such object");
    return errno_error("open " + from, errno);
  }
  Buffer buf;
  uint8_t chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(fd.fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("read " + from, errno);
    }
    if (n == 0) break;
    buf.append(chunk, static_cast<size_t>(n));
  }
  PutOptions o;
  o.metadata = get_metadata(from);
  LS_RETURN_IF_ERROR(put_impl(to_key, buf.span(), o).status());
  t.error = false;
  return Status();
}

Result<std::unique_ptr<ObjectWriter>> LocalStore::open_writer(std::string_view key,
                                                              const PutOptions& options) {
  LS_ASSIGN_OR_RETURN(std::string path, path_of(key));
  LS_RETURN_IF_ERROR(mkdirs(dir_of(path)));
  std::string tmp;
  LS_ASSIGN_OR_RETURN(int fd, create_temp(path, &tmp));
  return std::unique_ptr<ObjectWriter>(
      std::make_unique<LocalWriter>(this, std::string(key), options, fd, std::move(tmp)));
}

}  // namespace lakestream::storage
