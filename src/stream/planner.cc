#include "stream/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace lakestream::stream {

Result<StartingOffsets> parse_starting_offsets(std::string_view text) {
  StartingOffsets s;
  if (text == "earliest") return s;
  if (text == "latest") {
    s.kind = StartingOffsets::Kind::kLatest;
    return s;
  }
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return invalid_argument(fmt::format(
        "--starting-offsets: expected earliest, latest or JSON like {{\"topic\":{{\"0\":23}}}}, "
        "got \"{}\"",
        text));
  }
  s.kind = StartingOffsets::Kind::kSpecific;
  for (const auto& [topic, parts] : doc.items()) {
    if (!parts.is_object()) {
      return invalid_argument(fmt::format("--starting-offsets: \"{}\" must map partitions", topic));
    }
    for (const auto& [p, off] : parts.items()) {
      char* end = nullptr;
      long pn = std::strtol(p.c_str(), &end, 10);
      if (p.empty() || *end != '\0' || pn < 0 || pn > INT32_MAX || !off.is_number_integer() ||
          off.get<int64_t>() < -2) {
        return invalid_argument(
            fmt::format("--starting-offsets: bad entry {}/{}: {}", topic, p, off.dump()));
      }
      s.specific[{topic, static_cast<int32_t>(pn)}] = off.get<int64_t>();
    }
  }
  return s;
}

namespace {

int64_t first_start(const StartingOffsets& s, const PartitionWatermarks& m) {
  switch (s.kind) {
    case StartingOffsets::Kind::kEarliest:
      return m.low;
    case StartingOffsets::Kind::kLatest:
      return m.high;
    case StartingOffsets::Kind::kSpecific: {
      auto it = s.specific.find(m.tp);
      if (it == s.specific.end() || it->second == -2) return m.low;
      if (it->second == -1) return m.high;
      return it->second;
    }
  }
  return m.low;
}

}  // namespace

Result<PlannedBatch> plan_batch(const checkpoint::OffsetMap& committed,
                                const std::vector<PartitionWatermarks>& marks,
                                const PlanOptions& options,
                                const checkpoint::OffsetMap* limit_high) {
  PlannedBatch plan;
  struct Avail {
    OffsetRange r;
  };
  std::vector<OffsetRange> avail;
  for (const auto& m : marks) {
    auto it = committed.find(m.tp);
    int64_t start = it != committed.end() ? it->second : first_start(options.starting, m);
    int64_t high = m.high;
    if (limit_high) {
      auto lh = limit_high->find(m.tp);
      if (lh != limit_high->end()) high = std::min(high, lh->second);
    }
    if (start > m.high) {
      // The log is shorter than what we committed: the topic was deleted and recreated, or the
      // broker lost data.
      std::string what = fmt::format("{}: committed offset {} is past the end of the log ({})",
                                     to_string(m.tp), start, m.high);
      if (options.fail_on_data_loss) {
        return data_loss(what + "; set --fail-on-data-loss false to continue from there");
      }
      plan.warnings.push_back(what);
      continue;
    }
    if (start < m.low) {
      std::string what = fmt::format(
          "{}: offsets [{}, {}) were removed by retention before they "
          "were read",
          to_string(m.tp), start, m.low);
      if (options.fail_on_data_loss) {
        return data_loss(what + "; set --fail-on-data-loss false to skip them");
      }
      plan.warnings.push_back(what);
      plan.lost_offsets += std::min(m.low, high) - start;
    }
    if (high > start) avail.push_back({m.tp, start, high});
  }

  int64_t total = 0;
  for (const auto& r : avail) total += r.end - r.start;
  if (options.max_offsets_per_trigger > 0 && total > options.max_offsets_per_trigger) {
    double limit = static_cast<double>(options.max_offsets_per_trigger);
    for (auto& r : avail) {
      double size = static_cast<double>(r.end - r.start);
      double share = limit * (size / static_cast<double>(total));
      int64_t n = static_cast<int64_t>(share < 1 ? std::ceil(share) : std::floor(share));
      r.end = r.start + std::min<int64_t>(n, r.end - r.start);
    }
    std::erase_if(avail, [](const OffsetRange& r) { return r.end <= r.start; });
  }
  plan.ranges = avail;

  // minPartitions: split the largest task in two until there are enough.
  plan.tasks = avail;
  while (options.min_partitions > 0 &&
         plan.tasks.size() < static_cast<size_t>(options.min_partitions)) {
    auto big = std::max_element(plan.tasks.begin(), plan.tasks.end(),
                                [](auto& a, auto& b) { return a.end - a.start < b.end - b.start; });
    if (big == plan.tasks.end() || big->end - big->start < 2) break;
    int64_t mid = big->start + (big->end - big->start) / 2;
    OffsetRange second{big->tp, mid, big->end};
    big->end = mid;
    plan.tasks.push_back(second);
  }
  std::sort(plan.tasks.begin(), plan.tasks.end(),
            [](auto& a, auto& b) { return std::tie(a.tp, a.start) < std::tie(b.tp, b.start); });
  return plan;
}

}  // namespace lakestream::stream
