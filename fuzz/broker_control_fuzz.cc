// Fuzzes the dev broker's control-line parser (kafka/broker_control.h): any bytes must parse to a
// command or a kInvalidArgument, never crash, and a parsed command's fields stay in range.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kafka/broker_control.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto parsed = lakestream::kafka::parse_control_line(line);
  if (!parsed.ok()) {
    if (parsed.status().code() != lakestream::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  using Kind = lakestream::kafka::ControlCommand::Kind;
  const auto& c = *parsed;
  if (c.broker < -1 || c.partition < 0 || c.value < 0) std::abort();
  if ((c.kind == Kind::kErrors || c.kind == Kind::kClearErrors) && c.api_key < 0) std::abort();
  if ((c.kind == Kind::kLeader || c.kind == Kind::kCreateTopic || c.kind == Kind::kExpire ||
       c.kind == Kind::kTopicError || c.kind == Kind::kCoordinator) &&
      c.name.empty()) {
    std::abort();
  }
  return 0;
}
