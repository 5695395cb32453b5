// Prometheus metrics of `lakestream stream`, served on --http-port (/metrics, /healthz, /readyz).
//
// Fed from the job's own per-batch progress lines (the StreamingQueryProgress-like JSON the engine
// prints), so the numbers scraped are exactly the numbers reported: rows, bad records, batches,
// files and bytes written, batch duration, committed offset per partition, and S3 calls per API
// split into data files and the checkpoint protocol. Engine events (stream/group_assignment.h) add
// per-partition lag and committed offset of the partitions this worker holds, fenced commits and
// consumer-group rebalances. Thread-safe: the engine's thread feeds it,
// the HTTP thread reads it.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/status.h"
#include "metrics/http_server.h"
#include "metrics/registry.h"
#include "stream/group_assignment.h"

namespace lakestream::jobs {

class StreamMetrics {
 public:
  StreamMetrics();
  // Serves the registry on 0.0.0.0:port (0 = any free port). Returns the bound port.
  Result<int> serve(int port);
  // Parses one progress line and updates the metrics; malformed lines are ignored (logged).
  void observe_progress(const std::string& json_line);
  // Lag and committed offset gauges (replaced on every kLag event, cleared on a rebalance, so a
  // worker only shows the partitions it holds), fenced commits and rebalances by kind.
  void observe_event(const stream::EngineEvent& event);
  // /readyz answers 200 once the checkpoint was recovered and batches can run.
  void set_ready(bool ready) { ready_.store(ready); }
  std::string render() const { return registry_.render(); }

 private:
  metrics::Registry registry_;
  metrics::Family* rows_;
  metrics::Family* bad_records_;
  metrics::Family* batches_;
  metrics::Family* files_;
  metrics::Family* bytes_;
  metrics::Family* s3_calls_;
  metrics::Family* committed_offset_;
  metrics::Family* lag_;
  metrics::Family* fenced_;
  metrics::Family* rebalances_;
  metrics::Histogram* batch_seconds_;
  std::atomic<bool> ready_{false};
  std::unique_ptr<metrics::HttpServer> server_;
};

}  // namespace lakestream::jobs
