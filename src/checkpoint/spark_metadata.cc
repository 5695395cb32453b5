#include "checkpoint/spark_metadata.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "checkpoint/log_common.h"
#include "common/log.h"

namespace lakestream::checkpoint {

namespace {
constexpr std::string_view kDir = "_spark_metadata/";
constexpr std::string_view kCompact = ".compact";

bool parse_id(std::string_view name, uint64_t* id) {
  if (name.ends_with(kCompact)) name.remove_suffix(kCompact.size());
  if (name.empty()) return false;
  auto [p, ec] = std::from_chars(name.data(), name.data() + name.size(), *id);
  return ec == std::errc() && p == name.data() + name.size();
}
}  // namespace

std::string serialize_spark_log(const std::vector<SinkFileStatus>& entries) {
  std::string out = "v1";
  for (const auto& e : entries) {
    // ordered_json keeps Spark's field order (json4s writes case-class fields as declared).
    nlohmann::ordered_json j;
    j["path"] = e.path;
    j["size"] = e.size;
    j["isDir"] = e.is_dir;
    j["modificationTime"] = e.modification_time;
    j["blockReplication"] = e.block_replication;
    j["blockSize"] = e.block_size;
    j["action"] = e.action;
    out += '\n';
    out += j.dump();
  }
  return out;
}

Result<std::vector<SinkFileStatus>> parse_spark_log(std::string_view text, std::string_view where) {
  std::vector<SinkFileStatus> out;
  size_t nl = text.find('\n');
  std::string_view version = text.substr(0, nl);
  if (version != "v1") {
    return invalid_data(fmt::format("{}: not a version 1 Spark sink log (first line \"{}\")", where,
                                    version.substr(0, 16)));
  }
  size_t line_no = 1;
  while (nl != std::string_view::npos) {
    size_t start = nl + 1;
    nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
    ++line_no;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    auto bad = [&](std::string_view why) {
      return invalid_data(fmt::format("{} line {}: {}", where, line_no, why));
    };
    if (!j.is_object()) return bad("not a JSON object");
    SinkFileStatus e;
    auto str = [&](const char* k, std::string* v) {
      auto it = j.find(k);
      if (it == j.end() || !it->is_string()) return false;
      *v = it->get<std::string>();
      return true;
    };
    auto num = [&](const char* k, auto* v) {
      auto it = j.find(k);
      if (it == j.end() || !it->is_number_integer()) return false;
      *v = it->get<std::remove_pointer_t<decltype(v)>>();
      return true;
    };
    auto dir = j.find("isDir");
    if (!str("path", &e.path) || !num("size", &e.size) || dir == j.end() || !dir->is_boolean() ||
        !num("modificationTime", &e.modification_time) ||
        !num("blockReplication", &e.block_replication) || !num("blockSize", &e.block_size) ||
        !str("action", &e.action)) {
      return bad("missing or mistyped field");
    }
    e.is_dir = dir->get<bool>();
    if (e.action != "add" && e.action != "delete") return bad("action is neither add nor delete");
    out.push_back(std::move(e));
  }
  return out;
}

std::string spark_log_key(uint64_t id, uint64_t compact_interval) {
  bool compact = compact_interval > 0 && (id + 1) % compact_interval == 0;
  return fmt::format("{}{}{}", kDir, id, compact ? kCompact : "");
}

namespace {

class SparkMetadataLog final : public CheckpointStore {
 public:
  SparkMetadataLog(std::unique_ptr<CheckpointStore> inner, storage::ObjectStore& log,
                   SparkMetadataOptions o)
      : inner_(std::move(inner)), log_(log), options_(std::move(o)) {
    if (options_.compact_interval == 0) options_.compact_interval = 1;
  }

  Result<RecoveryReport> recover(const std::optional<std::vector<TopicPartition>>& claim) override {
    LS_ASSIGN_OR_RETURN(RecoveryReport report, inner_->recover(claim));
    LS_RETURN_IF_ERROR(load());
    // Committed files no entry lists: the previous run died between a commit and its entry.
    std::vector<DataFile> missing;
    for (const auto& [key, f] : inner_->state().files) {
      if (!known_.contains(path_of(key))) missing.push_back(f);
    }
    if (!missing.empty()) {
      log::info("checkpoint", "{}: adding {} committed files no Spark log entry lists",
                log_.uri_of(kDir), missing.size());
      LS_RETURN_IF_ERROR(append(missing));
    }
    return report;
  }

  Status begin_batch(const std::vector<OffsetRange>& ranges) override {
    return inner_->begin_batch(ranges);
  }

  Result<CommitOutcome> commit(const BatchAttempt& attempt) override {
    LS_ASSIGN_OR_RETURN(CommitOutcome outcome, inner_->commit(attempt));
    // Only files the checkpoint now holds as committed (a fenced chain attempt keeps the files it
    // wrote before the 412; a fenced conditional one keeps none).
    std::vector<DataFile> added;
    const auto& committed = inner_->state().files;
    for (const auto& f : attempt.files) {
      if (committed.contains(f.key) && !known_.contains(path_of(f.key))) added.push_back(f);
    }
    if (!added.empty()) LS_RETURN_IF_ERROR(append(added));
    return outcome;
  }

  const CommittedState& state() const override { return inner_->state(); }
  const std::string& writer_id() const override { return inner_->writer_id(); }
  CheckpointMode mode() const override { return inner_->mode(); }

 private:
  std::string path_of(std::string_view key) const {
    return fmt::format("{}{}", options_.path_prefix, key);
  }

  // LIST, then GET from the newest entry back to the newest compact one (Spark's allFiles()).
  Status load() {
    known_.clear();
    next_ = 0;
    storage::ListOptions lo;
    lo.prefix = std::string(kDir);
    LS_ASSIGN_OR_RETURN(auto listing, log_.list(lo));
    std::set<uint64_t> ids;
    for (const auto& o : listing.objects) {
      uint64_t id = 0;
      if (parse_id(std::string_view(o.key).substr(kDir.size()), &id)) ids.insert(id);
    }
    if (ids.empty()) return Status();
    uint64_t last = *ids.rbegin();
    uint64_t k = options_.compact_interval;
    uint64_t first = (last + 1) / k * k;
    first = first == 0 ? 0 : first - 1;  // the newest compact entry (or 0)
    for (uint64_t id = first; id <= last; ++id) LS_RETURN_IF_ERROR(read_entry(id));
    next_ = last + 1;
    return Status();
  }

  Status read_entry(uint64_t id) {
    std::string key = spark_log_key(id, options_.compact_interval);
    LS_ASSIGN_OR_RETURN(Buffer body, log_.get(key));
    LS_ASSIGN_OR_RETURN(auto entries, parse_spark_log(body.view(), log_.uri_of(key)));
    if (key.ends_with(kCompact)) known_.clear();
    for (const auto& e : entries) {
      if (e.action == "add") {
        known_[e.path] = e.size;
      } else {
        known_.erase(e.path);
      }
    }
    return Status();
  }

  Status append(std::vector<DataFile> files) {
    for (;;) {
      uint64_t id = next_;
      std::string key = spark_log_key(id, options_.compact_interval);
      std::vector<SinkFileStatus> entries;
      int64_t now = internal::now_ms();
      auto status_of = [&](const std::string& path, uint64_t size) {
        SinkFileStatus s;
        s.path = path;
        s.size = size;
        s.modification_time = now;
        return s;
      };
      if (key.ends_with(kCompact)) {
        for (const auto& [path, size] : known_) entries.push_back(status_of(path, size));
      }
      for (const auto& f : files) entries.push_back(status_of(path_of(f.key), f.size));
      std::string body = serialize_spark_log(entries);
      storage::PutOptions po;
      po.if_none_match = true;
      po.content_type = "text/plain";
      auto put = log_.put(key, {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, po);
      if (put.ok()) {
        for (const auto& f : files) known_[path_of(f.key)] = f.size;
        next_ = id + 1;
        return Status();
      }
      if (put.status().code() != StatusCode::kPreconditionFailed &&
          put.status().code() != StatusCode::kAlreadyExists) {
        return std::move(put).status().with_context("Spark log entry " + log_.uri_of(key));
      }
      // Another writer took this id: learn what it listed, then try the next one.
      LS_RETURN_IF_ERROR(read_entry(id));
      next_ = id + 1;
      std::erase_if(files, [&](const DataFile& f) { return known_.contains(path_of(f.key)); });
      if (files.empty()) return Status();
    }
  }

  std::unique_ptr<CheckpointStore> inner_;
  storage::ObjectStore& log_;
  SparkMetadataOptions options_;
  std::map<std::string, uint64_t> known_;  // paths Spark sees as live -> size
  uint64_t next_ = 0;                      // next entry id
};

}  // namespace

std::unique_ptr<CheckpointStore> with_spark_metadata(std::unique_ptr<CheckpointStore> inner,
                                                     storage::ObjectStore& log_store,
                                                     SparkMetadataOptions options) {
  return std::make_unique<SparkMetadataLog>(std::move(inner), log_store, std::move(options));
}

}  // namespace lakestream::checkpoint
