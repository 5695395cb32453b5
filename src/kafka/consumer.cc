#include "kafka/consumer.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "common/log.h"
#include "kafka/errors.h"
#include "kafka/metadata.h"

namespace lakestream::kafka {

namespace {

constexpr size_t kBatchMessages = 4096;

// Per requested range, where fetch() stands.
struct RangeState {
  size_t index = 0;  // into the batch's partitions
  int64_t next = 0;  // next offset expected
  int64_t end = 0;
  bool done = false;
};

}  // namespace

Result<std::unique_ptr<Consumer>> Consumer::open(const ConsumerOptions& options) {
  KafkaConfig config;
  // assign() needs a group.id, but this consumer never joins or commits: the group is a name only.
  config.set("group.id", "lakestream-offset-range-reader")
      .set("client.id", "lakestream")
      .set("enable.auto.commit", "false")
      .set("enable.auto.offset.store", "false")
      // Offsets gone to retention must surface as an error we turn into a gap, never as a
      // silent jump.
      .set("auto.offset.reset", "error")
      .set("enable.partition.eof", "true")
      .set("fetch.max.bytes", std::to_string(options.fetch_max_bytes))
      .set("max.partition.fetch.bytes", std::to_string(options.max_partition_fetch_bytes))
      .set("receive.message.max.bytes", std::to_string(options.fetch_max_bytes + (1 << 20)))
      .set("queued.max.messages.kbytes", std::to_string(options.queued_max_kbytes))
      .set("fetch.wait.max.ms", "100");
  for (const auto& [k, v] : options.config.properties()) config.set(k, v);
  if (config.get("bootstrap.servers") == nullptr) {
    return invalid_argument("kafka consumer: bootstrap.servers is not set");
  }
  LS_ASSIGN_OR_RETURN(KafkaPtr rk, create_handle(RD_KAFKA_CONSUMER, config));
  QueuePtr queue(rd_kafka_queue_get_consumer(rk.get()));
  if (!queue) return internal_error("kafka consumer: no consumer queue");
  return std::unique_ptr<Consumer>(
      new Consumer(std::move(rk), std::move(queue), options.request_timeout));
}

Consumer::Consumer(KafkaPtr rk, QueuePtr queue, std::chrono::milliseconds request_timeout)
    : rk_(std::move(rk)), queue_(std::move(queue)), request_timeout_(request_timeout) {
  scratch_.resize(kBatchMessages);
}

Consumer::~Consumer() {
  // librdkafka requires the consumer queue reference to go before consumer_close().
  queue_.reset();
  rd_kafka_consumer_close(rk_.get());
}

Result<std::vector<TopicPartition>> Consumer::partitions(const std::vector<std::string>& topics) {
  LS_ASSIGN_OR_RETURN(ClusterMetadata md, fetch_metadata(rk_.get(), request_timeout_));
  std::vector<TopicPartition> out;
  for (const std::string& name : std::set<std::string>(topics.begin(), topics.end())) {
    auto it = std::find_if(md.topics.begin(), md.topics.end(),
                           [&](const TopicMetadata& t) { return t.name == name; });
    if (it == md.topics.end()) return not_found(fmt::format("topic {} does not exist", name));
    for (const auto& p : it->partitions) out.push_back({name, p.id});
  }
  return out;
}

Result<std::vector<TopicPartition>> Consumer::partitions_matching(std::string_view pattern) {
  return kafka::partitions_matching(rk_.get(), pattern, request_timeout_);
}

Result<std::vector<Watermarks>> Consumer::watermarks(
    const std::vector<TopicPartition>& partitions) {
  return query_watermarks(rk_.get(), partitions, request_timeout_);
}

Result<std::vector<PartitionOffset>> Consumer::offsets_for_times(
    const std::vector<TopicPartition>& partitions, const std::vector<int64_t>& timestamps_ms) {
  return kafka::offsets_for_times(rk_.get(), partitions, timestamps_ms, request_timeout_);
}

namespace {

// Assigns every unfinished range at its next offset (replacing the previous assignment).
Status assign_ranges(rd_kafka_t* rk, const std::vector<OffsetRange>& ranges,
                     const std::vector<RangeState>& states) {
  PartitionListPtr list = make_partition_list(static_cast<int>(states.size()));
  for (const RangeState& s : states) {
    if (s.done) continue;
    const TopicPartition& tp = ranges[s.index].tp;
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = s.next;
  }
  LS_RETURN_IF_ERROR(kafka_status(rd_kafka_assign(rk, list.get()), "assign partitions for fetch"));
  // A partition paused when it finished an earlier range stays paused across assign().
  return kafka_status(rd_kafka_resume_partitions(rk, list.get()), "resume partitions for fetch");
}

// Splits a gap by the partition's log start offset: the part below it was deleted by the broker
// (retention), the rest is a hole inside the log.
void classify_gap(const OffsetGap& gap, int64_t log_start, std::vector<OffsetGap>* out) {
  if (gap.from < log_start) {
    out->push_back({gap.tp, gap.from, std::min(gap.to, log_start), OffsetGap::Kind::kRetention});
  }
  if (gap.to > log_start) {
    out->push_back({gap.tp, std::max(gap.from, log_start), gap.to, OffsetGap::Kind::kMissing});
  }
}

}  // namespace

Result<FetchedBatch> Consumer::fetch(const std::vector<OffsetRange>& ranges,
                                     const FetchOptions& options) {
  FetchedBatch batch;
  std::vector<RangeState> states;
  states.reserve(ranges.size());
  // Lookup from (topic, partition) to state: topics are few, partitions dense.
  std::vector<std::string> topics;
  std::vector<std::vector<int>> by_partition;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const OffsetRange& r = ranges[i];
    if (r.start < 0 || r.end < r.start || r.tp.partition < 0 || r.tp.topic.empty()) {
      return invalid_argument(fmt::format("fetch: bad range topic '{}' partition {} [{}, {})",
                                          r.tp.topic, r.tp.partition, r.start, r.end));
    }
    auto t = std::find(topics.begin(), topics.end(), r.tp.topic);
    size_t ti = static_cast<size_t>(t - topics.begin());
    if (t == topics.end()) {
      topics.push_back(r.tp.topic);
      by_partition.emplace_back();
    }
    auto& slots = by_partition[ti];
    if (slots.size() <= static_cast<size_t>(r.tp.partition)) slots.resize(r.tp.partition + 1, -1);
    if (slots[r.tp.partition] >= 0) {
      return invalid_argument(
          fmt::format("fetch: two ranges for topic {} partition {}", r.tp.topic, r.tp.partition));
    }
    slots[r.tp.partition] = static_cast<int>(i);
    batch.mutable_partitions().emplace_back(r);
    batch.mutable_partitions().back().reserve(
        static_cast<size_t>(std::min<int64_t>(r.size(), 1 << 20)));
    states.push_back({i, r.start, r.end, r.size() == 0});
  }
  size_t remaining = std::count_if(states.begin(), states.end(), [](auto& s) { return !s.done; });
  if (remaining == 0) return batch;

  LS_RETURN_IF_ERROR(assign_ranges(rk_.get(), ranges, states));
  // Whatever happens below, leave nothing assigned (no fetching between batches).
  struct Unassign {
    rd_kafka_t* rk;
    ~Unassign() { rd_kafka_assign(rk, nullptr); }
  } unassign{rk_.get()};

  std::vector<OffsetGap> unclassified;  // holes seen mid-range, classified at the end
  std::vector<size_t> out_of_range;     // states whose next offset the broker rejected
  PartitionListPtr to_pause = make_partition_list();
  const rd_kafka_topic_t* last_rkt = nullptr;
  size_t last_topic = 0;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;

  auto find_state = [&](const rd_kafka_message_t* m) -> RangeState* {
    if (m->rkt == nullptr) return nullptr;
    if (m->rkt != last_rkt) {
      const char* name = rd_kafka_topic_name(m->rkt);
      auto t = std::find(topics.begin(), topics.end(), name);
      if (t == topics.end()) return nullptr;
      last_rkt = m->rkt;
      last_topic = static_cast<size_t>(t - topics.begin());
    }
    const auto& slots = by_partition[last_topic];
    if (m->partition < 0 || static_cast<size_t>(m->partition) >= slots.size()) return nullptr;
    int idx = slots[m->partition];
    return idx < 0 ? nullptr : &states[static_cast<size_t>(idx)];
  };
  auto finish_state = [&](RangeState& s) {
    s.done = true;
    --remaining;
    const TopicPartition& tp = ranges[s.index].tp;
    rd_kafka_topic_partition_list_add(to_pause.get(), tp.topic.c_str(), tp.partition);
  };

  while (remaining > 0) {
    if (options.stop.stop_requested()) {
      return cancelled(fmt::format("fetch stopped with {} of {} partitions incomplete", remaining,
                                   ranges.size()));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string detail;
      for (const RangeState& s : states) {
        if (s.done) continue;
        const OffsetRange& r = ranges[s.index];
        if (!detail.empty()) detail += "; ";
        detail += fmt::format("topic {} partition {} at offset {} of [{}, {})", r.tp.topic,
                              r.tp.partition, s.next, r.start, r.end);
      }
      return timeout_error(
          fmt::format("fetch incomplete after {} ms: {}", options.timeout.count(), detail));
    }
    // consume_batch_queue() with a timeout waits until the batch is full or the timeout passes,
    // so a partial batch (the tail of every fetch response) would cost the whole timeout: take
    // what is queued without waiting, and block only for the first message when nothing is.
    ssize_t n = rd_kafka_consume_batch_queue(queue_.get(), 0, scratch_.data(), scratch_.size());
    if (n < 0) return kafka_status(rd_kafka_last_error(), "fetch: consume");
    if (n == 0) {
      rd_kafka_message_t* first = rd_kafka_consume_queue(queue_.get(), 100);
      if (first != nullptr) {
        scratch_[0] = first;
        n = 1;
      }
    }
    for (ssize_t i = 0; i < n; ++i) {
      MessagePtr msg(scratch_[static_cast<size_t>(i)]);
      RangeState* s = find_state(msg.get());
      if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        switch (msg->err) {
          case RD_KAFKA_RESP_ERR__PARTITION_EOF:
            // EOF at or past the range end without the last offsets: they hold no record.
            if (s && !s->done && msg->offset >= s->end) {
              if (s->next < s->end) {
                unclassified.push_back({ranges[s->index].tp, s->next, s->end});
              }
              finish_state(*s);
            }
            break;
          case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
          case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
            if (s && !s->done) out_of_range.push_back(static_cast<size_t>(s - states.data()));
            break;
          case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
          case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
          case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
          case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
          case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
          case RD_KAFKA_RESP_ERR__AUTHENTICATION:
          case RD_KAFKA_RESP_ERR__SSL: {
            std::string where =
                s ? fmt::format("fetch topic {} partition {}", ranges[s->index].tp.topic,
                                ranges[s->index].tp.partition)
                  : std::string("fetch");
            return kafka_status(msg->err, where);
          }
          default:
            // Transport errors, leader changes: librdkafka retries on its own; the deadline
            // bounds how long we let it.
            log::debug("kafka", "fetch: transient consumer error: {}",
                       rd_kafka_message_errstr(msg.get()));
            break;
        }
        continue;
      }
      if (s == nullptr || s->done || msg->offset < s->next) continue;  // stale or duplicate
      if (msg->offset >= s->end) {
        if (s->next < s->end) unclassified.push_back({ranges[s->index].tp, s->next, s->end});
        finish_state(*s);
        continue;
      }
      if (msg->offset > s->next) {
        unclassified.push_back({ranges[s->index].tp, s->next, msg->offset});
      }
      s->next = msg->offset + 1;
      batch.mutable_partitions()[s->index].add(std::move(msg));
      if (s->next >= s->end) finish_state(*s);
    }
    if (to_pause->cnt > 0) {
      // Stop fetching past the end of finished ranges; errors here only cost extra prefetch.
      rd_kafka_pause_partitions(rk_.get(), to_pause.get());
      to_pause = make_partition_list();
    }
    if (!out_of_range.empty()) {
      // The broker no longer has the next offset: resume from the log start and record the hole.
      std::vector<TopicPartition> tps;
      for (size_t si : out_of_range) tps.push_back(ranges[states[si].index].tp);
      LS_ASSIGN_OR_RETURN(std::vector<Watermarks> marks, watermarks(tps));
      for (size_t k = 0; k < out_of_range.size(); ++k) {
        RangeState& s = states[out_of_range[k]];
        if (s.done) continue;
        const Watermarks& m = marks[k];
        if (s.next >= m.high && s.next > m.low) {
          return data_loss(fmt::format(
              "topic {} partition {}: offset {} is beyond the log end {} (was the topic "
              "deleted and recreated?)",
              m.tp.topic, m.tp.partition, s.next, m.high));
        }
        int64_t resume = std::min(m.low, s.end);
        if (resume > s.next) {
          batch.mutable_gaps().push_back({m.tp, s.next, resume, OffsetGap::Kind::kRetention});
          log::warn("kafka", "topic {} partition {}: offsets [{}, {}) were deleted by the broker",
                    m.tp.topic, m.tp.partition, s.next, resume);
          s.next = resume;
        }
        if (s.next >= s.end) finish_state(s);
      }
      out_of_range.clear();
      to_pause = make_partition_list();  // done partitions are simply not re-assigned
      if (remaining > 0) LS_RETURN_IF_ERROR(assign_ranges(rk_.get(), ranges, states));
    }
  }

  if (!unclassified.empty()) {
    std::vector<TopicPartition> tps;
    for (const OffsetGap& g : unclassified) tps.push_back(g.tp);
    LS_ASSIGN_OR_RETURN(std::vector<Watermarks> marks, watermarks(tps));
    for (size_t k = 0; k < unclassified.size(); ++k) {
      classify_gap(unclassified[k], marks[k].low, &batch.mutable_gaps());
    }
  }
  return batch;
}

}  // namespace lakestream::kafka
