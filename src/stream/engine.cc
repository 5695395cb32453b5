#include "stream/engine.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "common/log.h"

namespace lakestream::stream {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

Status parse_trigger(std::string_view text, Trigger* trigger, int64_t* interval_ms) {
  if (text == "once") {
    *trigger = Trigger::kOnce;
    return Status();
  }
  if (text == "available-now" || text == "availableNow") {
    *trigger = Trigger::kAvailableNow;
    return Status();
  }
  std::string_view num = text;
  int64_t unit = 1000;
  if (num.ends_with("ms")) {
    unit = 1;
    num.remove_suffix(2);
  } else if (num.ends_with("s")) {
    num.remove_suffix(1);
  } else if (num.ends_with("m")) {
    unit = 60000;
    num.remove_suffix(1);
  }
  char* end = nullptr;
  std::string n(num);
  double v = std::strtod(n.c_str(), &end);
  if (n.empty() || *end != '\0' || v < 0) {
    return invalid_argument(fmt::format(
        "--trigger: expected an interval (1s, 500ms, 2m), once or available-now, got \"{}\"",
        text));
  }
  *trigger = Trigger::kProcessingTime;
  *interval_ms = static_cast<int64_t>(v * static_cast<double>(unit));
  return Status();
}

namespace {

int64_t ms_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

json offsets_json(const std::vector<OffsetRange>& ranges, bool end) {
  json j = json::object();
  for (const auto& r : ranges)
    j[r.tp.topic][std::to_string(r.tp.partition)] = end ? r.end : r.start;
  return j;
}

json calls_delta(const storage::CallStats* stats,
                 const std::map<std::string, storage::ApiStats>& before) {
  json j = json::object();
  if (!stats) return j;
  for (const auto& [api, s] : stats->snapshot()) {
    auto it = before.find(api);
    uint64_t n = s.calls - (it == before.end() ? 0 : it->second.calls);
    if (n) j[api] = n;
  }
  return j;
}

// Sleeps until `deadline` or until `stop`, in small steps so a signal is seen quickly.
void sleep_until(Clock::time_point deadline, const std::atomic<bool>& stop) {
  while (!stop.load() && Clock::now() < deadline) {
    auto left = deadline - Clock::now();
    std::this_thread::sleep_for(std::min<Clock::duration>(left, std::chrono::milliseconds(50)));
  }
}

}  // namespace

StreamEngine::StreamEngine(EngineConfig config, checkpoint::CheckpointStore& checkpoint,
                           const storage::CallStats* data_stats,
                           const storage::CallStats* checkpoint_stats,
                           std::function<void(const std::string&)> progress)
    : config_(std::move(config)),
      checkpoint_(checkpoint),
      data_stats_(data_stats),
      checkpoint_stats_(checkpoint_stats),
      progress_(std::move(progress)) {
  config_.task.writer_id = checkpoint_.writer_id();
  schema_ = output_schema(*config_.task.decoder, config_.task.include_kafka_metadata);
}

Result<std::vector<TopicPartition>> StreamEngine::list_partitions() {
  RecordSource& source = *config_.task.source;
  std::vector<TopicPartition> out;
  if (!config_.topics.empty()) {
    LS_ASSIGN_OR_RETURN(out, source.partitions(config_.topics));
  }
  if (!config_.topic_pattern.empty()) {
    LS_ASSIGN_OR_RETURN(auto matched, source.partitions_matching(config_.topic_pattern));
    out.insert(out.end(), matched.begin(), matched.end());
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  }
  return out;
}

Status StreamEngine::run(const std::atomic<bool>& stop) {
  if (config_.ownership) return run_group(stop);
  RecordSource& source = *config_.task.source;
  LS_ASSIGN_OR_RETURN(partitions_, list_partitions());
  checkpoint::OffsetMap limit;
  if (config_.trigger == Trigger::kAvailableNow && !partitions_.empty()) {
    LS_ASSIGN_OR_RETURN(auto marks, source.watermarks(partitions_));
    for (const auto& m : marks) limit[m.tp] = m.high;
  }
  while (!stop.load()) {
    auto next_trigger = Clock::now() + std::chrono::milliseconds(config_.interval_ms);
    if (!config_.topic_pattern.empty() && config_.trigger == Trigger::kProcessingTime) {
      size_t before = partitions_.size();
      LS_ASSIGN_OR_RETURN(partitions_, list_partitions());
      if (partitions_.size() != before) {
        log::info("stream", "topic pattern '{}': {} partitions", config_.topic_pattern,
                  partitions_.size());
      }
    }
    std::vector<PartitionWatermarks> marks;
    if (!partitions_.empty()) {
      LS_ASSIGN_OR_RETURN(marks, source.watermarks(partitions_));
    }
    PlanOptions opts = config_.plan;
    if (config_.trigger == Trigger::kOnce) opts.max_offsets_per_trigger = 0;
    LS_ASSIGN_OR_RETURN(PlannedBatch plan,
                        plan_batch(checkpoint_.state().offsets, marks, opts,
                                   config_.trigger == Trigger::kAvailableNow ? &limit : nullptr));
    for (const auto& w : plan.warnings) log::warn("stream", "data loss: {}", w);
    if (plan.empty()) {
      report_lag(marks);
      if (config_.trigger != Trigger::kProcessingTime) break;
      sleep_until(next_trigger, stop);
      continue;
    }
    bool committed = false;
    LS_RETURN_IF_ERROR(run_batch(plan, &committed));
    if (committed) totals_.lost_offsets += plan.lost_offsets;
    report_lag(marks);
    if (committed && config_.trigger == Trigger::kOnce) break;
    if (config_.max_batches && totals_.batches >= config_.max_batches) break;
    if (config_.trigger == Trigger::kProcessingTime) sleep_until(next_trigger, stop);
  }
  return Status();
}

void StreamEngine::report_lag(const std::vector<PartitionWatermarks>& marks) {
  if (!config_.on_event) return;
  EngineEvent e;
  e.kind = EngineEvent::Kind::kLag;
  const auto& offsets = checkpoint_.state().offsets;
  for (const auto& m : marks) {
    auto it = offsets.find(m.tp);
    int64_t committed = it == offsets.end() ? -1 : it->second;
    int64_t from = it == offsets.end() ? m.low : std::max(committed, m.low);
    e.lag.push_back({m.tp, committed, m.high, std::max<int64_t>(0, m.high - from)});
  }
  config_.on_event(e);
}

// A batch with a failed task never commits: the files its other tasks uploaded would stay in
// the output until the next recovery of their partitions, which in group mode may never come
// (another worker owns them now and has already cleaned them). Best effort; returns `failure`.
Status StreamEngine::drop_written_files(
    const std::vector<std::optional<Result<TaskResult>>>& results, Status failure) {
  // Chain layout: a data file's own create-only PUT is its commit; never delete one.
  if (checkpoint_.mode() == checkpoint::CheckpointMode::kChain) return failure;
  std::vector<storage::ObjectRef> refs;
  for (const auto& r : results) {
    if (!r || !r->ok()) continue;
    for (const auto& f : (*r)->files) refs.push_back({f.key, f.version_id});
  }
  if (!refs.empty()) {
    Status s = config_.task.output->remove_many(refs);
    if (!s.ok()) log::warn("stream", "removing a failed batch's files: {}", s.to_string());
  }
  return failure;
}

Status StreamEngine::run_batch(const PlannedBatch& plan, bool* committed) {
  auto t_start = Clock::now();
  auto data_before = data_stats_ ? data_stats_->snapshot() : decltype(data_stats_->snapshot()){};
  auto ckpt_before =
      checkpoint_stats_ ? checkpoint_stats_->snapshot() : decltype(data_stats_->snapshot()){};
  LS_RETURN_IF_ERROR(checkpoint_.begin_batch(plan.ranges));
  // Lets the source read the batch's ranges ahead, together, while tasks decode.
  LS_RETURN_IF_ERROR(config_.task.source->prepare(plan.tasks));
  int64_t plan_ms = ms_since(t_start);

  // Tasks on a small pool of owned threads; results in task order.
  auto t_write = Clock::now();
  std::vector<std::optional<Result<TaskResult>>> results(plan.tasks.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  {
    size_t n = std::min<size_t>(std::max(1, config_.threads), plan.tasks.size());
    std::vector<std::jthread> pool;
    for (size_t t = 0; t < n; ++t) {
      pool.emplace_back([&] {
        for (size_t i = next++; i < plan.tasks.size() && !failed.load(); i = next++) {
          results[i] = run_task(config_.task, schema_, plan.tasks[i], n);
          if (!results[i]->ok()) failed = true;
        }
      });
    }
  }
  checkpoint::BatchAttempt attempt;
  attempt.ranges = plan.ranges;
  uint64_t rows = 0, records = 0, bad = 0, bytes = 0, early_closes = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    auto& r = results[i];
    if (!r) continue;  // skipped after a failure
    if (!r->ok()) return drop_written_files(results, r->status());
    if ((*r)->fenced) attempt.fenced.push_back(plan.tasks[i].tp);  // chain layout
    for (auto& f : (*r)->files) attempt.files.push_back(f);
    rows += (*r)->rows;
    records += (*r)->records;
    bad += (*r)->bad_records;
    bytes += (*r)->bytes;
    early_closes += (*r)->early_closes;
    // The tasks wrote their dead letters; they commit (or are removed) with the Parquet files.
    for (auto& d : (*r)->dead_letter_files) attempt.dead_letters.push_back(std::move(d));
  }
  if (failed.load()) return internal_error("a task failed without an error");
  int64_t write_ms = ms_since(t_write);

  auto t_commit = Clock::now();
  LS_ASSIGN_OR_RETURN(auto outcome, checkpoint_.commit(attempt));
  int64_t commit_ms = ms_since(t_commit);
  int64_t total_ms = ms_since(t_start);
  *committed = outcome.committed;
  if (!outcome.committed) {
    ++totals_.fenced;
    log::warn("stream", "batch fenced at slot {} by writer {}: {} files dropped, re-planning",
              outcome.batch, outcome.winner, attempt.files.size());
    return Status();
  }
  ++totals_.batches;
  totals_.rows += rows;
  totals_.bad_records += bad;
  totals_.files += attempt.files.size();
  totals_.bytes += bytes;

  double secs = static_cast<double>(std::max<int64_t>(total_ms, 1)) / 1000.0;
  // Spark's inputRowsPerSecond: rows over the time since the previous batch started.
  double since_last =
      last_batch_start_
          ? std::max(1.0, static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  t_start - *last_batch_start_)
                                                  .count())) /
                1000.0
          : secs;
  last_batch_start_ = t_start;
  json p = {
      {"id", checkpoint_.writer_id()},
      {"batchId", outcome.batch},
      {"numInputRows", records},
      {"numOutputRows", rows},
      {"badRecords", bad},
      {"inputRowsPerSecond", static_cast<double>(records) / since_last},
      {"processedRowsPerSecond", static_cast<double>(records) / secs},
      {"durationMs",
       {{"planAndBegin", plan_ms},
        {"addBatch", write_ms},
        {"commit", commit_ms},
        {"triggerExecution", total_ms}}},
      {"sources", json::array({{{"startOffset", offsets_json(plan.ranges, false)},
                                {"endOffset", offsets_json(plan.ranges, true)},
                                {"numInputRows", records}}})},
      {"sink",
       {{"files", attempt.files.size()},
        {"bytes", bytes},
        {"earlyCloses", early_closes},
        {"deadLetterFiles", attempt.dead_letters.size()}}},
      {"s3", calls_delta(data_stats_, data_before)},
      {"s3_checkpoint", calls_delta(checkpoint_stats_, ckpt_before)},
  };
  p["timestamp"] = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(std::time(nullptr)));
  if (plan.lost_offsets) p["lostOffsets"] = plan.lost_offsets;
  if (progress_) progress_(p.dump());
  return Status();
}

}  // namespace lakestream::stream
