// A minimal HTTP/1.1 server for /metrics, /healthz and /readyz.
//
// One owned thread accepts connections on a loopback or any-address port and answers GET requests
// one at a time through a handler; that is plenty for Prometheus scrapes and Kubernetes probes and
// keeps the job free of an HTTP framework. Stopped and joined by the destructor.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/status.h"

namespace lakestream::metrics {

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const std::string& path)>;

class HttpServer {
 public:
  // Listens on `bind_address:port` (port 0 = any free port; see port()). kIoError if the port is
  // taken. The handler runs on the server's thread.
  static Result<std::unique_ptr<HttpServer>> start(const std::string& bind_address, int port,
                                                   HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

 private:
  HttpServer(int listen_fd, int wake_read, int wake_write, int port, HttpHandler handler);
  void run(std::stop_token stop);
  void serve_one(int fd);

  int listen_fd_;
  int wake_read_;
  int wake_write_;
  int port_;
  HttpHandler handler_;
  std::jthread thread_;
};

}  // namespace lakestream::metrics
