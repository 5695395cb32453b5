// Where an output's checkpoint lives, so `lakestream files OUTPUT` works without --checkpoint.
//
// The checkpoint defaults to <output>/_checkpoint. When a stream job is given another location
// (the seed keeps checkpoints under a separate prefix), it records that URI in the output as
// `_lakestream_checkpoint` (one small object, written once per output; no per-batch cost), and
// readers of the output follow it. The object holds the URI only: never credentials.
#pragma once

#include <string>

#include "common/status.h"
#include "storage/object_store.h"

namespace lakestream::jobs {

inline constexpr const char* kCheckpointPointerKey = "_lakestream_checkpoint";

// "<output>/_checkpoint".
std::string default_checkpoint_uri(const std::string& output_uri);

// Records `checkpoint_uri` in the output unless it is the default or already recorded
// (one GET; one PUT the first time). Errors from the store are returned.
Status record_checkpoint_location(storage::ObjectStore& output, const std::string& output_uri,
                                  const std::string& checkpoint_uri);

// The recorded checkpoint URI of an output, or the default when none is recorded.
Result<std::string> resolve_checkpoint_uri(storage::ObjectStore& output,
                                           const std::string& output_uri);

}  // namespace lakestream::jobs
