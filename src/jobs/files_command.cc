// PLACEHOLDER: replaced by the module owner; registers the subcommand so --help lists it.
#include <CLI/CLI.hpp>

#include "jobs/commands.h"
#include "jobs/exit.h"

namespace lakestream::jobs {

void add_files_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("files", "(not built yet)");
  cmd->callback([exit_code] { *exit_code = finish("files", unimplemented("not built yet")); });
}

}  // namespace lakestream::jobs
