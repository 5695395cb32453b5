// `lakestream inspect FILE`: schema, row groups, column chunks, encodings, sizes and statistics
// of a Parquet file, read from its footer (and OffsetIndexes) only.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "jobs/commands.h"
#include "jobs/exit.h"
#include "parquet/footer_reader.h"

namespace lakestream::jobs {
namespace {

Status run_inspect(const std::string& path) {
  LS_ASSIGN_OR_RETURN(auto info, parquet::read_file_info(path));
  std::string text = parquet::format_file_info(info);
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
    return io_error("write to stdout failed");
  return Status();
}

}  // namespace

void add_inspect_command(CLI::App& app, int* exit_code) {
  auto path = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "inspect",
      "Print a Parquet file's schema, row groups, column chunks, encodings, sizes and statistics");
  cmd->add_option("FILE", *path, "Parquet file")->required();
  cmd->callback([path, exit_code] { *exit_code = finish("inspect", run_inspect(*path)); });
}

}  // namespace lakestream::jobs
