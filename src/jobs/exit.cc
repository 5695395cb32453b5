#include "jobs/exit.h"

#include <fmt/format.h>

#include <cstdio>

namespace lakestream::jobs {

int finish(std::string_view command, const Status& status) {
  if (status.ok()) return 0;
  std::fputs(fmt::format("lakestream {}: error: {}\n", command, status.to_string()).c_str(), stderr);
  switch (status.code()) {
    case StatusCode::kInvalidArgument: return 2;
    case StatusCode::kCancelled: return 130;
    default: return 1;
  }
}

}  // namespace lakestream::jobs
