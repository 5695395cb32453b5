// The three endpoints every lakestream job serves with --http-port: /metrics (the registry in the
// Prometheus text format), /healthz (the process answers) and /readyz (503 until the job says it
// is ready, e.g. after the stream job's recovery). One definition, so the jobs answer probes and
// scrapes the same way.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/status.h"
#include "metrics/http_server.h"
#include "metrics/registry.h"

namespace lakestream::metrics {

// Starts a server on 0.0.0.0:`port` (0: any free port) answering the three endpoints.
// `registry` and `ready` must outlive the server; `not_ready_body` is /readyz's 503 text.
Result<std::unique_ptr<HttpServer>> serve_job_endpoints(const Registry& registry,
                                                        const std::atomic<bool>& ready,
                                                        std::string not_ready_body, int port);

}  // namespace lakestream::metrics
