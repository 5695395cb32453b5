// Fuzzes the Parquet footer reader behind `lakestream inspect`: magic, footer length, the Thrift
// compact FileMetaData, and the OffsetIndexes it points at. Any input must yield a value or an
// InvalidData status, never a crash, hang or out-of-bounds read.
#include <cstddef>
#include <cstdint>

#include "parquet/footer_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto info = lakestream::parquet::parse_file({data, size});
  if (info.ok()) (void)lakestream::parquet::format_file_info(*info);
  return 0;
}
