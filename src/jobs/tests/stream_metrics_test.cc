#include "jobs/stream_metrics.h"

#include <gtest/gtest.h>

namespace lakestream::jobs {
namespace {

TEST(StreamMetrics, ProgressLinesBecomeCountersGaugesAndHistogram) {
  StreamMetrics m;
  m.observe_progress(R"({"batchId":1,"numInputRows":10,"numOutputRows":9,"badRecords":1,)"
                     R"("durationMs":{"triggerExecution":300},"sink":{"files":2,"bytes":1000},)"
                     R"("s3":{"PutObject":2},"s3_checkpoint":{"PutObject":1},)"
                     R"("sources":[{"endOffset":{"taxi":{"0":5,"1":4}}}]})");
  m.observe_progress(R"({"batchId":2,"numOutputRows":1,"sink":{"files":1,"bytes":10},)"
                     R"("sources":[{"endOffset":{"taxi":{"0":6}}}]})");
  m.observe_progress("not json");  // ignored, counts nothing
  std::string text = m.render();
  EXPECT_NE(text.find("lakestream_stream_rows_total 10\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lakestream_stream_bad_records_total 1\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_stream_batches_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_stream_files_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_stream_bytes_total 1010\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_s3_calls_total{api=\"PutObject\",purpose=\"data\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("lakestream_s3_calls_total{api=\"PutObject\",purpose=\"checkpoint\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("lakestream_committed_offset{topic=\"taxi\",partition=\"0\"} 6\n"),
            std::string::npos);
  EXPECT_NE(text.find("lakestream_committed_offset{topic=\"taxi\",partition=\"1\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("lakestream_batch_duration_seconds_bucket{le=\"0.25\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("lakestream_batch_duration_seconds_bucket{le=\"0.5\"} 1\n"),
            std::string::npos);
}

TEST(StreamMetrics, EngineEventsBecomeLagFencedAndRebalanceSeries) {
  using Kind = stream::EngineEvent::Kind;
  StreamMetrics m;
  stream::EngineEvent lag{Kind::kLag, {}, {}};
  lag.lag = {{{"taxi", 0}, 90, 100, 10}, {{"taxi", 3}, -1, 7, 7}};
  m.observe_event(lag);
  std::string text = m.render();
  EXPECT_NE(text.find("lakestream_partition_lag{topic=\"taxi\",partition=\"0\"} 10\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lakestream_partition_lag{topic=\"taxi\",partition=\"3\"} 7\n"),
            std::string::npos);
  EXPECT_NE(text.find("lakestream_committed_offset{topic=\"taxi\",partition=\"0\"} 90\n"),
            std::string::npos);
  // Nothing committed yet for partition 3: no committed-offset series for it.
  EXPECT_EQ(text.find("lakestream_committed_offset{topic=\"taxi\",partition=\"3\"}"),
            std::string::npos);
  EXPECT_NE(text.find("lakestream_stream_fenced_commits_total 0\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_stream_rebalances_total{kind=\"lost\"} 0\n"), std::string::npos);

  m.observe_event({Kind::kFenced, {{"taxi", 0}}, {}});
  m.observe_event({Kind::kLost, {{"taxi", 0}}, {}});
  text = m.render();
  EXPECT_NE(text.find("lakestream_stream_fenced_commits_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lakestream_stream_rebalances_total{kind=\"lost\"} 1\n"), std::string::npos);
  // A rebalance drops the per-partition series until the next lag report.
  EXPECT_EQ(text.find("lakestream_partition_lag{"), std::string::npos) << text;
  EXPECT_EQ(text.find("lakestream_committed_offset{"), std::string::npos);
}

}  // namespace
}  // namespace lakestream::jobs
