#include "jobs/checkpoint_location.h"

namespace lakestream::jobs {

std::string default_checkpoint_uri(const std::string& output_uri) {
  return output_uri + (output_uri.ends_with('/') ? "" : "/") + "_checkpoint";
}

Status record_checkpoint_location(storage::ObjectStore& output, const std::string& output_uri,
                                  const std::string& checkpoint_uri) {
  if (checkpoint_uri == default_checkpoint_uri(output_uri)) return Status();
  auto current = output.get(kCheckpointPointerKey);
  if (current.ok() && current->view() == checkpoint_uri) return Status();
  if (!current.ok() && current.status().code() != StatusCode::kNotFound) {
    return std::move(current).status().with_context("reading the output's checkpoint pointer");
  }
  std::string_view body(checkpoint_uri);
  storage::PutOptions po;
  po.content_type = "text/plain";
  auto put = output.put(kCheckpointPointerKey,
                        {reinterpret_cast<const uint8_t*>(body.data()), body.size()}, po);
  if (!put.ok()) return std::move(put).status().with_context("recording the checkpoint location");
  return Status();
}

Result<std::string> resolve_checkpoint_uri(storage::ObjectStore& output,
                                           const std::string& output_uri) {
  auto current = output.get(kCheckpointPointerKey);
  if (current.ok()) return std::string(current->view());
  if (current.status().code() == StatusCode::kNotFound) return default_checkpoint_uri(output_uri);
  return std::move(current).status().with_context("reading the output's checkpoint pointer");
}

}  // namespace lakestream::jobs
