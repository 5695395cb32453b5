// Prometheus metrics: counters, gauges and histograms with labels, rendered in the text exposition
// format (version 0.0.4) that `promtool check metrics` accepts.
//
// A Registry is owned by a job and passed down (no global registry). Families are created once at
// start-up (`counter("lakestream_rows_total", "Rows written")`) and return stable pointers; updating
// a series is a lock-free atomic add on the hot path after the first lookup of its label values.
// All methods are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace lakestream::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

// A monotonically increasing value (or a gauge: set/add may go down).
class Series {
 public:
  void add(double v) {
    double cur = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
    }
  }
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Family {
 public:
  enum class Kind { kCounter, kGauge };
  Family(std::string name, std::string help, Kind kind)
      : name_(std::move(name)), help_(std::move(help)), kind_(kind) {}
  // The series for these label values, created at 0 on first use. The pointer stays valid.
  Series* with(const Labels& labels = {});
  void render(std::string& out) const;
  // Removes every series (e.g. per-partition gauges after a rebalance).
  void clear();

 private:
  std::string name_, help_;
  Kind kind_;
  mutable std::mutex mu_;
  std::map<Labels, std::unique_ptr<Series>> series_;
};

// Cumulative histogram with fixed upper bounds (seconds, bytes, ...).
class Histogram {
 public:
  Histogram(std::string name, std::string help, std::vector<double> bounds);
  void observe(double v);
  void render(std::string& out) const;

 private:
  std::string name_, help_;
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bucket (non-cumulative), last = +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Registry {
 public:
  // Names must match [a-zA-Z_:][a-zA-Z0-9_:]*; counters should end in _total.
  Family* counter(const std::string& name, const std::string& help);
  Family* gauge(const std::string& name, const std::string& help);
  Histogram* histogram(const std::string& name, const std::string& help, std::vector<double> bounds);
  // The whole registry in the Prometheus text format.
  std::string render() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;
  std::vector<std::unique_ptr<Histogram>> histograms_;
};

// Escapes a label value per the exposition format (backslash, quote, newline).
std::string escape_label_value(const std::string& v);
// Formats a sample value: integers without a decimal point, +Inf/-Inf/NaN spelled as Prometheus does.
std::string format_value(double v);

}  // namespace lakestream::metrics
