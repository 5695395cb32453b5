#include "common/env.h"

#include <cstdlib>

namespace lakestream {

std::optional<std::string> env_var(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::optional<std::string> env_first(std::initializer_list<const char*> names) {
  for (const char* n : names) {
    if (auto v = env_var(n)) return v;
  }
  return std::nullopt;
}

std::string redact(std::string_view secret) {
  if (secret.empty()) return {};
  return "****";
}

}  // namespace lakestream
