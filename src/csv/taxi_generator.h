// Deterministic NYC yellow-taxi CSV generator (the 17-column 2017-2018 TLC layout).
//
// Reproduces the quirks of the real monthly files: the header ends in LF and is followed by a
// blank CRLF line, rows end in CRLF, trip distances have two decimals without a leading zero
// (".50"), amounts use the shortest form ("4.5", "0", "16.55"). Values follow realistic
// distributions (vendor 1/2, mostly single passengers, skewed distances and Manhattan-heavy zones
// 1-265, card/cash payments, tips on card payments only) and every total is exactly the sum of
// fare, extra, mta_tax, tip, tolls and improvement surcharge.
//
// Row i depends only on (seed, i), so any range of rows can be generated independently (in
// parallel) and the output is the same for a given seed whatever the chunking. With a defect rate
// > 0, that fraction of rows (chosen by the same per-row randomness) gets one planted defect.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/buffer.h"
#include "common/status.h"

namespace lakestream::csv {

struct TaxiGeneratorOptions {
  uint64_t seed = 42;
  // Fraction of rows (0..1) that get one defect from DefectKind.
  double defect_rate = 0.0;
};

// The defects `--defects` plants. Each is a bad row for the seed's schema (no nullable field).
enum class TaxiDefect : uint8_t {
  kEmptyNumber,  // an empty value in a numeric column
  kNotANumber,   // a non-number ("n/a", "abc", "1.2.3") in a numeric column
  kShortRow,     // the last 1-3 fields missing
  kExtraField,   // one field too many
  kCount_,
};
std::string_view taxi_defect_name(TaxiDefect d);

struct TaxiGeneratorStats {
  uint64_t rows = 0;
  uint64_t bytes = 0;
  uint64_t defects[static_cast<int>(TaxiDefect::kCount_)] = {};
  uint64_t total_defects() const;
  void add(const TaxiGeneratorStats& o);
};

class TaxiGenerator {
 public:
  explicit TaxiGenerator(TaxiGeneratorOptions options) : options_(options) {}

  // The header line (LF) and the blank CRLF line after it.
  static std::string_view header();
  // Appends rows [first, first + count) to `out` and counts them in `stats`. Thread-safe (const).
  void write_rows(uint64_t first, uint64_t count, Buffer* out, TaxiGeneratorStats* stats) const;

 private:
  TaxiGeneratorOptions options_;
};

// Writes header + `rows` rows to `path` using `threads` threads (0 = hardware concurrency),
// replacing the file atomically (temp file + rename). Errors: IoError naming the path.
Status write_taxi_csv(const std::string& path, uint64_t rows, const TaxiGeneratorOptions& options,
                      unsigned threads, TaxiGeneratorStats* stats);

}  // namespace lakestream::csv
