#include "stream/memory_source.h"

#include <fmt/format.h>
#include <regex.h>

namespace lakestream::stream {

void MemorySource::add_partition(const TopicPartition& tp) {
  std::lock_guard lock(mu_);
  logs_[tp];
}

void MemorySource::append(const TopicPartition& tp, std::string value,
                          std::optional<std::string> key, int64_t timestamp_ms, bool null_value) {
  std::lock_guard lock(mu_);
  Log& log = logs_[tp];
  Entry e;
  e.value_at = log.bytes.size();
  e.value_size = static_cast<uint32_t>(value.size());
  e.timestamp_ms = timestamp_ms;
  e.null_value = null_value;
  log.bytes += value;
  if (key) {
    e.key_size = static_cast<int32_t>(key->size());
    log.bytes += *key;
  }
  log.records.push_back(e);
}

void MemorySource::truncate_before(const TopicPartition& tp, int64_t low) {
  std::lock_guard lock(mu_);
  auto& log = logs_[tp];
  log.low = std::min<int64_t>(low, static_cast<int64_t>(log.records.size()));
}

Result<std::vector<TopicPartition>> MemorySource::partitions(
    const std::vector<std::string>& topics) {
  std::lock_guard lock(mu_);
  std::vector<TopicPartition> out;
  for (const auto& topic : topics) {
    size_t before = out.size();
    for (const auto& [tp, log] : logs_) {
      if (tp.topic == topic) out.push_back(tp);
    }
    if (out.size() == before) return not_found(fmt::format("topic \"{}\" does not exist", topic));
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<TopicPartition>> MemorySource::partitions_matching(const std::string& pattern) {
  // The same dialect and anchoring as kafka::Consumer::partitions_matching().
  regex_t re;
  std::string anchored = "^(" + pattern + ")$";
  if (int rc = regcomp(&re, anchored.c_str(), REG_EXTENDED | REG_NOSUB); rc != 0) {
    char why[256];
    regerror(rc, &re, why, sizeof why);
    return invalid_argument(fmt::format("topic pattern '{}': {}", pattern, why));
  }
  std::vector<TopicPartition> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& [tp, log] : logs_) {
      if (tp.topic.starts_with("__")) continue;
      if (regexec(&re, tp.topic.c_str(), 0, nullptr, 0) == 0) out.push_back(tp);
    }
  }
  regfree(&re);
  return out;  // logs_ is ordered: already sorted
}

Result<std::vector<PartitionWatermarks>> MemorySource::watermarks(
    const std::vector<TopicPartition>& partitions) {
  std::lock_guard lock(mu_);
  std::vector<PartitionWatermarks> out;
  for (const auto& tp : partitions) {
    auto it = logs_.find(tp);
    if (it == logs_.end()) return not_found(fmt::format("partition {}", to_string(tp)));
    out.push_back({tp, it->second.low, static_cast<int64_t>(it->second.records.size())});
  }
  return out;
}

Status MemorySource::fetch(const OffsetRange& range,
                           const std::function<Status(const SourceRecord&)>& sink) {
  const Log* log;
  {
    std::lock_guard lock(mu_);
    auto it = logs_.find(range.tp);
    if (it == logs_.end()) return not_found(fmt::format("partition {}", to_string(range.tp)));
    log = &it->second;  // records are only appended by the test before the run
  }
  int64_t end = std::min<int64_t>(range.end, static_cast<int64_t>(log->records.size()));
  for (int64_t off = std::max(range.start, log->low); off < end; ++off) {
    const Entry& e = log->records[static_cast<size_t>(off)];
    const auto* at = reinterpret_cast<const uint8_t*>(log->bytes.data()) + e.value_at;
    SourceRecord r;
    r.offset = off;
    r.timestamp_ms = e.timestamp_ms;
    r.value_null = e.null_value;
    r.value = {at, e.value_size};
    r.key_null = e.key_size < 0;
    if (e.key_size >= 0) r.key = {at + e.value_size, static_cast<size_t>(e.key_size)};
    LS_RETURN_IF_ERROR(sink(r));
  }
  return Status();
}

}  // namespace lakestream::stream
