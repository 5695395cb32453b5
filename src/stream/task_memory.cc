#include "stream/task_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace lakestream::stream {

Result<uint64_t> parse_byte_size(std::string_view text) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  std::string_view unit(p, text.data() + text.size() - p);
  int shift = -1;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K" || unit == "KiB") {
    shift = 10;
  } else if (unit == "M" || unit == "MiB") {
    shift = 20;
  } else if (unit == "G" || unit == "GiB") {
    shift = 30;
  }
  if (ec != std::errc() || p == text.data() || shift < 0 || v == 0 || v > (~0ull >> shift)) {
    return invalid_argument(fmt::format(
        "expected a positive size in bytes (e.g. 268435456, 256MiB, 64KiB), got \"{}\"", text));
  }
  return v << shift;
}

uint64_t task_memory_share(uint64_t max_batch_bytes, size_t concurrent_tasks) {
  uint64_t share = max_batch_bytes / std::max<size_t>(1, concurrent_tasks);
  return std::max<uint64_t>(share, 1ull << 20);
}

uint64_t sink_held_bytes(uint64_t position, uint64_t part_size, int parts_in_flight) {
  if (part_size == 0) return 0;
  uint64_t partial = position % part_size;
  uint64_t full = position - partial;
  return partial +
         std::min<uint64_t>(full, part_size * static_cast<uint64_t>(std::max(0, parts_in_flight)));
}

int pick_file_to_close(std::span<const FileMemory> files) {
  int best = -1;
  for (size_t i = 0; i < files.size(); ++i) {
    if (best < 0 || files[i].bytes > files[best].bytes ||
        (files[i].bytes == files[best].bytes && files[i].key < files[best].key)) {
      best = static_cast<int>(i);
    }
  }
  return best;
}

}  // namespace lakestream::stream
