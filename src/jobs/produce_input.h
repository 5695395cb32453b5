// Input files of the produce job: resolving what the user named, and reading bytes from each
// (gzip and zstd decompressed on the fly, detected by their magic bytes).
//
//   a file            that file
//   a directory       its regular files, sorted by name
//   a glob            the matching files, sorted ("data/2017-*.csv.gz")
//   a path prefix     the files in its directory whose name starts with it ("data/yellow_")
//   s3:// or s3a://   the object with that key, or else every object under that key prefix,
//                     sorted; read with parallel ranged GETs (storage/object_store.h)
// Not thread-safe; one ByteSource per reading thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "storage/object_store.h"

namespace lakestream::jobs {

struct InputFile {
  std::string path;   // local path, or the full s3:// URI (for messages)
  uint64_t size = 0;  // bytes stored (compressed size for compressed files)
  // Object-store inputs: the store (rooted at the bucket) and the key in it.
  std::shared_ptr<storage::ObjectStore> store;
  std::string key;
};

// Expands every spec as above, in order, without duplicates. Errors: NotFound naming a spec that
// matches nothing; for s3:// specs, the store's errors (PermissionDenied, Unavailable, ...).
Result<std::vector<InputFile>> resolve_inputs(const std::vector<std::string>& specs,
                                              const storage::S3Options& s3 = {});

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n decompressed bytes into buf; 0 means end of input. Errors: IoError naming the
  // file, InvalidData for a corrupt compressed stream.
  virtual Result<size_t> read(uint8_t* buf, size_t n) = 0;
  // Bytes consumed from the underlying file so far (for progress against InputFile::size).
  virtual uint64_t raw_bytes_read() const = 0;
};

// Opens `path`, wrapping it in a gzip (1f 8b) or zstd (28 b5 2f fd) decoder when its first bytes
// say so. Errors: IoError naming the file.
Result<std::unique_ptr<ByteSource>> open_input(const std::string& path);
// Opens an input as resolved above: local files as open_input(path), objects through their
// store with up to `parallel_gets` ranged GETs of `range_bytes` in flight (then decompressed as
// for files).
Result<std::unique_ptr<ByteSource>> open_input(const InputFile& input, size_t range_bytes = 8 << 20,
                                               unsigned parallel_gets = 4);

}  // namespace lakestream::jobs
