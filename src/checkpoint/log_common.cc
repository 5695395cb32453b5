#include "checkpoint/log_common.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include "checkpoint/data_file_name.h"

namespace lakestream::checkpoint {

void CommittedState::apply(const Manifest& m) {
  if (m.compact) {
    files.clear();
    dead_letters.clear();
    last_compact = m.batch;
  }
  for (const auto& f : m.files) files[f.key] = f;
  for (const auto& f : m.dead_letters) dead_letters[f.key] = f;
  offsets = m.offsets;
  if (!last_batch || m.batch > *last_batch) last_batch = m.batch;
  auto it = std::lower_bound(manifests.begin(), manifests.end(), m.batch);
  if (it == manifests.end() || *it != m.batch) manifests.insert(it, m.batch);
}

namespace internal {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::vector<uint64_t>> list_log(storage::ObjectStore& meta, std::string_view dir,
                                       std::string_view suffix) {
  storage::ListOptions lo;
  lo.prefix = std::string(dir);
  LS_ASSIGN_OR_RETURN(auto listing, meta.list(lo));
  std::vector<uint64_t> batches;
  for (const auto& o : listing.objects) {
    std::string_view name = std::string_view(o.key).substr(dir.size());
    if (!name.ends_with(suffix)) continue;
    name.remove_suffix(suffix.size());
    uint64_t b = 0;
    if (parse_batch_name(name, &b)) batches.push_back(b);
  }
  std::sort(batches.begin(), batches.end());
  return batches;
}

Result<Manifest> read_manifest(storage::ObjectStore& meta, const std::string& key) {
  LS_ASSIGN_OR_RETURN(Buffer body, meta.get(key));
  return parse_manifest(body.view(), meta.uri_of(key));
}

Result<uint64_t> load_state(storage::ObjectStore& meta, const std::vector<uint64_t>& batches,
                            const std::function<std::string(uint64_t)>& key_of,
                            CommittedState* state) {
  std::vector<Manifest> read;  // newest first
  for (auto it = batches.rbegin(); it != batches.rend(); ++it) {
    LS_ASSIGN_OR_RETURN(Manifest m, read_manifest(meta, key_of(*it)));
    if (m.batch != *it) {
      return invalid_data(fmt::format("{}: holds batch {}", meta.uri_of(key_of(*it)), m.batch));
    }
    bool compact = m.compact;
    read.push_back(std::move(m));
    if (compact) break;
  }
  if (!read.empty() && !read.back().compact && read.back().batch != 0) {
    // Retention never removes the newest compact entry, so its absence means a damaged log.
    return data_loss(fmt::format("{}: no compact entry at or before batch {} (log truncated?)",
                                 meta.uri(), read.back().batch));
  }
  // Gap check: the entries after the compact one must be consecutive.
  for (size_t i = 1; i < read.size(); ++i) {
    if (read[i - 1].batch != read[i].batch + 1) {
      return data_loss(
          fmt::format("{}: log has a hole before batch {}", meta.uri(), read[i - 1].batch));
    }
  }
  for (auto it = read.rbegin(); it != read.rend(); ++it) state->apply(*it);
  state->manifests = batches;
  return static_cast<uint64_t>(read.size());
}

Status remove_files(storage::ObjectStore& output, const std::vector<DataFile>& files) {
  if (files.empty()) return Status();
  std::vector<storage::ObjectRef> refs;
  refs.reserve(files.size());
  for (const auto& f : files) refs.push_back({f.key, f.version_id});
  return output.remove_many(refs);
}

Result<uint64_t> remove_uncommitted(storage::ObjectStore& output, const CommittedState& state,
                                    const std::optional<std::set<TopicPartition>>& claimed) {
  std::vector<storage::ObjectInfo> objects;
  if (output.capabilities().versioned) {
    LS_ASSIGN_OR_RETURN(objects, output.list_versions(""));
  } else {
    LS_ASSIGN_OR_RETURN(auto listing, output.list({}));
    objects = std::move(listing.objects);
  }
  std::vector<storage::ObjectRef> refs;
  std::set<std::string> keys;
  for (const auto& o : objects) {
    // Parquet files and dead-letter files alike: both are data files of their batch.
    const std::map<std::string, DataFile>* committed_set = &state.files;
    auto name = parse_data_file_key(o.key);
    if (!name) {
      name = parse_dead_letter_key(o.key);
      committed_set = &state.dead_letters;
    }
    if (!name) continue;
    if (claimed && !claimed->contains(name->tp)) continue;
    auto it = committed_set->find(o.key);
    bool committed = it != committed_set->end() &&
                     (it->second.version_id.empty() || it->second.version_id == o.version_id);
    if (committed) continue;
    refs.push_back({o.key, o.version_id});
    keys.insert(o.key);
  }
  if (!refs.empty()) LS_RETURN_IF_ERROR(output.remove_many(refs));
  return static_cast<uint64_t>(keys.size());
}

Status remove_entries(storage::ObjectStore& meta, std::string_view dir,
                      const std::vector<std::string>& keys) {
  if (keys.empty()) return Status();
  std::vector<storage::ObjectRef> refs;
  if (meta.capabilities().versioned) {
    std::set<std::string_view> wanted(keys.begin(), keys.end());
    LS_ASSIGN_OR_RETURN(auto versions, meta.list_versions(dir));
    for (const auto& v : versions) {
      if (wanted.contains(v.key)) refs.push_back({v.key, v.version_id});
    }
  } else {
    for (const auto& k : keys) refs.push_back({k, ""});
  }
  if (refs.empty()) return Status();
  return meta.remove_many(refs);
}

Manifest build_manifest(const CommittedState& state, const std::string& writer, uint64_t batch,
                        bool compact, const BatchAttempt& attempt) {
  Manifest m;
  m.writer = writer;
  m.batch = batch;
  m.time_ms = now_ms();
  m.compact = compact;
  m.offsets = state.offsets;
  for (const auto& r : attempt.ranges) m.offsets[r.tp] = r.end;
  m.ranges = attempt.ranges;
  if (compact) {
    for (const auto& [key, f] : state.files) m.files.push_back(f);
    for (const auto& [key, f] : state.dead_letters) m.dead_letters.push_back(f);
  }
  m.files.insert(m.files.end(), attempt.files.begin(), attempt.files.end());
  m.dead_letters.insert(m.dead_letters.end(), attempt.dead_letters.begin(),
                        attempt.dead_letters.end());
  return m;
}

Status check_ranges(const CommittedState& state, const std::vector<OffsetRange>& ranges) {
  for (const auto& r : ranges) {
    auto it = state.offsets.find(r.tp);
    if (it != state.offsets.end() && it->second != r.start) {
      return invalid_argument(fmt::format("{}: range starts at {} but the committed end is {}",
                                          to_string(r.tp), r.start, it->second));
    }
    if (r.end < r.start) {
      return invalid_argument(
          fmt::format("{}: range end {} < start {}", to_string(r.tp), r.end, r.start));
    }
  }
  return Status();
}

std::vector<uint64_t> expired_entries(const CommittedState& state, uint64_t retain) {
  std::vector<uint64_t> out;
  if (!state.last_batch || !state.last_compact) return out;
  uint64_t keep_from = *state.last_batch + 1 >= retain ? *state.last_batch + 1 - retain : 0;
  uint64_t cutoff = std::min(keep_from, *state.last_compact);
  for (uint64_t b : state.manifests) {
    if (b < cutoff) out.push_back(b);
  }
  return out;
}

}  // namespace internal
}  // namespace lakestream::checkpoint
