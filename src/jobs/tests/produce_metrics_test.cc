#include "jobs/produce_metrics.h"

#include <gtest/gtest.h>

namespace lakestream::jobs {
namespace {

TEST(ProduceMetrics, SummaryBecomesCountersAndGauges) {
  ProduceMetrics m;
  std::string before = m.render();
  EXPECT_NE(before.find("lakestream_produce_rows_produced_total 0\n"), std::string::npos) << before;
  ProduceSummary s;
  s.rows_read = 1000;
  s.rows_rejected = 3;
  s.delivered = 900;
  s.failed = 2;
  s.in_flight = 95;
  s.input_bytes = 123456;
  s.avro_bytes = 654321;
  s.seconds = 4;
  m.observe(s);
  std::string text = m.render();
  EXPECT_NE(text.find("lakestream_produce_rows_read_total 1000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lakestream_produce_rows_produced_total 900\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_produce_rows_rejected_total 3\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_produce_rows_failed_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_produce_input_bytes_total 123456\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_produce_avro_bytes_total 654321\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_produce_in_flight_messages 95\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_produce_rows_per_second 250\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE lakestream_produce_in_flight_messages gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE lakestream_produce_rows_read_total counter\n"), std::string::npos);
}

}  // namespace
}  // namespace lakestream::jobs
