// Errors as values across module boundaries.
//
// Every fallible function that crosses a module boundary returns `Status` or `Result<T>`. A Status
// carries a code (what kind of failure, so callers can decide to retry, skip or stop), a message
// that says what went wrong, and context frames ("partition 3", "offset 812", "s3://b/k") added
// as the error travels up. The CLI turns a failed Status into one line and a non-zero exit.
//
// Modeled on Arrow's Status/Result and absl::Status; no exceptions cross module APIs.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace lakestream {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // the caller passed something unusable (bad flag, bad schema)
  kInvalidData,         // input bytes are malformed (bad Avro, broken CSV row, corrupt file)
  kNotFound,            // object, key, topic or partition does not exist
  kAlreadyExists,       // create-only operation found the target present
  kPreconditionFailed,  // conditional write lost (HTTP 412); another writer won
  kPermissionDenied,    // credentials rejected (HTTP 403)
  kUnavailable,         // transient: server down, 5xx, throttled; safe to retry where idempotent
  kTimeout,             // a deadline passed
  kIoError,             // local I/O failure (disk full, EIO)
  kDataLoss,            // records vanished (Kafka retention) or committed state is inconsistent
  kCancelled,           // stopped on request (SIGINT/SIGTERM)
  kUnimplemented,       // not supported by this build or this server
  kInternal,            // a bug: an invariant did not hold
};

// Short stable name of a code, e.g. "InvalidData".
std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  // The message with all context frames, outermost first: "partition 3: offset 812: truncated".
  const std::string& message() const { return message_; }

  // Prefixes the message with a context frame ("where"); a no-op on OK. Returns *this for chaining.
  Status& with_context(std::string_view where) &;
  Status&& with_context(std::string_view where) && { return std::move(with_context(where)); }

  // "InvalidData: partition 3: offset 812: truncated record".
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Convenience constructors, one per code.
inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status invalid_data(std::string m) { return {StatusCode::kInvalidData, std::move(m)}; }
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status precondition_failed(std::string m) {
  return {StatusCode::kPreconditionFailed, std::move(m)};
}
inline Status permission_denied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status timeout_error(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }
inline Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status data_loss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// io_error from errno: "<what>: <strerror(err)>".
Status errno_error(std::string_view what, int err);

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                    // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {              // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result constructed from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  Status status() && { return ok() ? Status() : std::move(std::get<Status>(v_)); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace lakestream

#define LS_CONCAT_INNER_(a, b) a##b
#define LS_CONCAT_(a, b) LS_CONCAT_INNER_(a, b)

// Returns the Status from the enclosing function if `expr` (a Status) is not OK.
#define LS_RETURN_IF_ERROR(expr)                              \
  do {                                                        \
    ::lakestream::Status ls_status_ = (expr);                 \
    if (!ls_status_.ok()) return ls_status_;                  \
  } while (0)

// Like LS_RETURN_IF_ERROR, adding a context frame on the way out.
#define LS_RETURN_IF_ERROR_CTX(expr, ctx)                     \
  do {                                                        \
    ::lakestream::Status ls_status_ = (expr);                 \
    if (!ls_status_.ok()) return ls_status_.with_context(ctx); \
  } while (0)

// `LS_ASSIGN_OR_RETURN(auto x, f());` declares x from a Result, or returns its Status.
#define LS_ASSIGN_OR_RETURN(lhs, rexpr) \
  LS_ASSIGN_OR_RETURN_IMPL_(LS_CONCAT_(ls_result_, __LINE__), lhs, rexpr)
#define LS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                              \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()
