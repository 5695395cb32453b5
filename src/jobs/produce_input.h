// Input files of the produce job: resolving what the user named, and reading bytes from each
// (gzip and zstd decompressed on the fly, detected by their magic bytes).
//
//   a file            that file
//   a directory       its regular files, sorted by name
//   a glob            the matching files, sorted ("data/2017-*.csv.gz")
//   a path prefix     the files in its directory whose name starts with it ("data/yellow_")
//   s3:// or s3a://   not in this build yet (Unimplemented)
// Not thread-safe; one ByteSource per reading thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace lakestream::jobs {

struct InputFile {
  std::string path;
  uint64_t size = 0;  // bytes on disk (compressed size for compressed files)
};

// Expands every spec as above, in order, without duplicates. Errors: NotFound naming a spec that
// matches nothing, Unimplemented for object-store URIs.
Result<std::vector<InputFile>> resolve_inputs(const std::vector<std::string>& specs);

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

}  // namespace lakestream::jobs
