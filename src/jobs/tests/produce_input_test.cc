#include "jobs/produce_input.h"

#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

namespace lakestream::jobs {
namespace {

namespace fs = std::filesystem;

class ProduceInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("produce_input_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    std::string p = (dir_ / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  static std::string read_all(ByteSource& s, size_t chunk) {
    std::string out;
    std::string buf(chunk, '\0');
    for (;;) {
      auto n = s.read(reinterpret_cast<uint8_t*>(buf.data()), chunk);
      EXPECT_TRUE(n.ok()) << n.status().to_string();
      if (!n.ok() || *n == 0) break;
      out.append(buf.data(), *n);
    }
    return out;
  }
  static std::string gzip(const std::string& s) {
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&z, s.size()) + 64, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
    z.avail_in = static_cast<uInt>(s.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
  }
  static std::string zstd(const std::string& s) {
    std::string out(ZSTD_compressBound(s.size()), '\0');
    out.resize(ZSTD_compress(out.data(), out.size(), s.data(), s.size(), 3));
    return out;
  }
  fs::path dir_;
};

std::string sample_text() {
  std::mt19937 rng(7);
  std::string s = "a,b\n";
  for (int i = 0; i < 100000; ++i) s += std::to_string(rng()) + "," + std::to_string(i) + "\n";
  return s;
}

TEST_F(ProduceInputTest, ReadsPlainGzipConcatenatedGzipAndZstd) {
  const std::string text = sample_text();
  const std::string half = text.substr(0, text.size() / 2), rest = text.substr(text.size() / 2);
  for (const auto& [name, bytes] :
       std::vector<std::pair<std::string, std::string>>{{"p.csv", text},
                                                        {"g.csv.gz", gzip(text)},
                                                        {"m.csv.gz", gzip(half) + gzip(rest)},
                                                        {"z.csv.zst", zstd(text)}}) {
    auto src = open_input(write(name, bytes));
    ASSERT_TRUE(src.ok()) << name;
    EXPECT_EQ(read_all(**src, 3000), text) << name;
    EXPECT_EQ((*src)->raw_bytes_read(), bytes.size()) << name;
  }
}

TEST_F(ProduceInputTest, TruncatedOrCorruptCompressedInputIsInvalidData) {
  const std::string text = sample_text();
  std::string gz = gzip(text);
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"t.gz", gz.substr(0, gz.size() / 2)},
           {"t.zst", zstd(text).substr(0, 1000)},
           {"c.gz", gz.substr(0, 20) + std::string(200, 'x')}}) {
    auto src = open_input(write(name, bytes));
    ASSERT_TRUE(src.ok());
    Status st;
    std::string buf(4096, '\0');
    for (;;) {
      auto n = (*src)->read(reinterpret_cast<uint8_t*>(buf.data()), buf.size());
      if (!n.ok()) {
        st = n.status();
        break;
      }
      if (*n == 0) break;
    }
    EXPECT_EQ(st.code(), StatusCode::kInvalidData) << name;
  }
}

TEST_F(ProduceInputTest, ResolvesFilesDirectoriesGlobsAndPrefixes) {
  write("yellow_2017.csv", "x");
  write("yellow_2018.csv.gz", "y");
  write("green.csv", "z");
  const std::string d = dir_.string();
  auto names = [](const Result<std::vector<InputFile>>& r) {
    std::vector<std::string> v;
    for (const auto& f : *r) v.push_back(fs::path(f.path).filename().string());
    return v;
  };
  auto all = resolve_inputs({d});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(names(all),
            (std::vector<std::string>{"green.csv", "yellow_2017.csv", "yellow_2018.csv.gz"}));
  auto prefix = resolve_inputs({d + "/yellow_"});
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(names(prefix), (std::vector<std::string>{"yellow_2017.csv", "yellow_2018.csv.gz"}));
  auto glob = resolve_inputs({d + "/*.csv", d + "/green.csv"});
  ASSERT_TRUE(glob.ok());
  EXPECT_EQ(names(glob), (std::vector<std::string>{"green.csv", "yellow_2017.csv"}));
  EXPECT_EQ((*glob)[0].size, 1u);
  EXPECT_EQ(resolve_inputs({d + "/nothing_*"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(resolve_inputs({"s3://bucket/key.csv"}).status().code(), StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace lakestream::jobs
