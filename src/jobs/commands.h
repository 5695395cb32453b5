// The subcommands of the `lakestream` executable, one file each (<name>_command.cc).
//
// Each add_*_command registers a CLI11 subcommand with every option it takes (flags, environment
// variables, and the shared --config file) bound to that job's options struct. When the user runs
// it, the job runs and stores its exit status in *exit_code: 0 on success, 1 when the job failed
// (one clear line on stderr says why), 2 for bad usage.
#pragma once

namespace CLI {
class App;
}

namespace lakestream::jobs {

void add_generate_command(CLI::App& app, int* exit_code);
void add_broker_command(CLI::App& app, int* exit_code);
void add_topic_command(CLI::App& app, int* exit_code);
void add_produce_command(CLI::App& app, int* exit_code);
void add_stream_command(CLI::App& app, int* exit_code);
void add_convert_command(CLI::App& app, int* exit_code);
void add_inspect_command(CLI::App& app, int* exit_code);
void add_files_command(CLI::App& app, int* exit_code);

}  // namespace lakestream::jobs
