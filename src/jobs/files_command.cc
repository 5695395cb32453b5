// `lakestream files OUTPUT_URI`: the committed data files, one URI per line, read from the
// checkpoint log only (no listing of the output), so readers see exactly what was committed.
// Without a log (chain layout), the chain files of the output: one LIST + one HEAD per partition.
// `--dead-letters`: the committed dead-letter files instead (the manifests' `dead_letters`; in the
// chain layout, the `_dead_letter/` objects named after a committed chain file's range).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "checkpoint/checkpoint_store.h"
#include "jobs/checkpoint_location.h"
#include "jobs/commands.h"
#include "jobs/exit.h"
#include "jobs/s3_flags.h"

namespace lakestream::jobs {
namespace {

struct FilesFlags {
  std::string output;
  std::string checkpoint;
  std::string s3_endpoint;
  storage::S3Options s3;  // --s3-ca-bundle, --s3-request-timeout-ms, --s3-max-retries
  bool long_format = false;
  bool dead_letters = false;
};

Status run(const FilesFlags& f) {
  storage::S3Options s3 = f.s3;
  s3.endpoint = f.s3_endpoint;
  LS_ASSIGN_OR_RETURN(auto output, storage::open_store(f.output, s3));
  std::string checkpoint_uri = f.checkpoint;
  if (checkpoint_uri.empty()) {
    LS_ASSIGN_OR_RETURN(checkpoint_uri, resolve_checkpoint_uri(*output, f.output));
  }
  LS_ASSIGN_OR_RETURN(auto meta, storage::open_store(checkpoint_uri, s3));
  LS_ASSIGN_OR_RETURN(auto state, checkpoint::read_committed_state(*meta));
  if (!state.last_batch) {
    // No commit log: the chain layout (--checkpoint-mode chain), whose files are the log.
    LS_ASSIGN_OR_RETURN(state, checkpoint::read_chain_state(*output));
  }
  for (const auto& [key, file] : f.dead_letters ? state.dead_letters : state.files) {
    std::string line =
        f.long_format ? fmt::format("{}\t{}\t{}\t{}\t{}\t{}\n", output->uri_of(key), file.rows,
                                    file.size, checkpoint::to_string(file.tp), file.start, file.end)
                      : output->uri_of(key) + "\n";
    if (std::fputs(line.c_str(), stdout) < 0) return io_error("stdout closed");
  }
  return Status();
}

}  // namespace

void add_files_command(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<FilesFlags>();
  auto* cmd = app.add_subcommand(
      "files", "Print the committed data files of a stream output, one URI per line");
  cmd->add_option("output", f->output, "Output URI of `lakestream stream`")->required();
  cmd->add_option("--checkpoint", f->checkpoint,
                  "Checkpoint URI (default: the one the stream job recorded in the output, else "
                  "<output>/_checkpoint)");
  cmd->add_option("--s3-endpoint", f->s3_endpoint, "S3 endpoint URL (env AWS_ENDPOINT_URL)")
      ->envname("AWS_ENDPOINT_URL");
  add_s3_connection_options(*cmd, &f->s3);
  cmd->add_flag("-l,--long", f->long_format,
                "Also print rows, bytes, topic/partition and offsets (tab-separated)");
  cmd->add_flag("--dead-letters", f->dead_letters,
                "Print the committed dead-letter files (JSON lines, one bad record each; with -l "
                "rows = bad records) instead of the data files");
  cmd->callback([f, exit_code] { *exit_code = finish("files", run(*f)); });
}

}  // namespace lakestream::jobs
