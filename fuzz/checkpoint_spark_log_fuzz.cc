// Fuzzes the Spark sink log parser (checkpoint/spark_metadata.h), which reads
// `_spark_metadata/<id>` objects another process (Spark, or another writer) wrote: any bytes must
// parse or fail with a Status, never crash; whatever parses must survive serialize -> parse.
// Chain file names (from LIST responses) get the same contract.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "checkpoint/data_file_name.h"
#include "checkpoint/spark_metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto log = lakestream::checkpoint::parse_spark_log(text, "fuzz");
  if (log.ok()) {
    auto again = lakestream::checkpoint::parse_spark_log(
        lakestream::checkpoint::serialize_spark_log(*log), "fuzz-roundtrip");
    if (!again.ok() || !(*again == *log)) std::abort();
  }
  auto name = lakestream::checkpoint::parse_chain_file_key(text);
  if (name) {
    auto back = lakestream::checkpoint::parse_chain_file_key(
        lakestream::checkpoint::format_chain_file_key(name->tp, name->start));
    if (!back || back->tp != name->tp || back->start != name->start) std::abort();
  }
  return 0;
}
