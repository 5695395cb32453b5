// A stand-in for the stream job in checkpoint tests: plans ranges over fake partitions (offsets
// 0..high watermark), "writes" one data file per partition per batch (body "p:start:end"), commits,
// and checks afterwards that the committed files hold every offset exactly once.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/checkpoint_store.h"
#include "checkpoint/data_file_name.h"
#include "checkpoint/tests/memory_store.h"

namespace lakestream::checkpoint::testing {

struct SimSource {
  std::string topic = "taxi";
  std::vector<int64_t> high;  // high watermark per partition
  int64_t max_per_batch = 10;
};

class SimWriter {
 public:
  SimWriter(storage::ObjectStore& meta, storage::ObjectStore& out, CheckpointOptions o,
            const SimSource& src, std::optional<std::vector<TopicPartition>> claim = std::nullopt)
      : out_(out), src_(src), claim_(std::move(claim)) {
    store_ = open_checkpoint(meta, out, std::move(o));
  }

  CheckpointStore& store() { return *store_; }
  // Swaps the store, e.g. for a wrapper around it (with_spark_metadata).
  template <typename Wrap>
  void wrap_store(Wrap&& wrap) {
    store_ = wrap(std::move(store_));
  }
  Status recover() { return store_->recover(claim_).status(); }

  bool owns(int32_t p) const {
    if (!claim_) return true;
    return std::find(claim_->begin(), claim_->end(), TopicPartition{src_.topic, p}) !=
           claim_->end();
  }

  // Plans the next attempt; empty when caught up.
  std::vector<OffsetRange> plan() const {
    std::vector<OffsetRange> ranges;
    for (int32_t p = 0; p < static_cast<int32_t>(src_.high.size()); ++p) {
      if (!owns(p)) continue;
      TopicPartition tp{src_.topic, p};
      auto it = store_->state().offsets.find(tp);
      int64_t start = it == store_->state().offsets.end() ? 0 : it->second;
      int64_t end = std::min(src_.high[p], start + src_.max_per_batch);
      if (end > start) ranges.push_back({tp, start, end});
    }
    return ranges;
  }

  // Uploads files for `ranges`. Errors (a crash) are returned.
  Result<BatchAttempt> write(const std::vector<OffsetRange>& ranges) {
    BatchAttempt a;
    a.ranges = ranges;
    if (store_->mode() == CheckpointMode::kChain) return write_chain(std::move(a));
    for (const auto& r : ranges) {
      DataFileName n{r.tp, r.start, store_->writer_id(), 0, ""};
      std::string key = format_data_file_key(n);
      std::string body = fmt::format("{}:{}:{}", r.tp.partition, r.start, r.end);
      LS_ASSIGN_OR_RETURN(
          auto put, out_.put(key, {reinterpret_cast<const uint8_t*>(body.data()), body.size()}));
      a.files.push_back(DataFile{key, put.version_id, body.size(),
                                 static_cast<uint64_t>(r.end - r.start), r.tp, r.start, r.end});
    }
    return a;
  }

  // Chain layout: one create-only file per range, named by start offset, end in metadata; a 412
  // fences the partition (as the stream task does).
  Result<BatchAttempt> write_chain(BatchAttempt a) {
    for (const auto& r : a.ranges) {
      std::string key = format_chain_file_key(r.tp, r.start);
      std::string body = fmt::format("{}:{}:{}", r.tp.partition, r.start, r.end);
      storage::PutOptions po;
      po.if_none_match = true;
      po.metadata[kChainEndMetadata] = std::to_string(r.end);
      po.metadata[kChainWriterMetadata] = store_->writer_id();
      auto put = out_.put(key, {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, po);
      if (!put.ok() && put.status().code() == StatusCode::kPreconditionFailed) {
        a.fenced.push_back(r.tp);
        continue;
      }
      if (!put.ok()) return std::move(put).status();
      a.files.push_back(DataFile{key, put->version_id, body.size(),
                                 static_cast<uint64_t>(r.end - r.start), r.tp, r.start, r.end});
    }
    return a;
  }

  // One batch: plan, begin, write, commit. Returns false when caught up.
  Result<bool> step(CommitOutcome* outcome = nullptr) {
    auto ranges = plan();
    if (ranges.empty()) return false;
    LS_RETURN_IF_ERROR(store_->begin_batch(ranges));
    LS_ASSIGN_OR_RETURN(BatchAttempt a, write(ranges));
    LS_ASSIGN_OR_RETURN(CommitOutcome o, store_->commit(a));
    if (outcome) *outcome = o;
    return true;
  }

  Status run_to_end() {
    for (;;) {
      LS_ASSIGN_OR_RETURN(bool more, step());
      if (!more) return Status();
    }
  }

 private:
  storage::ObjectStore& out_;
  SimSource src_;
  std::optional<std::vector<TopicPartition>> claim_;
  std::unique_ptr<CheckpointStore> store_;
};

// Every offset of every partition in exactly one committed file, and the output holds no data
// file that is not committed. Reads the log afresh (read_committed_state), like `lakestream files`.
inline void expect_exactly_once(MemoryStore& meta, MemoryStore& out, const SimSource& src,
                                bool chain = false) {
  auto state = chain ? read_chain_state(out) : read_committed_state(meta);
  ASSERT_TRUE(state.ok()) << state.status().to_string();
  std::map<int32_t, std::vector<std::pair<int64_t, int64_t>>> by_partition;
  for (const auto& [key, f] : state->files) {
    std::string body = out.body(key);
    auto expected = fmt::format("{}:{}:{}", f.tp.partition, f.start, f.end);
    EXPECT_EQ(body, expected) << key;
    by_partition[f.tp.partition].push_back({f.start, f.end});
  }
  for (int32_t p = 0; p < static_cast<int32_t>(src.high.size()); ++p) {
    auto& ranges = by_partition[p];
    std::sort(ranges.begin(), ranges.end());
    int64_t next = 0;
    for (auto [s, e] : ranges) {
      EXPECT_EQ(s, next) << "partition " << p << ": gap or overlap at " << s;
      next = e;
    }
    EXPECT_EQ(next, src.high[p]) << "partition " << p;
    EXPECT_EQ((state->offsets[TopicPartition{src.topic, p}]), src.high[p]) << "partition " << p;
  }
  for (const auto& key : out.keys()) {
    if (!parse_data_file_key(key) && !parse_chain_file_key(key)) continue;
    EXPECT_TRUE(state->files.contains(key)) << "uncommitted file left in output: " << key;
  }
}

}  // namespace lakestream::checkpoint::testing
