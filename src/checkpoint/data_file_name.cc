#include "checkpoint/data_file_name.h"

#include <fmt/format.h>

#include <charconv>
#include <random>

namespace lakestream::checkpoint {

namespace {
constexpr std::string_view kSuffix = ".parquet";
constexpr std::string_view kDeadLetterSuffix = ".jsonl";

bool is_writer_id(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

template <typename T>
bool parse_number(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Splits off the text after the last '-' of `*rest`.
bool pop_field(std::string_view* rest, std::string_view* field) {
  size_t dash = rest->rfind('-');
  if (dash == std::string_view::npos) return false;
  *field = rest->substr(dash + 1);
  *rest = rest->substr(0, dash);
  return true;
}

std::string format_named_key(const DataFileName& n, std::string_view suffix) {
  return fmt::format("{}{}-{}-{:020d}-{}-{}{}", n.dir, n.tp.topic, n.tp.partition, n.start,
                     n.writer, n.seq, suffix);
}

std::optional<DataFileName> parse_named_key(std::string_view key, std::string_view suffix) {
  if (key.size() <= suffix.size() || !key.ends_with(suffix)) return std::nullopt;
  DataFileName n;
  size_t slash = key.rfind('/');
  std::string_view base = key;
  if (slash != std::string_view::npos) {
    n.dir = std::string(key.substr(0, slash + 1));
    base = key.substr(slash + 1);
  }
  std::string_view rest = base.substr(0, base.size() - suffix.size());
  std::string_view seq, writer, start, partition;
  // Topic names may contain '-', so fields are taken from the right.
  if (!pop_field(&rest, &seq) || !pop_field(&rest, &writer) || !pop_field(&rest, &start) ||
      !pop_field(&rest, &partition) || rest.empty()) {
    return std::nullopt;
  }
  if (!parse_number(seq, &n.seq) || !is_writer_id(writer) || start.size() != 20 ||
      !parse_number(start, &n.start) || n.start < 0 || !parse_number(partition, &n.tp.partition) ||
      n.tp.partition < 0) {
    return std::nullopt;
  }
  n.writer = std::string(writer);
  n.tp.topic = std::string(rest);
  return n;
}
}  // namespace

std::string format_data_file_key(const DataFileName& n) { return format_named_key(n, kSuffix); }

std::optional<DataFileName> parse_data_file_key(std::string_view key) {
  return parse_named_key(key, kSuffix);
}

std::string format_dead_letter_key(const DataFileName& n) {
  return format_named_key(n, kDeadLetterSuffix);
}

std::optional<DataFileName> parse_dead_letter_key(std::string_view key) {
  return parse_named_key(key, kDeadLetterSuffix);
}

std::string format_chain_dead_letter_key(std::string_view dir, const TopicPartition& tp,
                                         int64_t start, int64_t end) {
  return fmt::format("{}{}-{}-{:020d}-{:020d}{}", dir, tp.topic, tp.partition, start, end,
                     kDeadLetterSuffix);
}

std::optional<ChainDeadLetterName> parse_chain_dead_letter_key(std::string_view key,
                                                               std::string_view dir) {
  if (!key.starts_with(dir) || !key.ends_with(kDeadLetterSuffix)) return std::nullopt;
  std::string_view rest = key.substr(dir.size());
  if (rest.size() <= kDeadLetterSuffix.size() || rest.find('/') != std::string_view::npos) {
    return std::nullopt;
  }
  rest.remove_suffix(kDeadLetterSuffix.size());
  std::string_view end, start, partition;
  if (!pop_field(&rest, &end) || !pop_field(&rest, &start) || !pop_field(&rest, &partition) ||
      rest.empty()) {
    return std::nullopt;
  }
  ChainDeadLetterName n;
  if (start.size() != 20 || end.size() != 20 || !parse_number(start, &n.start) || n.start < 0 ||
      !parse_number(end, &n.end) || n.end <= n.start || !parse_number(partition, &n.tp.partition) ||
      n.tp.partition < 0) {
    return std::nullopt;
  }
  n.tp.topic = std::string(rest);
  return n;
}

std::string format_chain_file_key(const TopicPartition& tp, int64_t start) {
  return fmt::format("{}-{}-{:020d}{}", tp.topic, tp.partition, start, kSuffix);
}

std::string chain_prefix(const TopicPartition& tp) {
  return fmt::format("{}-{}-", tp.topic, tp.partition);
}

std::optional<ChainFileName> parse_chain_file_key(std::string_view key) {
  if (key.size() <= kSuffix.size() || !key.ends_with(kSuffix)) return std::nullopt;
  if (key.find('/') != std::string_view::npos) return std::nullopt;
  std::string_view rest = key.substr(0, key.size() - kSuffix.size());
  std::string_view start, partition;
  if (!pop_field(&rest, &start) || !pop_field(&rest, &partition) || rest.empty()) {
    return std::nullopt;
  }
  ChainFileName n;
  if (start.size() != 20 || !parse_number(start, &n.start) || n.start < 0 ||
      !parse_number(partition, &n.tp.partition) || n.tp.partition < 0) {
    return std::nullopt;
  }
  n.tp.topic = std::string(rest);
  return n;
}

std::string new_writer_id() {
  std::random_device rd;
  uint64_t v = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return fmt::format("{:012x}", v & 0xffffffffffffULL);
}

}  // namespace lakestream::checkpoint
