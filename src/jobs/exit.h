// How a job's final Status becomes what the user sees and the exit status.
#pragma once

#include <string_view>

#include "common/status.h"

namespace lakestream::jobs {

// Prints "lakestream <command>: error: <Code>: <message>" on stderr when !status.ok(); returns the
// exit code: 0 for OK, 2 for kInvalidArgument (usage), 130 for kCancelled, 1 otherwise.
int finish(std::string_view command, const Status& status);

}  // namespace lakestream::jobs
