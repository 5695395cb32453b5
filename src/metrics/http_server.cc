#include "metrics/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lakestream::metrics {

Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& bind_address, int port,
                                                       HttpHandler handler) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_error("http: socket", errno);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, bind_address.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return invalid_argument("http: bad bind address '" + bind_address + "'");
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 16) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error("http: listen on " + bind_address + ":" + std::to_string(port), err);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    int err = errno;
    ::close(fd);
    return errno_error("http: pipe", err);
  }
  return std::unique_ptr<HttpServer>(
      new HttpServer(fd, pipefd[0], pipefd[1], ntohs(addr.sin_port), std::move(handler)));
}

HttpServer::HttpServer(int listen_fd, int wake_read, int wake_write, int port, HttpHandler handler)
    : listen_fd_(listen_fd), wake_read_(wake_read), wake_write_(wake_write), port_(port),
      handler_(std::move(handler)) {
  thread_ = std::jthread([this](std::stop_token st) { run(st); });
}

HttpServer::~HttpServer() {
  thread_.request_stop();
  char b = 1;
  ssize_t ignored = ::write(wake_write_, &b, 1);  // wakes poll() so the thread sees the stop
  (void)ignored;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
  ::close(wake_read_);
  ::close(wake_write_);
}

void HttpServer::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_read_, POLLIN, 0}};
    int n = ::poll(fds, 2, 1000);
    if (n <= 0) continue;
    if (fds[1].revents) break;
    if (fds[0].revents & POLLIN) {
      int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        serve_one(c);
        ::close(c);
      }
    }
  }
}

void HttpServer::serve_one(int fd) {
  // A slow or silent client must not hold the scrape thread forever.
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
    ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0) return;
    req.append(buf, static_cast<size_t>(r));
  }
  HttpResponse resp;
  size_t sp1 = req.find(' ');
  size_t sp2 = sp1 == std::string::npos ? sp1 : req.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || req.compare(0, sp1, "GET") != 0) {
    resp.status = 405;
    resp.body = "only GET\n";
  } else {
    std::string path = req.substr(sp1 + 1, sp2 - sp1 - 1);
    if (auto q = path.find('?'); q != std::string::npos) path.resize(q);
    resp = handler_(path);
  }
  const char* reason = resp.status == 200 ? "OK" : resp.status == 404 ? "Not Found"
                       : resp.status == 503 ? "Service Unavailable" : "Error";
  std::string head = "HTTP/1.1 " + std::to_string(resp.status) + " " + reason +
                     "\r\nContent-Type: " + resp.content_type +
                     "\r\nContent-Length: " + std::to_string(resp.body.size()) +
                     "\r\nConnection: close\r\n\r\n";
  std::string all = head + resp.body;
  size_t off = 0;
  while (off < all.size()) {
    ssize_t w = ::send(fd, all.data() + off, all.size() - off, MSG_NOSIGNAL);
    if (w <= 0) return;
    off += static_cast<size_t>(w);
  }
}

}  // namespace lakestream::metrics
