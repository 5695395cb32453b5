// A tiny HTTP fault-injection proxy for tests: forwards one request per connection to an upstream
// (it adds "Connection: close", so curl reconnects and every request is seen), or, when the rule
// says so, answers 503 SlowDown or drops the connection without answering.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lakestream::storage::testing {

class FaultProxy {
 public:
  enum class Action { kForward, kReset, kSlowDown };
  // `rule(request_line, n)`: n counts requests from 0.
  using Rule = std::function<Action(const std::string& request_line, int n)>;

  FaultProxy(int upstream_port, Rule rule) : upstream_port_(upstream_port), rule_(std::move(rule)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(listen_fd_, 64);
    acceptor_ = std::jthread([this](std::stop_token st) { accept_loop(st); });
  }
  ~FaultProxy() {
    acceptor_.request_stop();
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    std::lock_guard lock(mu_);
    workers_.clear();  // joins
  }
  int port() const { return port_; }
  int requests() const { return count_.load(); }
  int faults() const { return faults_.load(); }

 private:
  void accept_loop(std::stop_token st) {
    while (!st.stop_requested()) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      int c = ::accept(listen_fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::lock_guard lock(mu_);
      workers_.emplace_back([this, c] { serve(c); });
    }
  }

  static bool read_head(int fd, std::string* head, std::string* rest) {
    char buf[65536];
    std::string data;
    while (true) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
      size_t end = data.find("\r\n\r\n");
      if (end != std::string::npos) {
        *head = data.substr(0, end + 4);
        *rest = data.substr(end + 4);
        return true;
      }
    }
  }

  static size_t content_length(const std::string& head) {
    std::string lower = head;
    for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    size_t p = lower.find("\r\ncontent-length:");
    if (p == std::string::npos) return 0;
    return std::strtoull(lower.c_str() + p + 17, nullptr, 10);
  }

  static void send_all(int fd, const std::string& s) {
    size_t off = 0;
    while (off < s.size()) {
      ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  }

  void serve(int client) {
    std::string head, rest;
    if (!read_head(client, &head, &rest)) {
      ::close(client);
      return;
    }
    std::string line = head.substr(0, head.find("\r\n"));
    Action act = rule_(line, count_.fetch_add(1));
    if (act == Action::kReset) {
      ++faults_;
      linger lg{1, 0};  // RST instead of FIN
      ::setsockopt(client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      ::close(client);
      return;
    }
    if (act == Action::kSlowDown) {
      ++faults_;
      // Drain the body so the client sees the answer, not a reset.
      size_t want = content_length(head);
      char buf[65536];
      while (rest.size() < want) {
        ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) break;
        rest.append(buf, static_cast<size_t>(n));
      }
      std::string body =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>Please "
          "reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>";
      send_all(client,
               "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
      ::close(client);
      return;
    }
    int up = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(up);
      ::close(client);
      return;
    }
    // One request per connection, so the next request comes on a new connection we can judge.
    head.insert(head.size() - 2, "Connection: close\r\n");
    send_all(up, head + rest);
    pollfd fds[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
    char buf[65536];
    bool client_open = true;
    while (true) {
      fds[0].fd = client_open ? client : -1;
      if (::poll(fds, 2, 30000) <= 0) break;
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) {
          client_open = false;
          ::shutdown(up, SHUT_WR);
        } else {
          send_all(up, std::string(buf, static_cast<size_t>(n)));
        }
      }
      if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = ::recv(up, buf, sizeof buf, 0);
        if (n <= 0) break;
        send_all(client, std::string(buf, static_cast<size_t>(n)));
      }
    }
    ::close(up);
    ::close(client);
  }

  int upstream_port_;
  Rule rule_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<int> count_{0};
  std::atomic<int> faults_{0};
  std::mutex mu_;
  std::vector<std::jthread> workers_;
  std::jthread acceptor_;
};

}  // namespace lakestream::storage::testing
