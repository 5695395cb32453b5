// Fuzzes the CSV reader: arbitrary bytes, fed whole and in pieces, must never crash or trip the
// sanitizers, and both feedings (and RecordSplitter blocks) must give the same rows and rejects.
// The first input byte picks options (delimiter, header, mode, chunk size).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "columnar/record_batch.h"
#include "csv/csv_reader.h"
#include "csv/record_splitter.h"

namespace {

using namespace lakestream;
using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;

std::shared_ptr<const columnar::Schema> schema() {
  static auto s = std::make_shared<columnar::Schema>(
      "f",
      std::vector<Field>{
          Field::leaf("a", PhysicalType::kInt64),
          Field::leaf("b", PhysicalType::kByteArray, Repetition::kOptional, LogicalType::kString),
          Field::leaf("c", PhysicalType::kDouble, Repetition::kOptional),
          Field::leaf("d", PhysicalType::kInt64, Repetition::kOptional,
                      LogicalType::kTimestampMicros),
          Field::leaf("e", PhysicalType::kBoolean, Repetition::kOptional),
      });
  return s;
}

struct Outcome {
  bool ok = true;
  size_t rows = 0;
  size_t bytes = 0;
  uint64_t rejected = 0;
  std::vector<uint64_t> reject_lines;
};

Outcome run(std::string_view text, const csv::CsvOptions& o, size_t chunk) {
  Outcome out;
  auto reader = csv::CsvReader::make(
      schema(), o, [&](const csv::RejectedRow& r) { out.reject_lines.push_back(r.line); });
  if (!reader.ok()) std::abort();
  columnar::RecordBatch batch(schema());
  Status st;
  for (size_t i = 0; i < text.size() && st.ok(); i += chunk) {
    st = reader->feed(text.substr(i, chunk), &batch);
  }
  if (st.ok()) st = reader->finish(&batch);
  out.ok = st.ok();
  out.rows = batch.num_rows();
  out.bytes = batch.column(1).bytes().size();
  out.rejected = reader->stats().rows_rejected;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t opt = data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  csv::CsvOptions o;
  o.delimiter = (opt & 1) ? ';' : ',';
  o.header = (opt & 2) == 0;
  o.mode = (opt & 4) ? csv::BadRowMode::kDropMalformed : csv::BadRowMode::kPermissive;
  o.max_record_bytes = 1 << 16;
  const size_t chunk = 1 + (opt >> 3);

  Outcome whole = run(text, o, text.size() + 1);
  Outcome pieces = run(text, o, chunk);
  // The only allowed difference: a record over max_record_bytes is detected while feeding
  // pieces but not when the whole text arrives at once.
  if (whole.ok && pieces.ok) {
    if (whole.rows != pieces.rows || whole.bytes != pieces.bytes ||
        whole.rejected != pieces.rejected || whole.reject_lines != pieces.reject_lines) {
      std::abort();
    }
  }
  csv::RecordSplitter splitter(o.quote);
  size_t b = splitter.scan(text);
  if (b > text.size() || (b > 0 && text[b - 1] != '\n')) std::abort();
  return 0;
}
