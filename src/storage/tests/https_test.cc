// https with a private CA: a local TLS server (Python's ssl module, a self-signed certificate made
// by the openssl CLI) answers any GET with fixed bytes. With the certificate as ca_bundle our
// client connects; without it the TLS failure is reported at once, not retried.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "storage/s3_store.h"

namespace lakestream::storage {
namespace {

namespace fs = std::filesystem;

class TlsServer {
 public:
  explicit TlsServer(const std::string& dir) {
    cert_ = dir + "/cert.pem";
    std::string key = dir + "/key.pem";
    std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        key + " -out " + cert_ + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) return;
    std::string script = dir + "/server.py";
    std::ofstream(script)
        << "import http.server, ssl, sys\n"
           "class H(http.server.BaseHTTPRequestHandler):\n"
           "  def do_GET(self):\n"
           "    b = b'tls-ok'\n"
           "    self.send_response(200); self.send_header('Content-Length', str(len(b)))\n"
           "    self.end_headers(); self.wfile.write(b)\n"
           "  def log_message(self, *a): pass\n"
           "s = http.server.HTTPServer(('127.0.0.1', 0), H)\n"
           "ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
           "ctx.load_cert_chain('"
        << cert_ << "', '" << key
        << "')\n"
           "s.socket = ctx.wrap_socket(s.socket, server_side=True)\n"
           "print(s.server_address[1], flush=True)\n"
           "s.serve_forever()\n";
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      execl("/usr/bin/python3", "python3", script.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* f = fdopen(out[0], "r");
    if (f && std::fscanf(f, "%d", &port_) != 1) port_ = 0;
    if (f) std::fclose(f);
  }
  ~TlsServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  const std::string& cert() const { return cert_; }

 private:
  std::string cert_;
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST(Https, PrivateCaBundleIsTrustedAndMissingOneIsRejected) {
  char tmpl[] = "/tmp/ls-tls-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  {
    TlsServer server(dir);
    ASSERT_GT(server.port(), 0) << "could not start the TLS test server (openssl, python3)";
    S3Options o;
    o.endpoint = "https://127.0.0.1:" + std::to_string(server.port());
    o.access_key = "k";
    o.secret_key = "s";
    o.ca_bundle = server.cert();
    auto trusted = S3Store::open("tls-bucket", "", o);
    ASSERT_TRUE(trusted.ok());
    auto got = (*trusted)->get("any");
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_EQ(got->view(), "tls-ok");

    o.ca_bundle = "/etc/ssl/certs/ca-certificates.crt";  // public CAs only
    o.max_retries = 3;
    auto untrusted = S3Store::open("tls-bucket", "", o);
    ASSERT_TRUE(untrusted.ok());
    auto rejected = (*untrusted)->get("any");
    ASSERT_FALSE(rejected.ok());
    EXPECT_NE(rejected.status().message().find("TLS failure"), std::string::npos)
        << rejected.status().message();
    EXPECT_EQ((*untrusted)->stats().snapshot().at("GetObject").calls, 1u);  // not retried
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace lakestream::storage
