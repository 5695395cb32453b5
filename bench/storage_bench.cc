// S3 client throughput against the RGW of scripts/rgw.sh, with awscli (`aws s3 cp`) as the anchor
// in the same run on the same server:
//   * 1 KiB PUTs per second: ours (1 thread, and 10 threads = awscli's default concurrency) vs
//     `aws s3 cp --recursive` of a directory of 1 KiB files;
//   * a 256 MiB object through multipart upload: ours vs `aws s3 cp` of a 256 MiB file.
// Prints the ratios at the end. Needs: eval "$(scripts/rgw.sh start)".
//   build/release/bench/storage_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "common/env.h"
#include "storage/s3_store.h"

namespace {

using lakestream::env_var;
using lakestream::Status;
using namespace lakestream::storage;
namespace fs = std::filesystem;

constexpr size_t kSmall = 1024;
constexpr size_t kBig = 256u << 20;
constexpr int kCliSmallFiles = 500;

struct Results {
  double ours_put_1t = 0, ours_put_10t = 0, cli_put = 0;  // objects/s
  double ours_mp = 0, ours_mp_8x10 = 0, cli_mp = 0;       // MiB/s
};

struct Env {
  std::string endpoint;
  std::string bucket;
  std::string tmp;
  std::string big;  // the 256 MiB random payload
};

std::unique_ptr<S3Store> open_store(const Env& env, size_t part = 16 << 20, int conc = 4) {
  S3Options o;
  o.endpoint = env.endpoint;
  o.multipart_part_size = part;
  o.multipart_concurrency = conc;
  auto s = S3Store::open(env.bucket, "bench", o);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(*s);
}

double run_cli(const std::string& args) {
  std::string cmd = "/usr/bin/aws --only-show-errors " + args;
  auto t0 = std::chrono::steady_clock::now();
  int rc = std::system(cmd.c_str());
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (rc != 0) {
    std::fprintf(stderr, "failed: %s\n", cmd.c_str());
    std::exit(1);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (!env_var("LAKESTREAM_TEST_S3")) {
    std::fprintf(stderr,
                 "storage_bench: no S3 test server; run: eval \"$(scripts/rgw.sh start)\"\n");
    return 0;
  }
  Env env;
  env.endpoint = env_var("AWS_ENDPOINT_URL").value_or("");
  std::random_device rd;
  env.bucket = "ls-bench-" + std::to_string(rd() % 1000000);
  env.tmp = fs::temp_directory_path() / ("ls-bench-" + std::to_string(rd()));
  fs::create_directories(env.tmp + "/small");
  env.big.resize(kBig);
  std::mt19937_64 rng(42);
  for (size_t i = 0; i + 8 <= kBig; i += 8) {
    uint64_t v = rng();
    std::memcpy(env.big.data() + i, &v, 8);
  }
  {
    std::ofstream(env.tmp + "/big.bin", std::ios::binary).write(env.big.data(), kBig);
    std::string one(kSmall, 'x');
    for (int i = 0; i < kCliSmallFiles; ++i)
      std::ofstream(env.tmp + "/small/" + std::to_string(i), std::ios::binary) << one;
  }
  auto setup = open_store(env);
  if (Status s = setup->create_bucket(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.to_string().c_str());
    return 1;
  }
  Results res;
  const std::string ep = " --endpoint-url " + env.endpoint + " ";
  const std::span<const uint8_t> small_body(reinterpret_cast<const uint8_t*>(env.big.data()),
                                            kSmall);
  const std::span<const uint8_t> big_body(reinterpret_cast<const uint8_t*>(env.big.data()), kBig);

  auto shared = open_store(env);
  std::atomic<uint64_t> seq{0};
  benchmark::RegisterBenchmark("Put1KiB/ours",
                               [&](benchmark::State& st) {
                                 for (auto _ : st) {
                                   auto r =
                                       shared->put("small/" + std::to_string(seq++), small_body);
                                   if (!r.ok()) st.SkipWithError(r.status().to_string().c_str());
                                 }
                                 st.SetItemsProcessed(st.iterations());
                                 st.SetBytesProcessed(st.iterations() * kSmall);
                               })
      ->Threads(1)
      ->Threads(10)
      ->UseRealTime();

  benchmark::RegisterBenchmark("Put1KiB/awscli_cp_recursive",
                               [&](benchmark::State& st) {
                                 for (auto _ : st) {
                                   double s = run_cli("s3 cp --recursive" + ep + env.tmp +
                                                      "/small s3://" + env.bucket + "/cli-small/");
                                   st.SetIterationTime(s);
                                 }
                                 st.SetItemsProcessed(st.iterations() * kCliSmallFiles);
                               })
      ->UseManualTime()
      ->Iterations(2);

  auto multipart = [&](size_t part, int conc) {
    return [&, part, conc](benchmark::State& st) {
      auto store = open_store(env, part, conc);
      for (auto _ : st) {
        auto w = store->open_writer("big.bin");
        Status s = (*w)->write(big_body);
        if (s.ok()) s = (*w)->close();
        if (!s.ok()) st.SkipWithError(s.to_string().c_str());
      }
      st.SetBytesProcessed(st.iterations() * kBig);
    };
  };
  benchmark::RegisterBenchmark("Multipart256MiB/ours_16MiBx4", multipart(16 << 20, 4))
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark("Multipart256MiB/ours_8MiBx10", multipart(8 << 20, 10))
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark("Multipart256MiB/awscli_cp",
                               [&](benchmark::State& st) {
                                 for (auto _ : st) {
                                   double s = run_cli("s3 cp" + ep + env.tmp + "/big.bin s3://" +
                                                      env.bucket + "/cli-big.bin");
                                   st.SetIterationTime(s);
                                 }
                                 st.SetBytesProcessed(st.iterations() * kBig);
                               })
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);

  // Collect rates from the console reporter's runs.
  struct Collector : benchmark::ConsoleReporter {
    Results* r;
    explicit Collector(Results* res) : r(res) {}
    void ReportRuns(const std::vector<Run>& runs) override {
      ConsoleReporter::ReportRuns(runs);
      for (const auto& run : runs) {
        std::string n = run.benchmark_name();
        auto rate = [&](const char* c) {
          auto it = run.counters.find(c);
          return it == run.counters.end() ? 0.0 : static_cast<double>(it->second);
        };
        if (n.starts_with("Put1KiB/ours") && run.threads == 1)
          r->ours_put_1t = rate("items_per_second");
        if (n.starts_with("Put1KiB/ours") && run.threads == 10)
          r->ours_put_10t = rate("items_per_second");
        if (n.starts_with("Put1KiB/awscli")) r->cli_put = rate("items_per_second");
        if (n.starts_with("Multipart256MiB/ours_16"))
          r->ours_mp = rate("bytes_per_second") / (1 << 20);
        if (n.starts_with("Multipart256MiB/ours_8"))
          r->ours_mp_8x10 = rate("bytes_per_second") / (1 << 20);
        if (n.starts_with("Multipart256MiB/awscli"))
          r->cli_mp = rate("bytes_per_second") / (1 << 20);
      }
    }
  } collector(&res);
  benchmark::RunSpecifiedBenchmarks(&collector);

  std::printf(
      "\n1 KiB PUTs/s: ours 1 thread %.0f, ours 10 threads %.0f, aws s3 cp --recursive %.0f"
      " -> ratio (ours 10t / awscli) %.2fx\n",
      res.ours_put_1t, res.ours_put_10t, res.cli_put,
      res.cli_put > 0 ? res.ours_put_10t / res.cli_put : 0.0);
  std::printf(
      "256 MiB multipart MiB/s: ours 16MiBx4 %.1f, ours 8MiBx10 %.1f, aws s3 cp %.1f"
      " -> ratio (ours default / awscli) %.2fx\n",
      res.ours_mp, res.ours_mp_8x10, res.cli_mp, res.cli_mp > 0 ? res.ours_mp / res.cli_mp : 0.0);
  std::printf("\nS3 calls made by our client (shared store):\n%s",
              format_stats_table(shared->stats().snapshot()).c_str());

  // Clean up the bucket's objects (RGW memstore keeps them in RAM).
  auto cleanup = open_store(env);
  S3Options o;
  o.endpoint = env.endpoint;
  auto root = S3Store::open(env.bucket, "", o);
  if (root.ok()) {
    auto all = (*root)->list({});
    if (all.ok()) {
      std::vector<ObjectRef> refs;
      for (auto& obj : all->objects) refs.push_back({obj.key, ""});
      (void)(*root)->remove_many(refs);
    }
  }
  fs::remove_all(env.tmp);
  benchmark::Shutdown();
  return 0;
}
