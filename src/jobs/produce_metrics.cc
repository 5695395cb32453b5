#include "jobs/produce_metrics.h"

#include "metrics/job_endpoints.h"

namespace lakestream::jobs {

ProduceMetrics::ProduceMetrics()
    : rows_read_(
          registry_.counter("lakestream_produce_rows_read_total", "CSV data rows read")->with()),
      rows_produced_(registry_
                         .counter("lakestream_produce_rows_produced_total",
                                  "Records acknowledged by the Kafka broker")
                         ->with()),
      rows_rejected_(registry_
                         .counter("lakestream_produce_rows_rejected_total",
                                  "Bad CSV rows skipped (PERMISSIVE / DROPMALFORMED)")
                         ->with()),
      rows_failed_(registry_
                       .counter("lakestream_produce_rows_failed_total",
                                "Records whose delivery failed (or was given up at shutdown)")
                       ->with()),
      input_bytes_(
          registry_
              .counter("lakestream_produce_input_bytes_total", "CSV bytes read (decompressed)")
              ->with()),
      avro_bytes_(
          registry_
              .counter("lakestream_produce_avro_bytes_total", "Message value bytes handed to Kafka")
              ->with()),
      in_flight_(registry_
                     .gauge("lakestream_produce_in_flight_messages",
                            "Records handed to Kafka and not yet acknowledged or failed")
                     ->with()),
      rows_per_second_(registry_
                           .gauge("lakestream_produce_rows_per_second",
                                  "Rows read per second, averaged since the start")
                           ->with()) {}

Result<int> ProduceMetrics::serve(int port) {
  auto server = metrics::serve_job_endpoints(registry_, ready_, "starting\n", port);
  if (!server.ok()) return std::move(server).status();
  server_ = std::move(*server);
  return server_->port();
}

void ProduceMetrics::observe(const ProduceSummary& s) {
  rows_read_->set(static_cast<double>(s.rows_read));
  rows_produced_->set(static_cast<double>(s.delivered));
  rows_rejected_->set(static_cast<double>(s.rows_rejected));
  rows_failed_->set(static_cast<double>(s.failed));
  input_bytes_->set(static_cast<double>(s.input_bytes));
  avro_bytes_->set(static_cast<double>(s.avro_bytes));
  in_flight_->set(static_cast<double>(s.in_flight));
  rows_per_second_->set(s.seconds > 0 ? static_cast<double>(s.rows_read) / s.seconds : 0.0);
  ready_.store(true);
}

}  // namespace lakestream::jobs
