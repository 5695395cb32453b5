// Output partitioning: Hive-style directories per row, as Spark's `partitionBy` writes them.
//
//   --partition-by COL[,COL...]     COL=value/ per column, in the order given. The columns leave
//   the
//                                   data files (like Spark: the value lives in the path only).
//   --partition-by-time SPEC        dt=YYYY-MM-DD/hr=HH/ (UTC) from SPEC = COLUMN[:hour|:day]
//                                   (":day" writes dt= only); COLUMN is a TIMESTAMP (millis or
//                                   micros), DATE, or string "YYYY-MM-DD[ T]HH:MM[:SS...]" column
//                                   (the taxi schema's tpep_pickup_datetime), or `kafka_timestamp`
//                                   (the record's Kafka timestamp). The column stays in the files.
// With both, the time directories come first: dt=.../hr=.../COL=value/.
//
// Values are written as Spark writes them: integers in decimal, booleans true/false, dates
// YYYY-MM-DD, timestamps "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC); then escaped like Hive/Spark's
// ExternalCatalogUtils.escapePathName (%XX, uppercase hex, for bytes 0x00-0x1F, 0x7F and
// " # % ' * / : = ? \ { [ ] ^). A null, an empty string, or a time that cannot be parsed becomes
// __HIVE_DEFAULT_PARTITION__. Floating-point, decimal, binary and nested columns are refused.
//
// Thread-safety: a Partitioner is immutable after create() and may be shared by tasks; each task
// keeps its own PartitionDirs.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "columnar/record_batch.h"
#include "columnar/schema.h"
#include "common/status.h"

namespace lakestream::stream {

inline constexpr std::string_view kHiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__";

struct PartitionSpec {
  std::vector<std::string> columns;  // --partition-by, in order
  std::string time_column;           // --partition-by-time column; empty: none
  bool time_hourly = true;           // dt=/hr= (true) or dt= only (false)
  bool empty() const { return columns.empty() && time_column.empty(); }
};

// Parses the two flags. `by` entries may themselves hold comma-separated names. kInvalidArgument
// for empty names, duplicates, or a time granularity other than hour/day.
Result<PartitionSpec> parse_partition_spec(const std::vector<std::string>& by,
                                           std::string_view time_spec);

// Hive/Spark path escaping of one partition value (see the header comment).
std::string escape_partition_value(std::string_view value);

// UTC civil time of a Unix time in milliseconds, for dt=/hr= (proleptic Gregorian calendar).
struct UtcHour {
  int64_t year;
  int month, day, hour;
};
UtcHour utc_hour_of_ms(int64_t ms);
// Parses "YYYY-MM-DD", "YYYY-MM-DD HH", "YYYY-MM-DD HH:MM[:SS[.fff]]" (also with 'T') into the
// Unix time of the start of that hour (UTC). False when it is not such a text or not a valid date.
bool parse_hour_text(std::string_view text, int64_t* hour_ms);

class Partitioner {
 public:
  // Checks the spec against the output schema (columns are top-level, flat, of a supported type;
  // dt/hr do not clash with a column when time partitioning is on). kInvalidArgument naming the
  // column otherwise.
  static Result<std::shared_ptr<const Partitioner>> create(
      const PartitionSpec& spec, std::shared_ptr<const columnar::Schema> output_schema);

  // The schema of the data files: the output schema without the --partition-by columns.
  const std::shared_ptr<const columnar::Schema>& file_schema() const { return file_schema_; }
  // For each column of file_schema(), its index in the output schema.
  const std::vector<size_t>& file_columns() const { return file_columns_; }
  bool uses_kafka_timestamp() const { return kafka_time_; }

  // Binary key of each row of `batch` (same rows as `kafka_ts_ms` when uses_kafka_timestamp()),
  // appended to `keys` as (offset, length) pairs into `arena`: equal keys <=> equal directory.
  void row_keys(const columnar::RecordBatch& batch, std::span<const int64_t> kafka_ts_ms,
                std::string* arena, std::vector<std::pair<uint32_t, uint32_t>>* keys) const;
  // The directory ("a=1/dt=2019-01-01/hr=00/") of a key made by row_keys().
  std::string directory(std::string_view key) const;

 private:
  struct Column {
    size_t index;  // leaf column in the output schema
    const columnar::Field* field;
    bool optional;
  };
  enum class TimeSource { kNone, kKafka, kTimestampMillis, kTimestampMicros, kDate, kText };
  Partitioner() = default;
  std::shared_ptr<const columnar::Schema> output_schema_;
  std::shared_ptr<const columnar::Schema> file_schema_;
  std::vector<size_t> file_columns_;
  std::vector<Column> columns_;
  TimeSource time_source_ = TimeSource::kNone;
  Column time_column_{};
  bool time_hourly_ = true;
  bool kafka_time_ = false;
};

// A task's directories: maps row keys to small dense ids (first seen, first numbered), so a
// task's routing depends only on its records. Not thread-safe (one per task).
class PartitionDirs {
 public:
  explicit PartitionDirs(const Partitioner* p) : partitioner_(p) {}
  // Directory id of each row of `batch`, written to `ids` (resized to the batch's rows).
  void assign(const columnar::RecordBatch& batch, std::span<const int64_t> kafka_ts_ms,
              std::vector<uint32_t>* ids);
  const std::string& directory(uint32_t id) const { return dirs_[id]; }
  size_t size() const { return dirs_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  const Partitioner* partitioner_;
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> dirs_;
  std::string arena_;
  std::vector<std::pair<uint32_t, uint32_t>> keys_;
};

}  // namespace lakestream::stream
