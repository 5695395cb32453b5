// `lakestream generate`: deterministic NYC yellow-taxi CSV for demos, tests and benchmarks.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>

#include "common/log.h"
#include "csv/taxi_generator.h"
#include "jobs/commands.h"
#include "jobs/exit.h"

namespace lakestream::jobs {
namespace {

struct GenerateOptions {
  uint64_t rows = 0;
  uint64_t seed = 42;
  double defects = 0.0;
  std::string output;
  unsigned threads = 0;
};

Status run_generate(const GenerateOptions& o) {
  if (o.defects < 0 || o.defects > 1) {
    return invalid_argument(fmt::format("--defects must be within 0..1, got {}", o.defects));
  }
  csv::TaxiGeneratorOptions g;
  g.seed = o.seed;
  g.defect_rate = o.defects;
  csv::TaxiGeneratorStats stats;
  auto t0 = std::chrono::steady_clock::now();
  LS_RETURN_IF_ERROR(csv::write_taxi_csv(o.output, o.rows, g, o.threads, &stats));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::string defects;
  for (int i = 0; i < static_cast<int>(csv::TaxiDefect::kCount_); ++i) {
    if (!defects.empty()) defects += ", ";
    defects += fmt::format("{} {}", stats.defects[i],
                           csv::taxi_defect_name(static_cast<csv::TaxiDefect>(i)));
  }
  log::info("generate",
            "wrote {} rows ({} bytes) to {} in {:.2f}s ({:.0f} rows/s); {} defects ({})",
            stats.rows, stats.bytes, o.output, secs, secs > 0 ? stats.rows / secs : 0.0,
            stats.total_defects(), defects);
  return Status();
}

}  // namespace

void add_generate_command(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<GenerateOptions>();
  auto* cmd = app.add_subcommand(
      "generate",
      "Write a deterministic NYC yellow-taxi CSV (17 columns, 2017-2018 TLC layout: header, blank "
      "CRLF line, CRLF rows)");
  cmd->add_option("--rows", opts->rows, "Number of data rows")->required();
  cmd->add_option("--seed", opts->seed, "Random seed; the same seed gives the same file")
      ->capture_default_str();
  cmd->add_option("--defects", opts->defects,
                  "Fraction of rows (0..1) with one planted defect: empty number, non-number, "
                  "short row or extra field (counts are logged)")
      ->capture_default_str();
  cmd->add_option("--output", opts->output, "CSV file to write (replaced atomically)")->required();
  cmd->add_option("--threads", opts->threads, "Generator threads (0 = all cores)")
      ->capture_default_str();
  cmd->callback([opts, exit_code] { *exit_code = finish("generate", run_generate(*opts)); });
}

}  // namespace lakestream::jobs
