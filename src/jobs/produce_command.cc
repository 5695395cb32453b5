// PLACEHOLDER: replaced by the module owner; registers the subcommand so --help lists it.
#include <CLI/CLI.hpp>

#include "jobs/commands.h"
#include "jobs/exit.h"

namespace lakestream::jobs {

void add_produce_command(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("produce", "(not built yet)");
  cmd->callback([exit_code] { *exit_code = finish("produce", unimplemented("not built yet")); });
}

}  // namespace lakestream::jobs
