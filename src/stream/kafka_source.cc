#include "stream/kafka_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/log.h"

namespace lakestream::stream {

namespace {

kafka::OffsetRange to_kafka(const OffsetRange& r) {
  return {{r.tp.topic, r.tp.partition}, r.start, r.end};
}

// Hands one fetched range's records to the sink, skipping anything outside the range.
Status deliver(const kafka::PartitionRecords& records, const OffsetRange& range,
               const std::function<Status(const SourceRecord&)>& sink) {
  for (size_t i = 0; i < records.size(); ++i) {
    kafka::Record m = records[i];
    if (m.offset < range.start || m.offset >= range.end) continue;
    SourceRecord r;
    r.offset = m.offset;
    r.timestamp_ms = m.timestamp_ms;
    r.value_null = m.value_is_null;
    r.value = m.value;
    r.key_null = m.key_is_null;
    r.key = m.key;
    LS_RETURN_IF_ERROR(sink(r));
  }
  return Status();
}

}  // namespace

Result<std::unique_ptr<KafkaSource>> KafkaSource::open(const kafka::KafkaConfig& config,
                                                       KafkaSourceOptions options) {
  kafka::ConsumerOptions co;
  co.config = config;
  // Offsets lost to retention are skipped, not fatal here: the planner already reports data loss
  // from the watermarks (failOnDataLoss), and a loss racing the fetch is a gap in the batch.
  LS_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::open(co));
  return std::unique_ptr<KafkaSource>(new KafkaSource(std::move(consumer), options));
}

KafkaSource::KafkaSource(std::unique_ptr<kafka::Consumer> consumer, KafkaSourceOptions options)
    : options_(options), consumer_(std::move(consumer)) {}

KafkaSource::~KafkaSource() { stop_fetcher(); }

Result<std::vector<TopicPartition>> KafkaSource::partitions(
    const std::vector<std::string>& topics) {
  std::lock_guard lock(consumer_mu_);
  LS_ASSIGN_OR_RETURN(auto parts, consumer_->partitions(topics));
  std::vector<TopicPartition> out;
  out.reserve(parts.size());
  for (const auto& p : parts) out.push_back({p.topic, p.partition});
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<TopicPartition>> KafkaSource::partitions_matching(const std::string& pattern) {
  std::lock_guard lock(consumer_mu_);
  LS_ASSIGN_OR_RETURN(auto parts, consumer_->partitions_matching(pattern));
  std::vector<TopicPartition> out;
  out.reserve(parts.size());
  for (const auto& p : parts) out.push_back({p.topic, p.partition});
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<PartitionWatermarks>> KafkaSource::watermarks(
    const std::vector<TopicPartition>& partitions) {
  std::vector<kafka::TopicPartition> tps;
  tps.reserve(partitions.size());
  for (const auto& tp : partitions) tps.push_back({tp.topic, tp.partition});
  std::lock_guard lock(consumer_mu_);
  LS_ASSIGN_OR_RETURN(auto marks, consumer_->watermarks(tps));
  std::vector<PartitionWatermarks> out;
  out.reserve(marks.size());
  for (const auto& m : marks) out.push_back({{m.tp.topic, m.tp.partition}, m.low, m.high});
  return out;
}

void KafkaSource::stop_fetcher() {
  if (fetcher_.joinable()) {
    fetcher_.request_stop();
    cv_.notify_all();
    fetcher_.join();
  }
  std::lock_guard lock(mu_);
  slots_.clear();
  wave_pending_.clear();
  waves_outstanding_ = 0;
  fetch_error_ = Status();
}

Status KafkaSource::prepare(const std::vector<OffsetRange>& ranges) {
  stop_fetcher();  // a previous batch that failed half-way may have left its fetcher waiting
  // Waves: consecutive ranges (the order tasks are taken in), one range per partition each.
  std::vector<std::vector<OffsetRange>> waves;
  std::set<TopicPartition> in_wave;
  int64_t wave_records = 0;
  {
    std::lock_guard lock(mu_);
    for (const auto& r : ranges) {
      if (r.end <= r.start) continue;
      if (slots_.count(key_of(r))) continue;  // the same range twice: fetched once
      if (waves.empty() || in_wave.count(r.tp) || wave_records >= options_.wave_records) {
        waves.emplace_back();
        wave_pending_.push_back(0);
        in_wave.clear();
        wave_records = 0;
      }
      waves.back().push_back(r);
      in_wave.insert(r.tp);
      wave_records += r.end - r.start;
      ++wave_pending_.back();
      slots_[key_of(r)].wave = waves.size() - 1;
    }
  }
  if (waves.empty()) return Status();
  fetcher_ = std::jthread([this, w = std::move(waves)](std::stop_token stop) mutable {
    run_fetcher(stop, std::move(w));
  });
  return Status();
}

void KafkaSource::run_fetcher(std::stop_token stop, std::vector<std::vector<OffsetRange>> waves) {
  for (size_t w = 0; w < waves.size(); ++w) {
    {
      // At most two waves in memory: the one being decoded and the next.
      std::unique_lock lock(mu_);
      if (!cv_.wait(lock, stop, [&] { return waves_outstanding_ < 2; })) return;
    }
    std::vector<kafka::OffsetRange> kr;
    kr.reserve(waves[w].size());
    for (const auto& r : waves[w]) kr.push_back(to_kafka(r));
    kafka::FetchOptions fo;
    fo.timeout = options_.fetch_timeout;
    fo.stop = stop;
    auto t0 = std::chrono::steady_clock::now();
    Result<kafka::FetchedBatch> batch = [&] {
      std::lock_guard lock(consumer_mu_);
      return consumer_->fetch(kr, fo);
    }();
    log::debug(
        "stream", "wave {} of {}: {} ranges fetched in {} ms", w + 1, waves.size(), kr.size(),
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    std::lock_guard lock(mu_);
    if (!batch.ok()) {
      fetch_error_ = std::move(batch).status();
      cv_.notify_all();
      return;
    }
    for (const auto& g : batch->gaps()) {
      if (g.kind == kafka::OffsetGap::Kind::kRetention) {
        log::warn("stream", "topic {} partition {}: offsets [{}, {}) deleted before being read",
                  g.tp.topic, g.tp.partition, g.from, g.to);
      }
    }
    auto& parts = batch->mutable_partitions();
    for (size_t i = 0; i < parts.size(); ++i) {
      Slot& slot = slots_[key_of(waves[w][i])];
      slot.records.emplace(std::move(parts[i]));
      slot.ready = true;
    }
    ++waves_outstanding_;
    cv_.notify_all();
  }
}

Status KafkaSource::fetch(const OffsetRange& range,
                          const std::function<Status(const SourceRecord&)>& sink) {
  if (range.end <= range.start) return Status();
  std::optional<kafka::PartitionRecords> records;
  bool prepared = false;
  {
    std::unique_lock lock(mu_);
    auto it = slots_.find(key_of(range));
    if (it != slots_.end()) {
      prepared = true;
      cv_.wait(lock, [&] { return it->second.ready || !fetch_error_.ok(); });
      if (!it->second.ready) return fetch_error_;
      records = std::move(it->second.records);
      size_t wave = it->second.wave;
      slots_.erase(it);
      if (--wave_pending_[wave] == 0) {
        --waves_outstanding_;
        cv_.notify_all();
      }
    }
  }
  if (!prepared) {
    // Not announced by prepare(): fetch this range alone.
    kafka::FetchOptions fo;
    fo.timeout = options_.fetch_timeout;
    std::lock_guard lock(consumer_mu_);
    LS_ASSIGN_OR_RETURN(auto batch, consumer_->fetch({to_kafka(range)}, fo));
    return deliver(batch.partitions().front(), range, sink);
  }
  if (!records) return internal_error(fmt::format("{}: range fetched twice", to_string(range.tp)));
  return deliver(*records, range, sink);
}

}  // namespace lakestream::stream
