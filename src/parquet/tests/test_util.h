// Helpers for Parquet tests: temp dirs, running the independent-reader checker and DuckDB.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "columnar/record_batch.h"
#include "parquet/file_sink.h"
#include "parquet/writer.h"

namespace lakestream::parquet::testing {

inline std::string source_dir() {
  const char* s = std::getenv("LAKESTREAM_SOURCE_DIR");
  return s ? s : LAKESTREAM_TEST_SOURCE_DIR;
}

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "lspq-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    if (!std::getenv("LAKESTREAM_KEEP_TEST_FILES")) std::filesystem::remove_all(path_);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs a shell command; returns {exit status, stdout+stderr}.
inline std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = ::pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// DuckDB query -> rows (JSON objects).
inline std::vector<nlohmann::json> duck(const std::string& sql) {
  auto [rc, out] = run("node " + source_dir() + "/tools/js/duck.mjs " + shell_quote(sql));
  EXPECT_EQ(rc, 0) << out;
  std::vector<nlohmann::json> rows;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    std::string line = out.substr(pos, nl - pos);
    if (!line.empty() && line[0] == '{') rows.push_back(nlohmann::json::parse(line));
    pos = nl + 1;
  }
  return rows;
}

// Writes `expected` next to `parquet_path` and asks DuckDB, hyparquet and parquet-wasm to read
// the file back value for value.
inline void expect_readers_agree(const std::string& parquet_path, const nlohmann::json& expected) {
  std::string exp_path = parquet_path + ".expected.json";
  {
    FILE* f = std::fopen(exp_path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::string s = expected.dump();
    std::fwrite(s.data(), 1, s.size(), f);
    std::fclose(f);
  }
  auto [rc, out] = run("node " + source_dir() + "/tools/js/parquet_check.mjs " +
                       shell_quote(parquet_path) + " " + shell_quote(exp_path));
  EXPECT_EQ(rc, 0) << out;
}

// Writes batches to a local file; returns the summary.
inline FileMetadataSummary write_file(const std::string& path,
                                      std::shared_ptr<const columnar::Schema> schema,
                                      const std::vector<const columnar::RecordBatch*>& batches,
                                      const WriterOptions& options) {
  auto sink = LocalFileSink::create(path);
  EXPECT_TRUE(sink.ok()) << sink.status().to_string();
  auto w = FileWriter::open(schema, sink->get(), options);
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  for (const auto* b : batches) {
    Status st = (*w)->write(*b);
    EXPECT_TRUE(st.ok()) << st.to_string();
  }
  auto s = (*w)->close();
  EXPECT_TRUE(s.ok()) << s.status().to_string();
  return s.ok() ? *s : FileMetadataSummary{};
}

}  // namespace lakestream::parquet::testing
