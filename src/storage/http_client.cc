#include "storage/http_client.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace lakestream::storage {
namespace {

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Exchange {
  std::span<const uint8_t> body;
  size_t sent = 0;
  HttpResponse* response = nullptr;
};

size_t read_cb(char* dst, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t want = std::min(size * n, ex->body.size() - ex->sent);
  std::memcpy(dst, ex->body.data() + ex->sent, want);
  ex->sent += want;
  return want;
}

// Lets curl rewind the body when it must resend (redirects, auth negotiation).
int seek_cb(void* user, curl_off_t offset, int origin) {
  auto* ex = static_cast<Exchange*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<size_t>(offset) > ex->body.size())
    return CURL_SEEKFUNC_CANTSEEK;
  ex->sent = static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t write_cb(char* src, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  ex->response->body.append(src, size * n);
  return size * n;
}

size_t header_cb(char* src, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  std::string_view line(src, size * n);
  if (line.starts_with("HTTP/")) {
    ex->response->headers.clear();  // a new response (after 100-continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
    value.remove_suffix(1);
  ex->response->headers.emplace_back(std::move(name), std::string(value));
  return size * n;
}

}  // namespace

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

HttpClient::HttpClient(HttpClientOptions options) : options_(std::move(options)) {}
HttpClient::~HttpClient() = default;

HttpClient::Handle HttpClient::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      Handle h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  return Handle(curl_easy_init());
}

void HttpClient::release(Handle h) {
  std::lock_guard lock(mu_);
  if (idle_.size() < options_.max_idle_handles) idle_.push_back(std::move(h));
}

Result<HttpResponse> HttpClient::perform(const HttpRequest& req, TransportFailure* failure,
                                         uint64_t* tx, uint64_t* rx) {
  *failure = TransportFailure::kNone;
  *tx = *rx = 0;
  Handle h = acquire();
  if (!h) return internal_error("curl_easy_init failed");
  CURL* c = h.get();
  curl_easy_reset(c);  // keeps the connection cache, clears last request's options

  HttpResponse response;
  Exchange ex{req.body, 0, &response};
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const auto& [k, v] : req.headers) {
    std::string line = k + ": " + v;
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  }
  // curl would add "Expect: 100-continue" for large bodies: one more round trip per PUT.
  headers.reset(curl_slist_append(headers.release(), "Expect:"));

  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &ex);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "lakestream/0.1");
  // curl's detail ("unable to get local issuer certificate") says more than its error code.
  char detail[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
  if (!options_.ca_bundle.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_bundle.c_str());

  if (req.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (req.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    // PUT/POST/DELETE with an explicit body (possibly empty) and Content-Length.
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
    curl_easy_setopt(c, CURLOPT_READDATA, &ex);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, seek_cb);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &ex);
    if (req.method != "PUT") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req.method.c_str());
  }

  CURLcode rc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);  // `detail` dies before the handle
  *tx = ex.sent;
  *rx = response.body.size();
  if (rc != CURLE_OK) {
    // A failed handle may hold a broken connection; let it go rather than pool it.
    std::string what = std::string(curl_easy_strerror(rc));
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
        rc == CURLE_COULDNT_RESOLVE_PROXY) {
      *failure = TransportFailure::kNotSent;
      return unavailable("cannot connect: " + what);
    }
    *failure = TransportFailure::kMaybeApplied;
    if (rc == CURLE_OPERATION_TIMEDOUT) return timeout_error("request timed out: " + what);
    if (rc == CURLE_SSL_CACERT || rc == CURLE_PEER_FAILED_VERIFICATION ||
        rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CONNECT_ERROR) {
      *failure = TransportFailure::kNotSent;
      if (detail[0] != '\0') what = detail;
      return permission_denied(
          "TLS failure: " + what +
          (options_.ca_bundle.empty()
               ? std::string(" (a private CA? pass its PEM with --s3-ca-bundle or AWS_CA_BUNDLE)")
               : " (CA bundle " + options_.ca_bundle + ")"));
    }
    return unavailable("connection failed: " + what);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  release(std::move(h));
  return response;
}

}  // namespace lakestream::storage
