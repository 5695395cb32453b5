#include "metrics/job_endpoints.h"

#include <utility>

namespace lakestream::metrics {

Result<std::unique_ptr<HttpServer>> serve_job_endpoints(const Registry& registry,
                                                        const std::atomic<bool>& ready,
                                                        std::string not_ready_body, int port) {
  return HttpServer::start(
      "0.0.0.0", port,
      [&registry, &ready, not_ready = std::move(not_ready_body)](const std::string& path) {
        HttpResponse r;
        if (path == "/metrics") {
          r.body = registry.render();
        } else if (path == "/healthz") {
          r.body = "ok\n";
        } else if (path == "/readyz") {
          if (ready.load()) {
            r.body = "ready\n";
          } else {
            r.status = 503;
            r.body = not_ready;
          }
        } else {
          r.status = 404;
          r.body = "not found: try /metrics, /healthz or /readyz\n";
        }
        return r;
      });
}

}  // namespace lakestream::metrics
