// Per-API call accounting: the numbers behind the S3-call tables.
//
// Each store records, for every API it calls (PutObject, GetObject, HeadObject, ListObjectsV2,
// CopyObject, DeleteObject, DeleteObjects, CreateMultipartUpload, UploadPart, ...; local stores use
// the same names for the equivalent operations), the number of calls, errors, bytes sent and
// received and total latency. Thread-safe; cheap enough to call on every request.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace lakestream::storage {

struct ApiStats {
  uint64_t calls = 0;
  uint64_t errors = 0;
  uint64_t tx_bytes = 0;  // request bodies sent
  uint64_t rx_bytes = 0;  // response bodies received
  uint64_t latency_us = 0;
  ApiStats& operator+=(const ApiStats& o) {
    calls += o.calls;
    errors += o.errors;
    tx_bytes += o.tx_bytes;
    rx_bytes += o.rx_bytes;
    latency_us += o.latency_us;
    return *this;
  }
};

class CallStats {
 public:
  void record(std::string_view api, bool error, uint64_t tx, uint64_t rx, uint64_t latency_us) {
    std::lock_guard lock(mu_);
    ApiStats& s = by_api_[std::string(api)];
    ++s.calls;
    if (error) ++s.errors;
    s.tx_bytes += tx;
    s.rx_bytes += rx;
    s.latency_us += latency_us;
  }
  std::map<std::string, ApiStats> snapshot() const {
    std::lock_guard lock(mu_);
    return by_api_;
  }
  uint64_t total_calls() const {
    std::lock_guard lock(mu_);
    uint64_t n = 0;
    for (const auto& [api, s] : by_api_) n += s.calls;
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, ApiStats> by_api_;
};

// A table like `mc admin trace --stats`: API, CALLS, ERRORS, RX, TX, AVG latency, and a total row.
std::string format_stats_table(const std::map<std::string, ApiStats>& stats);

}  // namespace lakestream::storage
