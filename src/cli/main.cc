// lakestream: Kafka topics to Parquet on object storage, exactly once.
//
// The executable is a set of subcommands (see jobs/commands.h). Options come from flags, then
// environment variables, then an optional --config file (INI/TOML, `key = value` per option name),
// then defaults: flags win.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

#include "common/log.h"
#include "jobs/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "lakestream: move Kafka topics into Parquet on S3-compatible storage, exactly once.\n"
      "Run `lakestream <command> --help` for a command's options."};
  app.set_config("--config", "", "Read options from this file (INI/TOML: option = value)");
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "debug, info, warn or error")
      ->envname("LAKESTREAM_LOG_LEVEL")
      ->capture_default_str();
  app.parse_complete_callback([&] {
    lakestream::log::Level l;
    if (lakestream::log::parse_level(log_level, &l)) lakestream::log::set_level(l);
  });

  int exit_code = 0;
  using namespace lakestream::jobs;
  add_generate_command(app, &exit_code);
  add_broker_command(app, &exit_code);
  add_topic_command(app, &exit_code);
  add_produce_command(app, &exit_code);
  add_stream_command(app, &exit_code);
  add_convert_command(app, &exit_code);
  add_inspect_command(app, &exit_code);
  add_files_command(app, &exit_code);

  // A broken pipe (e.g. `lakestream files ... | head`) must not kill us mid-write.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
