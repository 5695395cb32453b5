// lakestream: Kafka topics to Parquet on object storage, exactly once.
//
// The executable is a set of subcommands (see jobs/commands.h). Options come from flags, then
// environment variables, then an optional --config file (INI/TOML, `key = value` per option name),
// then defaults: flags win.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "common/log.h"
#include "jobs/commands.h"
#include "kafka/config.h"

namespace {

// CLI11's parse errors quote the arguments they did not expect: a misplaced `-X
// sasl.password=...` must not be echoed into a log. Masks the value of every argument that sets
// a secret librdkafka property (NAME=VALUE, kafka.NAME=VALUE, -XNAME=VALUE, --kafka=NAME=VALUE).
std::string redact_secret_arguments(std::string text, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    for (std::string_view prefix : {"--kafka=", "-X"}) {
      if (a.starts_with(prefix)) a.remove_prefix(prefix.size());
    }
    size_t eq = a.find('=');
    if (eq == std::string_view::npos || eq + 1 == a.size()) continue;
    std::string_view name = a.substr(0, eq);
    if (name.starts_with("kafka.")) name.remove_prefix(6);
    if (!lakestream::kafka::is_secret_property(name)) continue;
    std::string value(a.substr(eq + 1));
    for (size_t p = text.find(value); p != std::string::npos; p = text.find(value, p)) {
      text.replace(p, value.size(), "****");
    }
  }
  return text;
}

}  // namespace

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
    std::ostringstream out, err;
    int code = app.exit(e, out, err);
    std::cout << out.str();
    std::cerr << redact_secret_arguments(err.str(), argc, argv);
    return code;
  }
  return exit_code;
}
