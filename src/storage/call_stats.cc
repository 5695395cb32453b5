#include "storage/call_stats.h"

#include <fmt/format.h>

namespace lakestream::storage {
namespace {

std::string human_bytes(uint64_t b) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.1f} {}", v, kUnits[u]);
}

std::string human_latency(uint64_t us) {
  if (us < 1000) return fmt::format("{}µs", us);
  if (us < 1000000) return fmt::format("{:.1f}ms", static_cast<double>(us) / 1000);
  return fmt::format("{:.2f}s", static_cast<double>(us) / 1e6);
}

}  // namespace

std::string format_stats_table(const std::map<std::string, ApiStats>& stats) {
  std::string out = fmt::format("{:<26} {:>10} {:>10} {:>12} {:>12} {:>10}\n", "API", "CALLS",
                                "ERRORS", "RX", "TX", "AVG");
  ApiStats total;
  auto row = [&](std::string_view name, const ApiStats& s) {
    out += fmt::format("{:<26} {:>10} {:>10} {:>12} {:>12} {:>10}\n", name, s.calls, s.errors,
                       human_bytes(s.rx_bytes), human_bytes(s.tx_bytes),
                       human_latency(s.calls ? s.latency_us / s.calls : 0));
  };
  for (const auto& [api, s] : stats) {
    row(api, s);
    total += s;
  }
  row("TOTAL", total);
  return out;
}

}  // namespace lakestream::storage
