#include "kafka/metadata.h"

#include <fmt/format.h>
#include <regex.h>

#include <algorithm>
#include <string>
#include <thread>

#include "kafka/errors.h"
#include "kafka/handles.h"

namespace lakestream::kafka {

namespace {

int timeout_ms(std::chrono::milliseconds t) {
  return static_cast<int>(std::clamp<int64_t>(t.count(), 0, INT32_MAX));
}

// ListOffsets with a special timestamp: -2 asks for the earliest, -1 for the latest offset.
// librdkafka groups the request by leader, which is what makes this cheaper than
// rd_kafka_query_watermark_offsets() per partition.
Status list_offsets_once(rd_kafka_t* rk, const std::vector<TopicPartition>& partitions,
                         const std::vector<int64_t>& timestamps, std::chrono::milliseconds timeout,
                         std::vector<int64_t>* out) {
  PartitionListPtr list = make_partition_list(static_cast<int>(partitions.size()));
  for (size_t i = 0; i < partitions.size(); ++i) {
    rd_kafka_topic_partition_list_add(list.get(), partitions[i].topic.c_str(),
                                      partitions[i].partition)
        ->offset = timestamps[i];
  }
  rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list.get(), timeout_ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    // The request-level error hides per-partition detail; report the first failed partition.
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return kafka_status(list->elems[i].err,
                            fmt::format("list offsets: topic {} partition {}", list->elems[i].topic,
                                        list->elems[i].partition));
      }
    }
    return kafka_status(err, fmt::format("list offsets of {} partitions", partitions.size()));
  }
  out->resize(partitions.size());
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = list->elems[i];
    if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return kafka_status(e.err,
                          fmt::format("list offsets: topic {} partition {}", e.topic, e.partition));
    }
    (*out)[static_cast<size_t>(i)] = e.offset;
  }
  return Status();
}

// librdkafka 2.0 does not retry ListOffsets answered by a former leader (NOT_LEADER_FOR_PARTITION
// right after a leader change) or lost to a broker going away: it reports the error and refreshes
// its metadata. Those are kUnavailable; try again with a growing pause until `timeout` is spent.
Status list_offsets(rd_kafka_t* rk, const std::vector<TopicPartition>& partitions,
                    const std::vector<int64_t>& timestamps, std::chrono::milliseconds timeout,
                    std::vector<int64_t>* out) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  std::chrono::milliseconds pause(50);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    Status s = list_offsets_once(rk, partitions, timestamps,
                                 std::max(left, std::chrono::milliseconds(1)), out);
    if (s.ok() || s.code() != StatusCode::kUnavailable || Clock::now() + pause >= deadline) {
      return s;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
}

}  // namespace

Result<ClusterMetadata> fetch_metadata(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* raw = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &raw, timeout_ms(timeout));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return kafka_status(err, "fetch cluster metadata");
  }
  MetadataPtr md(raw);
  ClusterMetadata out;
  for (int i = 0; i < md->broker_cnt; ++i) {
    out.brokers.push_back({md->brokers[i].id, md->brokers[i].host, md->brokers[i].port});
  }
  std::sort(out.brokers.begin(), out.brokers.end(),
            [](const BrokerMetadata& a, const BrokerMetadata& b) { return a.id < b.id; });
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    std::string_view name(t.topic);
    if (name.starts_with("__") || t.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    TopicMetadata topic;
    topic.name = t.topic;
    for (int p = 0; p < t.partition_cnt; ++p) {
      const rd_kafka_metadata_partition_t& mp = t.partitions[p];
      PartitionMetadata pm;
      pm.id = mp.id;
      pm.leader = mp.leader;
      pm.replicas.assign(mp.replicas, mp.replicas + mp.replica_cnt);
      pm.isr.assign(mp.isrs, mp.isrs + mp.isr_cnt);
      topic.partitions.push_back(std::move(pm));
    }
    std::sort(topic.partitions.begin(), topic.partitions.end(),
              [](const PartitionMetadata& a, const PartitionMetadata& b) { return a.id < b.id; });
    out.topics.push_back(std::move(topic));
  }
  std::sort(out.topics.begin(), out.topics.end(),
            [](const TopicMetadata& a, const TopicMetadata& b) { return a.name < b.name; });
  return out;
}

Result<std::vector<TopicPartition>> partitions_matching(rd_kafka_t* rk, std::string_view pattern,
                                                        std::chrono::milliseconds timeout) {
  // Anchored: the whole topic name must match.
  std::string anchored = "^(" + std::string(pattern) + ")$";
  regex_t re;
  int rc = regcomp(&re, anchored.c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[256];
    regerror(rc, &re, why, sizeof why);
    return invalid_argument(fmt::format("topic pattern '{}': {}", pattern, why));
  }
  struct RegexFree {
    regex_t* re;
    ~RegexFree() { regfree(re); }
  } regex_free{&re};
  LS_ASSIGN_OR_RETURN(ClusterMetadata md, fetch_metadata(rk, timeout));
  std::vector<TopicPartition> out;
  for (const TopicMetadata& t : md.topics) {
    if (t.name.starts_with("__")) continue;  // internal topics (__consumer_offsets, ...)
    if (regexec(&re, t.name.c_str(), 0, nullptr, 0) != 0) continue;
    for (const auto& p : t.partitions) out.push_back({t.name, p.id});
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<TopicMetadata> describe_topic(rd_kafka_t* rk, std::string_view topic,
                                     std::chrono::milliseconds timeout) {
  LS_ASSIGN_OR_RETURN(ClusterMetadata md, fetch_metadata(rk, timeout));
  for (TopicMetadata& t : md.topics) {
    if (t.name == topic) return std::move(t);
  }
  return not_found(fmt::format("topic {} does not exist", topic));
}

Result<std::vector<Watermarks>> query_watermarks(rd_kafka_t* rk,
                                                 const std::vector<TopicPartition>& partitions,
                                                 std::chrono::milliseconds timeout) {
  std::vector<Watermarks> out;
  if (partitions.empty()) return out;
  std::vector<int64_t> lows;
  std::vector<int64_t> highs;
  LS_RETURN_IF_ERROR(list_offsets(
      rk, partitions, std::vector<int64_t>(partitions.size(), RD_KAFKA_OFFSET_BEGINNING), timeout,
      &lows));
  LS_RETURN_IF_ERROR(list_offsets(rk, partitions,
                                  std::vector<int64_t>(partitions.size(), RD_KAFKA_OFFSET_END),
                                  timeout, &highs));
  out.reserve(partitions.size());
  for (size_t i = 0; i < partitions.size(); ++i) {
    out.push_back({partitions[i], lows[i], highs[i]});
  }
  return out;
}

Result<std::vector<PartitionOffset>> offsets_for_times(
    rd_kafka_t* rk, const std::vector<TopicPartition>& partitions,
    const std::vector<int64_t>& timestamps_ms, std::chrono::milliseconds timeout) {
  if (timestamps_ms.size() != partitions.size()) {
    return invalid_argument("offsets_for_times: one timestamp per partition expected");
  }
  for (int64_t ts : timestamps_ms) {
    if (ts < 0) return invalid_argument(fmt::format("timestamp {} must be >= 0", ts));
  }
  std::vector<PartitionOffset> out;
  if (partitions.empty()) return out;
  std::vector<int64_t> offsets;
  LS_RETURN_IF_ERROR(list_offsets(rk, partitions, timestamps_ms, timeout, &offsets));
  // A timestamp past the last record answers -1 (OFFSET_END): resolve it to the high watermark
  // so callers always get a concrete offset.
  std::vector<TopicPartition> unresolved;
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (offsets[i] < 0) unresolved.push_back(partitions[i]);
  }
  std::vector<int64_t> highs;
  if (!unresolved.empty()) {
    LS_RETURN_IF_ERROR(list_offsets(rk, unresolved,
                                    std::vector<int64_t>(unresolved.size(), RD_KAFKA_OFFSET_END),
                                    timeout, &highs));
  }
  size_t next_high = 0;
  for (size_t i = 0; i < partitions.size(); ++i) {
    out.push_back({partitions[i], offsets[i] < 0 ? highs[next_high++] : offsets[i]});
  }
  return out;
}

}  // namespace lakestream::kafka
