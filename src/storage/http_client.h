// A small HTTP/1.1 client on libcurl with a pool of reusable easy handles (keep-alive connections).
//
// One perform() is one request/response exchange: no retries here (S3Store decides what is safe to
// retry). Thread-safe: perform() may be called from many threads; each call borrows a handle from
// the pool and returns it, so connections are reused across calls and threads.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/buffer.h"
#include "common/status.h"

namespace lakestream::storage {

struct HttpRequest {
  std::string method;  // GET, PUT, POST, DELETE, HEAD
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::span<const uint8_t> body;  // must stay valid during perform()
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  Buffer body;
  // First header with that (lower-case) name, or "".
  std::string header(std::string_view name) const;
};

struct HttpClientOptions {
  int connect_timeout_ms = 5000;
  int request_timeout_ms = 60000;
  std::string ca_bundle;  // PEM file; empty = system default
  size_t max_idle_handles = 16;
};

// How far a failed exchange got: decides whether a non-idempotent request may be retried.
enum class TransportFailure {
  kNone,
  kNotSent,      // could not resolve/connect: the server never saw the request
  kMaybeApplied  // failed after sending started (reset, timeout): the server may have acted
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends the request. An HTTP error status is a successful exchange (check response.status).
  // Transport failures return kUnavailable (connection refused/reset, DNS) or kTimeout, with
  // curl's explanation; `failure` says whether the request may have reached the server.
  // `tx`/`rx` receive the body bytes sent and received (also on failure).
  Result<HttpResponse> perform(const HttpRequest& request, TransportFailure* failure, uint64_t* tx,
                               uint64_t* rx);

 private:
  struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
  };
  using Handle = std::unique_ptr<CURL, CurlDeleter>;
  Handle acquire();
  void release(Handle h);

  HttpClientOptions options_;
  std::mutex mu_;
  std::vector<Handle> idle_;
};

}  // namespace lakestream::storage
