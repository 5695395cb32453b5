// Fuzzes the checkpoint manifest parser (checkpoint/manifest.h): any bytes must parse or fail with
// a Status, never crash; whatever parses must survive serialize -> parse unchanged. Same for the
// data file and dead-letter file names (they come from LIST responses).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "checkpoint/data_file_name.h"
#include "checkpoint/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = lakestream::checkpoint::parse_manifest(text, "fuzz");
  if (m.ok()) {
    auto again = lakestream::checkpoint::parse_manifest(
        lakestream::checkpoint::serialize_manifest(*m), "fuzz-roundtrip");
    if (!again.ok() || !(*again == *m)) std::abort();
  }
  // Data file names come from LIST responses: same contract.
  auto name = lakestream::checkpoint::parse_data_file_key(text);
  if (name && lakestream::checkpoint::format_data_file_key(*name) != text) {
    // Leading zeros in partition/seq are accepted but not reproduced; only the 20-digit start is
    // canonical, so compare fields instead of text.
    auto back = lakestream::checkpoint::parse_data_file_key(
        lakestream::checkpoint::format_data_file_key(*name));
    if (!back || back->tp != name->tp || back->start != name->start ||
        back->writer != name->writer || back->seq != name->seq || back->dir != name->dir) {
      std::abort();
    }
  }
  // Dead-letter names come from LIST responses too.
  auto dead = lakestream::checkpoint::parse_dead_letter_key(text);
  if (dead) {
    auto back = lakestream::checkpoint::parse_dead_letter_key(
        lakestream::checkpoint::format_dead_letter_key(*dead));
    if (!back || back->tp != dead->tp || back->start != dead->start ||
        back->writer != dead->writer || back->seq != dead->seq || back->dir != dead->dir) {
      std::abort();
    }
  }
  auto chain = lakestream::checkpoint::parse_chain_dead_letter_key(text, "_dead_letter/");
  if (chain) {
    auto back = lakestream::checkpoint::parse_chain_dead_letter_key(
        lakestream::checkpoint::format_chain_dead_letter_key("_dead_letter/", chain->tp,
                                                             chain->start, chain->end),
        "_dead_letter/");
    if (!back || back->tp != chain->tp || back->start != chain->start || back->end != chain->end) {
      std::abort();
    }
  }
  return 0;
}
