// Environment lookups and secret redaction shared by every job's option parsing.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lakestream {

// The value of an environment variable, or nullopt when unset or empty.
std::optional<std::string> env_var(const char* name);

// The first set variable among `names` (e.g. KAFKA_BOOTSTRAP_SERVER, then the seed's misspelt
// KAFKA_BOOTSTRAM_SERVER).
std::optional<std::string> env_first(std::initializer_list<const char*> names);

// "AKIA…(4 chars)"-style display form for secrets: never the whole value. Empty stays empty.
std::string redact(std::string_view secret);

}  // namespace lakestream
