// Prometheus metrics of `lakestream produce`, served on --http-port (/metrics, /healthz, /readyz).
//
// Fed from the job's own running summary (ProduceOptions::on_progress), so the numbers scraped
// are the numbers the final summary reports: rows read, produced (acknowledged by the broker),
// rejected, failed, CSV and Avro bytes, messages in flight, and the average rate. Thread-safe: the
// job's sending thread feeds it, the HTTP thread reads it.
#pragma once

#include <atomic>
#include <memory>

#include "common/status.h"
#include "jobs/produce_job.h"
#include "metrics/http_server.h"
#include "metrics/registry.h"

namespace lakestream::jobs {

class ProduceMetrics {
 public:
  ProduceMetrics();
  // Serves the registry on 0.0.0.0:port (0 = any free port). Returns the bound port.
  Result<int> serve(int port);
  // Sets every series from the summary so far; the first call also makes /readyz answer 200
  // (the job is running: inputs resolved, schema registered, Kafka client created).
  void observe(const ProduceSummary& s);
  std::string render() const { return registry_.render(); }

 private:
  metrics::Registry registry_;
  metrics::Series* rows_read_;
  metrics::Series* rows_produced_;
  metrics::Series* rows_rejected_;
  metrics::Series* rows_failed_;
  metrics::Series* input_bytes_;
  metrics::Series* avro_bytes_;
  metrics::Series* in_flight_;
  metrics::Series* rows_per_second_;
  std::atomic<bool> ready_{false};
  std::unique_ptr<metrics::HttpServer> server_;
};

}  // namespace lakestream::jobs
