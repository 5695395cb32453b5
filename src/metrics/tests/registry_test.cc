#include "metrics/registry.h"

#include <gtest/gtest.h>

#include "metrics/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lakestream::metrics {
namespace {

TEST(Registry, RendersCountersGaugesAndHistogramsInTextFormat) {
  Registry r;
  auto* rows = r.counter("lakestream_rows_total", "Rows written");
  auto* lag = r.gauge("lakestream_partition_lag", "Records behind the high watermark");
  auto* h = r.histogram("lakestream_batch_duration_seconds", "Batch duration", {0.1, 1});
  rows->with()->add(5);
  rows->with()->add(2);
  lag->with({{"topic", "t\"x"}, {"partition", "3"}})->set(12);
  h->observe(0.05);
  h->observe(0.5);
  h->observe(7);
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE lakestream_rows_total counter\nlakestream_rows_total 7\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lakestream_partition_lag{topic=\"t\\\"x\",partition=\"3\"} 12\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("lakestream_batch_duration_seconds_bucket{le=\"0.1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_batch_duration_seconds_bucket{le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_batch_duration_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lakestream_batch_duration_seconds_count 3\n"), std::string::npos);
}

TEST(FormatValue, IntegersAndSpecials) {
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
}

std::string http_get(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  (void)!::write(fd, req.data(), req.size());
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) resp.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return resp;
}

TEST(HttpServer, ServesHandlerResponsesOnAnEphemeralPort) {
  auto server = HttpServer::start("127.0.0.1", 0, [](const std::string& path) {
    HttpResponse r;
    if (path == "/healthz") r.body = "ok\n";
    else {
      r.status = 404;
      r.body = "no\n";
    }
    return r;
  });
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  int port = (*server)->port();
  ASSERT_GT(port, 0);
  std::string ok = http_get(port, "/healthz");
  EXPECT_EQ(ok.substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_NE(ok.find("\r\n\r\nok\n"), std::string::npos);
  std::string missing = http_get(port, "/nope?x=1");
  EXPECT_EQ(missing.substr(0, 12), "HTTP/1.1 404");
}

}  // namespace
}  // namespace lakestream::metrics
