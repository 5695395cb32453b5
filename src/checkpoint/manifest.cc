#include "checkpoint/manifest.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

namespace lakestream::checkpoint {

using nlohmann::json;

std::string to_string(const TopicPartition& tp) {
  return fmt::format("{}/{}", tp.topic, tp.partition);
}

bool Manifest::touches(const TopicPartition& tp) const {
  if (claim_all) return true;
  return std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) { return r.tp == tp; }) ||
         std::find(claims.begin(), claims.end(), tp) != claims.end();
}

std::string batch_name(uint64_t batch) { return fmt::format("{:020d}", batch); }

bool parse_batch_name(std::string_view name, uint64_t* batch) {
  if (name.size() != 20) return false;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), *batch);
  return ec == std::errc() && p == name.data() + name.size();
}

std::string serialize_manifest(const Manifest& m) {
  json offsets = json::object();
  for (const auto& [tp, off] : m.offsets) offsets[tp.topic][std::to_string(tp.partition)] = off;
  json ranges = json::array();
  for (const auto& r : m.ranges) {
    ranges.push_back(
        {{"topic", r.tp.topic}, {"partition", r.tp.partition}, {"start", r.start}, {"end", r.end}});
  }
  json claims = json::array();
  for (const auto& tp : m.claims)
    claims.push_back({{"topic", tp.topic}, {"partition", tp.partition}});
  auto file_list = [](const std::vector<DataFile>& list) {
    json out = json::array();
    for (const auto& f : list) {
      out.push_back({{"key", f.key},
                     {"version_id", f.version_id},
                     {"size", f.size},
                     {"rows", f.rows},
                     {"topic", f.tp.topic},
                     {"partition", f.tp.partition},
                     {"start", f.start},
                     {"end", f.end}});
    }
    return out;
  };
  json doc = {{"format", 1},
              {"writer", m.writer},
              {"batch", m.batch},
              {"time_ms", m.time_ms},
              {"compact", m.compact},
              {"offsets", std::move(offsets)},
              {"ranges", std::move(ranges)},
              {"claims", std::move(claims)},
              {"claim_all", m.claim_all},
              {"files", file_list(m.files)}};
  // Only when present, so manifests of batches without bad records stay as before.
  if (!m.dead_letters.empty()) doc["dead_letters"] = file_list(m.dead_letters);
  return doc.dump();
}

namespace {

// Field readers: each checks presence and type, never throws.
Status field_error(std::string_view name, std::string_view want) {
  return invalid_data(fmt::format("field \"{}\" missing or not {}", name, want));
}

Status read_string(const json& o, const char* name, std::string* out) {
  auto it = o.find(name);
  if (it == o.end() || !it->is_string()) return field_error(name, "a string");
  *out = it->get<std::string>();
  return Status();
}

Status read_bool(const json& o, const char* name, bool* out) {
  auto it = o.find(name);
  if (it == o.end() || !it->is_boolean()) return field_error(name, "a boolean");
  *out = it->get<bool>();
  return Status();
}

// A non-negative integer that fits int64 (offsets, sizes, batch ids).
Status read_count_value(const json& v, std::string_view name, int64_t* out) {
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return field_error(name, "an int64");
    }
    *out = static_cast<int64_t>(u);
    return Status();
  }
  if (v.is_number_integer()) {
    auto i = v.get<int64_t>();
    if (i < 0) return field_error(name, "non-negative");
    *out = i;
    return Status();
  }
  return field_error(name, "an integer");
}

Status read_count(const json& o, const char* name, int64_t* out) {
  auto it = o.find(name);
  if (it == o.end()) return field_error(name, "present");
  return read_count_value(*it, name, out);
}

Status read_partition(const json& o, int32_t* out) {
  int64_t p = 0;
  LS_RETURN_IF_ERROR(read_count(o, "partition", &p));
  if (p > std::numeric_limits<int32_t>::max()) return field_error("partition", "an int32");
  *out = static_cast<int32_t>(p);
  return Status();
}

Status read_tp(const json& o, TopicPartition* tp) {
  if (!o.is_object()) return invalid_data("expected an object with topic and partition");
  LS_RETURN_IF_ERROR(read_string(o, "topic", &tp->topic));
  if (tp->topic.empty()) return invalid_data("empty topic");
  return read_partition(o, &tp->partition);
}

Status read_range(const json& o, int64_t* start, int64_t* end) {
  LS_RETURN_IF_ERROR(read_count(o, "start", start));
  LS_RETURN_IF_ERROR(read_count(o, "end", end));
  if (*end < *start) return invalid_data(fmt::format("range end {} < start {}", *end, *start));
  return Status();
}

const json* find_array(const json& o, const char* name) {
  auto it = o.find(name);
  return it != o.end() && it->is_array() ? &*it : nullptr;
}

Status read_files(const json& list, std::vector<DataFile>* out) {
  for (const auto& f : list) {
    DataFile file;
    LS_RETURN_IF_ERROR(read_tp(f, &file.tp));
    LS_RETURN_IF_ERROR(read_string(f, "key", &file.key));
    if (file.key.empty()) return invalid_data("file with empty key");
    LS_RETURN_IF_ERROR(read_string(f, "version_id", &file.version_id));
    int64_t n = 0;
    LS_RETURN_IF_ERROR(read_count(f, "size", &n));
    file.size = static_cast<uint64_t>(n);
    LS_RETURN_IF_ERROR(read_count(f, "rows", &n));
    file.rows = static_cast<uint64_t>(n);
    LS_RETURN_IF_ERROR(read_range(f, &file.start, &file.end));
    out->push_back(std::move(file));
  }
  return Status();
}

Status parse_into(const json& doc, Manifest* m) {
  if (!doc.is_object()) return invalid_data("not a JSON object");
  int64_t format = 0;
  LS_RETURN_IF_ERROR(read_count(doc, "format", &format));
  if (format != 1) return invalid_data(fmt::format("unsupported manifest format {}", format));
  LS_RETURN_IF_ERROR(read_string(doc, "writer", &m->writer));
  if (m->writer.empty()) return invalid_data("empty writer id");
  int64_t v = 0;
  LS_RETURN_IF_ERROR(read_count(doc, "batch", &v));
  m->batch = static_cast<uint64_t>(v);
  LS_RETURN_IF_ERROR(read_count(doc, "time_ms", &m->time_ms));
  LS_RETURN_IF_ERROR(read_bool(doc, "compact", &m->compact));
  LS_RETURN_IF_ERROR(read_bool(doc, "claim_all", &m->claim_all));

  auto offsets = doc.find("offsets");
  if (offsets == doc.end() || !offsets->is_object()) return field_error("offsets", "an object");
  for (const auto& [topic, parts] : offsets->items()) {
    if (topic.empty() || !parts.is_object()) return invalid_data("offsets: bad topic entry");
    for (const auto& [pname, off] : parts.items()) {
      int32_t p = 0;
      auto [ptr, ec] = std::from_chars(pname.data(), pname.data() + pname.size(), p);
      if (ec != std::errc() || ptr != pname.data() + pname.size() || p < 0) {
        return invalid_data(fmt::format("offsets: bad partition \"{}\"", pname));
      }
      int64_t o = 0;
      LS_RETURN_IF_ERROR(read_count_value(off, "offsets", &o));
      m->offsets[{topic, p}] = o;
    }
  }

  const json* ranges = find_array(doc, "ranges");
  if (!ranges) return field_error("ranges", "an array");
  for (const auto& r : *ranges) {
    OffsetRange range;
    LS_RETURN_IF_ERROR(read_tp(r, &range.tp));
    LS_RETURN_IF_ERROR(read_range(r, &range.start, &range.end));
    m->ranges.push_back(std::move(range));
  }
  const json* claims = find_array(doc, "claims");
  if (!claims) return field_error("claims", "an array");
  for (const auto& c : *claims) {
    TopicPartition tp;
    LS_RETURN_IF_ERROR(read_tp(c, &tp));
    m->claims.push_back(std::move(tp));
  }
  const json* files = find_array(doc, "files");
  if (!files) return field_error("files", "an array");
  LS_RETURN_IF_ERROR(read_files(*files, &m->files));
  // Optional: manifests written before dead letters were committed have no such field.
  if (auto dl = doc.find("dead_letters"); dl != doc.end()) {
    if (!dl->is_array()) return field_error("dead_letters", "an array");
    LS_RETURN_IF_ERROR(read_files(*dl, &m->dead_letters));
  }
  return Status();
}

}  // namespace

Result<Manifest> parse_manifest(std::string_view text, std::string_view where) {
  json doc = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return invalid_data(fmt::format("{}: manifest is not valid JSON", where));
  Manifest m;
  Status s = parse_into(doc, &m);
  if (!s.ok()) return std::move(s).with_context(where);
  return m;
}

}  // namespace lakestream::checkpoint
