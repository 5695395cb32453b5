#include "checkpoint/checkpoint_store.h"

#include <fmt/format.h>

#include "checkpoint/data_file_name.h"
#include "checkpoint/log_common.h"

namespace lakestream::checkpoint {

Result<CheckpointMode> parse_checkpoint_mode(std::string_view name) {
  if (name == "conditional") return CheckpointMode::kConditional;
  if (name == "direct") return CheckpointMode::kDirect;
  if (name == "rename") return CheckpointMode::kRename;
  if (name == "chain") return CheckpointMode::kChain;
  return invalid_argument(
      fmt::format("unknown checkpoint mode \"{}\" (conditional, direct, rename or chain)", name));
}

std::string_view checkpoint_mode_name(CheckpointMode mode) {
  switch (mode) {
    case CheckpointMode::kConditional:
      return "conditional";
    case CheckpointMode::kDirect:
      return "direct";
    case CheckpointMode::kRename:
      return "rename";
    case CheckpointMode::kChain:
      return "chain";
  }
  return "?";
}

std::unique_ptr<CheckpointStore> open_checkpoint(storage::ObjectStore& meta,
                                                 storage::ObjectStore& output,
                                                 CheckpointOptions options) {
  if (options.writer_id.empty()) options.writer_id = new_writer_id();
  if (options.retain == 0) options.retain = 1;
  if (options.compact_every == 0) options.compact_every = 1;
  if (options.mode == CheckpointMode::kConditional) {
    return internal::make_conditional(meta, output, std::move(options));
  }
  if (options.mode == CheckpointMode::kChain) {
    return internal::make_chain(output, std::move(options));
  }
  return internal::make_spark_log(meta, output, std::move(options));
}

Result<CommittedState> read_committed_state(storage::ObjectStore& meta) {
  CommittedState state;
  LS_ASSIGN_OR_RETURN(auto batches, internal::list_log(meta, "_commits/", ".json"));
  if (!batches.empty()) {
    LS_RETURN_IF_ERROR(
        internal::load_state(
            meta, batches,
            [](uint64_t b) { return fmt::format("_commits/{}.json", batch_name(b)); }, &state)
            .status());
    return state;
  }
  LS_ASSIGN_OR_RETURN(batches, internal::list_log(meta, "commits/", ""));
  LS_RETURN_IF_ERROR(internal::load_state(
                         meta, batches,
                         [](uint64_t b) { return fmt::format("commits/{}", batch_name(b)); },
                         &state)
                         .status());
  return state;
}

}  // namespace lakestream::checkpoint
