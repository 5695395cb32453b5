#include "common/status.h"

#include <cstring>

namespace lakestream {

std::string_view status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kInvalidData: return "InvalidData";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kAlreadyExists: return "AlreadyExists";
    case StatusCode::kPreconditionFailed: return "PreconditionFailed";
    case StatusCode::kPermissionDenied: return "PermissionDenied";
    case StatusCode::kUnavailable: return "Unavailable";
    case StatusCode::kTimeout: return "Timeout";
    case StatusCode::kIoError: return "IoError";
    case StatusCode::kDataLoss: return "DataLoss";
    case StatusCode::kCancelled: return "Cancelled";
    case StatusCode::kUnimplemented: return "Unimplemented";
    case StatusCode::kInternal: return "Internal";
  }
  return "Unknown";
}

Status& Status::with_context(std::string_view where) & {
  if (!ok()) {
    std::string framed(where);
    framed += ": ";
    framed += message_;
    message_ = std::move(framed);
  }
  return *this;
}

std::string Status::to_string() const {
  if (ok()) return "OK";
  std::string out(status_code_name(code_));
  out += ": ";
  out += message_;
  return out;
}

Status errno_error(std::string_view what, int err) {
  std::string m(what);
  m += ": ";
  m += std::strerror(err);
  return io_error(std::move(m));
}

}  // namespace lakestream
