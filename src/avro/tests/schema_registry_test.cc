// Runs the client against fake_registry.py, started per test suite on an ephemeral port.
#include "avro/schema_registry.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "avro/tests/test_util.h"

namespace lakestream::avro {
namespace {

// The fake registry as a child process; killed (by its pid) and reaped on destruction.
class FakeRegistry {
 public:
  explicit FakeRegistry(bool auth) {
    int fds[2];
    if (pipe(fds) != 0) return;
    std::string script = source_path("src/avro/tests/fake_registry.py");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      if (auth) {
        execl("/usr/bin/python3", "python3", script.c_str(), "--auth", nullptr);
      } else {
        execl("/usr/bin/python3", "python3", script.c_str(), nullptr);
      }
      _exit(127);
    }
    close(fds[1]);
    FILE* f = fdopen(fds[0], "r");
    char line[64] = {0};
    if (f && fgets(line, sizeof line, f)) port_ = std::atoi(line);
    if (f) fclose(f);
  }
  ~FakeRegistry() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int st;
      waitpid(pid_, &st, 0);
    }
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

size_t append_body(char* p, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, size * n);
  return size * n;
}

// A plain GET for the fake server's test-only endpoints.
std::string http_get(const std::string& url) {
  std::string body;
  CURL* c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_perform(c);
  curl_easy_cleanup(c);
  return body;
}

SchemaRegistryOptions options(const std::string& url, std::string user = "",
                              std::string password = "") {
  SchemaRegistryOptions o;
  o.url = url;
  o.username = std::move(user);
  o.password = std::move(password);
  return o;
}

const std::string kSchema = R"({"type":"record","name":"T","fields":[{"name":"a","type":"long"}]})";

TEST(AvroSchemaRegistry, RegisterLookupFetchAndCache) {
  FakeRegistry reg(false);
  ASSERT_GT(reg.port(), 0);
  SchemaRegistryClient client(options(reg.url()));
  auto missing = client.lookup_schema("topic-value", kSchema);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("error_code 40403"), std::string::npos)
      << missing.status().message();

  auto id = client.register_schema("topic-value", kSchema);
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  EXPECT_EQ(*id, 100u);
  auto again = client.register_schema("topic-value", kSchema);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 100u);
  auto looked = client.lookup_schema("topic-value", kSchema);
  ASSERT_TRUE(looked.ok()) << looked.status().to_string();
  EXPECT_EQ(*looked, 100u);

  // A fresh client has an empty cache: fetch by id, twice, and see one request served.
  SchemaRegistryClient reader(options(reg.url()));
  auto s1 = reader.schema_by_id(100);
  ASSERT_TRUE(s1.ok()) << s1.status().to_string();
  EXPECT_EQ((*s1)->root().name, "T");
  auto s2 = reader.schema_by_id(100);
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(s1->get(), s2->get());
  auto nf = reader.schema_by_id(7);
  EXPECT_EQ(nf.status().code(), StatusCode::kNotFound);
  // Two successful lookups of id 100 and one of id 7 reached the server: the repeat was cached.
  EXPECT_EQ(http_get(reg.url() + "_stats"), R"({"fetches": 2})");
  auto text = reader.schema_text_by_id(100);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, kSchema);
}

TEST(AvroSchemaRegistry, InvalidSchemaIsRejected) {
  FakeRegistry reg(false);
  SchemaRegistryClient client(options(reg.url()));
  auto r = client.register_schema("s", "{not json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("HTTP 422"), std::string::npos) << r.status().message();
}

TEST(AvroSchemaRegistry, BasicAuth) {
  FakeRegistry reg(true);
  SchemaRegistryClient anon(options(reg.url()));
  auto denied = anon.register_schema("s", kSchema);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  SchemaRegistryClient wrong(options(reg.url(), "user", "nope"));
  auto denied2 = wrong.register_schema("s", kSchema);
  EXPECT_EQ(denied2.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied2.status().message().find("nope"), std::string::npos);  // no secret in errors
  SchemaRegistryClient ok(options(reg.url(), "user", "secret"));
  auto id = ok.register_schema("s", kSchema);
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  auto s = ok.schema_by_id(*id);
  EXPECT_TRUE(s.ok());
}

TEST(AvroSchemaRegistry, TimeoutAndUnreachable) {
  FakeRegistry reg(false);
  SchemaRegistryOptions slow_options = options(reg.url());
  slow_options.request_timeout = std::chrono::milliseconds(300);
  SchemaRegistryClient slow(slow_options);
  auto r = slow.schema_by_id(999);
  EXPECT_EQ(r.status().code(), StatusCode::kTimeout) << r.status().to_string();
  // Port 1 on localhost: connection refused.
  SchemaRegistryClient down(options("http://127.0.0.1:1"));
  auto d = down.schema_by_id(1);
  EXPECT_EQ(d.status().code(), StatusCode::kUnavailable) << d.status().to_string();
}

}  // namespace
}  // namespace lakestream::avro
