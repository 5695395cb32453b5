// Dead-letter files as data files of their batch: listed in the manifest, removed with a fenced
// or uncommitted attempt, carried by compact manifests, in every mode that keeps a manifest.
#include <gtest/gtest.h>

#include "checkpoint/checkpoint_store.h"
#include "checkpoint/data_file_name.h"
#include "checkpoint/tests/memory_store.h"

namespace lakestream::checkpoint::testing {
namespace {

CheckpointOptions options(CheckpointMode mode, uint64_t compact_every = 10) {
  CheckpointOptions o;
  o.mode = mode;
  o.compact_every = compact_every;
  return o;
}

DataFile upload(MemoryStore& out, const std::string& key, const std::string& body,
                const OffsetRange& r, uint64_t rows) {
  auto put = out.put(key, {reinterpret_cast<const uint8_t*>(body.data()), body.size()});
  EXPECT_TRUE(put.ok());
  return DataFile{key, put.ok() ? put->version_id : "", body.size(), rows, r.tp, r.start, r.end};
}

// One attempt of `writer` over [start, end) of taxi/0: a Parquet stand-in and, when `bad` > 0, a
// dead-letter file named as the stream task names it.
BatchAttempt attempt(MemoryStore& out, const std::string& writer, int64_t start, int64_t end,
                     uint64_t bad) {
  OffsetRange r{{"taxi", 0}, start, end};
  BatchAttempt a;
  a.ranges = {r};
  a.files.push_back(upload(out, format_data_file_key({r.tp, start, writer, 0, ""}), "parquet", r,
                           static_cast<uint64_t>(end - start) - bad));
  if (bad) {
    a.dead_letters.push_back(
        upload(out, format_dead_letter_key({r.tp, start, writer, 0, "_dead_letter/"}),
               std::string(bad, '\n'), r, bad));
  }
  return a;
}

class DeadLetters : public ::testing::TestWithParam<CheckpointMode> {};

TEST_P(DeadLetters, UncommittedOnesAreRemovedAtRecoveryCommittedOnesKept) {
  MemoryStore meta, out;
  auto w = open_checkpoint(meta, out, options(GetParam()));
  ASSERT_TRUE(w->recover(std::nullopt).ok());
  ASSERT_TRUE(w->begin_batch({{{"taxi", 0}, 0, 10}}).ok());
  auto done = w->commit(attempt(out, w->writer_id(), 0, 10, 2));
  ASSERT_TRUE(done.ok()) << done.status().to_string();
  ASSERT_TRUE(done->committed);
  // The next attempt uploads its files and dead letters, then the process dies.
  ASSERT_TRUE(w->begin_batch({{{"taxi", 0}, 10, 20}}).ok());
  attempt(out, w->writer_id(), 10, 20, 1);
  EXPECT_EQ(out.keys("_dead_letter/").size(), 2u);

  auto again = open_checkpoint(meta, out, options(GetParam()));
  auto report = again->recover(std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->files_removed, 2u);  // the Parquet file and the dead letters
  auto dl = out.keys("_dead_letter/");
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_EQ(dl[0], format_dead_letter_key({{"taxi", 0}, 0, w->writer_id(), 0, "_dead_letter/"}));
  ASSERT_EQ(again->state().dead_letters.size(), 1u);
  EXPECT_EQ(again->state().dead_letters.begin()->second.rows, 2u);
  auto read = read_committed_state(meta);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->dead_letters.size(), 1u);
  EXPECT_EQ(read->dead_letters.begin()->first, dl[0]);
  EXPECT_EQ(read->files.size(), 1u);  // the data files do not include dead letters
}

TEST_P(DeadLetters, CompactManifestsCarryEveryCommittedDeadLetterFile) {
  MemoryStore meta, out;
  auto w = open_checkpoint(meta, out, options(GetParam(), /*compact_every=*/3));
  ASSERT_TRUE(w->recover(std::nullopt).ok());
  for (int64_t b = 0; b < 7; ++b) {
    ASSERT_TRUE(w->begin_batch({{{"taxi", 0}, b * 10, b * 10 + 10}}).ok());
    auto done = w->commit(attempt(out, w->writer_id(), b * 10, b * 10 + 10, b % 2 ? 1 : 0));
    ASSERT_TRUE(done.ok() && done->committed);
  }
  auto read = read_committed_state(meta);
  ASSERT_TRUE(read.ok()) << read.status().to_string();
  EXPECT_EQ(read->files.size(), 7u);
  EXPECT_EQ(read->dead_letters.size(), 3u);  // batches 1, 3, 5
  EXPECT_EQ(out.keys("_dead_letter/").size(), 3u);
  auto again = open_checkpoint(meta, out, options(GetParam(), 3));
  auto report = again->recover(std::nullopt);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->files_removed, 0u);
  EXPECT_EQ(again->state().dead_letters.size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(ManifestModes, DeadLetters,
                         ::testing::Values(CheckpointMode::kConditional, CheckpointMode::kDirect,
                                           CheckpointMode::kRename),
                         [](const auto& info) {
                           return std::string(checkpoint_mode_name(info.param));
                         });

TEST(DeadLettersConditional, AFencedWriterRemovesItsDeadLettersWithItsFiles) {
  MemoryStore meta, out;
  auto a = open_checkpoint(meta, out, options(CheckpointMode::kConditional));
  auto b = open_checkpoint(meta, out, options(CheckpointMode::kConditional));
  ASSERT_TRUE(a->recover(std::nullopt).ok());
  ASSERT_TRUE(b->recover(std::nullopt).ok());  // b claims after a: a is fenced
  auto a_try = attempt(out, a->writer_id(), 0, 10, 1);
  auto b_try = attempt(out, b->writer_id(), 0, 10, 1);
  auto b_done = b->commit(b_try);
  ASSERT_TRUE(b_done.ok() && b_done->committed);
  auto a_done = a->commit(a_try);
  ASSERT_TRUE(a_done.ok()) << a_done.status().to_string();
  EXPECT_FALSE(a_done->committed);
  auto dl = out.keys("_dead_letter/");
  ASSERT_EQ(dl.size(), 1u);  // the bad record is reported once, by the winner
  EXPECT_EQ(dl[0], b_try.dead_letters[0].key);
  EXPECT_EQ(out.keys().size(), 2u);
}

TEST(DeadLettersConditional, ClaimedRecoveryRemovesOnlyItsPartitionsDeadLetters) {
  MemoryStore meta, out;
  auto w = open_checkpoint(meta, out, options(CheckpointMode::kConditional));
  ASSERT_TRUE(w->recover(std::nullopt).ok());
  attempt(out, w->writer_id(), 0, 10, 1);  // taxi/0, never committed
  OffsetRange r1{{"taxi", 1}, 0, 10};
  upload(out, format_dead_letter_key({r1.tp, 0, w->writer_id(), 0, "_dead_letter/"}), "\n", r1, 1);
  auto other = open_checkpoint(meta, out, options(CheckpointMode::kConditional));
  auto report = other->recover(std::vector<TopicPartition>{{"taxi", 1}});
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->files_removed, 1u);
  auto dl = out.keys("_dead_letter/");
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_EQ(parse_dead_letter_key(dl[0])->tp, (TopicPartition{"taxi", 0}));
}

// Chain layout: what a chain task does for [start, end) of taxi/0 with `bad` bad records: its
// dead letters first (plain PUT), then the chain file (create-only, end in the metadata).
BatchAttempt chain_attempt(MemoryStore& out, const std::string& writer, int64_t start, int64_t end,
                           uint64_t bad) {
  OffsetRange r{{"taxi", 0}, start, end};
  BatchAttempt a;
  a.ranges = {r};
  if (bad) {
    a.dead_letters.push_back(upload(out,
                                    format_chain_dead_letter_key("_dead_letter/", r.tp, start, end),
                                    std::string(bad, '\n'), r, bad));
  }
  storage::PutOptions po;
  po.if_none_match = true;
  po.metadata[kChainEndMetadata] = std::to_string(end);
  po.metadata[kChainWriterMetadata] = writer;
  std::string body = "parquet";
  auto put = out.put(format_chain_file_key(r.tp, start),
                     {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, po);
  if (put.ok()) {
    a.files.push_back({format_chain_file_key(r.tp, start), put->version_id, body.size(),
                       static_cast<uint64_t>(end - start) - bad, r.tp, start, end});
  } else {
    EXPECT_EQ(put.status().code(), StatusCode::kPreconditionFailed);
    a.fenced.push_back(r.tp);
  }
  return a;
}

TEST(DeadLettersChain, TheFencedWritersDeadLettersAreRemovedTheWinnersKept) {
  MemoryStore meta, out;
  auto a = open_checkpoint(meta, out, options(CheckpointMode::kChain));
  auto b = open_checkpoint(meta, out, options(CheckpointMode::kChain));
  ASSERT_TRUE(a->recover(std::nullopt).ok());
  ASSERT_TRUE(b->recover(std::nullopt).ok());
  auto a_done = a->commit(chain_attempt(out, a->writer_id(), 0, 20, 2));
  ASSERT_TRUE(a_done.ok() && a_done->committed);
  // b planned [0, 10) from the same chain end: its dead letters went up, its file got 412.
  auto b_try = chain_attempt(out, b->writer_id(), 0, 10, 1);
  ASSERT_EQ(b_try.fenced.size(), 1u);
  EXPECT_EQ(out.keys("_dead_letter/").size(), 2u);
  auto b_done = b->commit(b_try);
  ASSERT_TRUE(b_done.ok()) << b_done.status().to_string();
  EXPECT_FALSE(b_done->committed);
  auto dl = out.keys("_dead_letter/");
  ASSERT_EQ(dl.size(), 1u);
  EXPECT_EQ(dl[0], format_chain_dead_letter_key("_dead_letter/", {"taxi", 0}, 0, 20));
  // A loser with the winner's very range shares its key (same records): nothing is removed.
  auto a2 = a->commit(chain_attempt(out, a->writer_id(), 20, 30, 1));
  ASSERT_TRUE(a2.ok() && a2->committed);
  auto b2 = b->commit(chain_attempt(out, b->writer_id(), 20, 30, 1));
  ASSERT_TRUE(b2.ok());
  EXPECT_FALSE(b2->committed);
  EXPECT_EQ(out.keys("_dead_letter/").size(), 2u);
  auto read = read_chain_state(out);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->dead_letters.size(), 2u);
}

TEST(DeadLettersChain, ACrashedAttemptsDeadLettersArePendingThenRemovedOnceTheChainPassesThem) {
  MemoryStore meta, out;
  {
    auto w = open_checkpoint(meta, out, options(CheckpointMode::kChain));
    ASSERT_TRUE(w->recover(std::nullopt).ok());
    ASSERT_TRUE(w->commit(chain_attempt(out, w->writer_id(), 0, 10, 1)).ok());
    // The next attempt's dead letters went up; the process died before its chain file.
    upload(out, format_chain_dead_letter_key("_dead_letter/", {"taxi", 0}, 10, 20), "\n",
           {{"taxi", 0}, 10, 20}, 1);
  }
  auto w = open_checkpoint(meta, out, options(CheckpointMode::kChain));
  auto report = w->recover(std::nullopt);
  ASSERT_TRUE(report.ok()) << report.status().to_string();
  EXPECT_EQ(report->files_removed, 0u);  // ahead of the chain: maybe in flight, kept for now
  EXPECT_EQ(out.keys("_dead_letter/").size(), 2u);
  EXPECT_EQ(w->state().dead_letters.size(), 1u);
  // The replay reads more this time: [10, 25), with the same bad record.
  uint64_t deletes = out.calls("DeleteObjects");
  auto done = w->commit(chain_attempt(out, w->writer_id(), 10, 25, 1));
  ASSERT_TRUE(done.ok() && done->committed);
  EXPECT_EQ(out.calls("DeleteObjects") - deletes, 1u);
  auto dl = out.keys("_dead_letter/");
  ASSERT_EQ(dl.size(), 2u);
  EXPECT_EQ(dl[1], format_chain_dead_letter_key("_dead_letter/", {"taxi", 0}, 10, 25));
  EXPECT_EQ(w->state().dead_letters.size(), 2u);
  // Later batches without bad records cost nothing more.
  ASSERT_TRUE(w->commit(chain_attempt(out, w->writer_id(), 25, 30, 0)).ok());
  EXPECT_EQ(out.calls("DeleteObjects") - deletes, 1u);
}

}  // namespace
}  // namespace lakestream::checkpoint::testing
