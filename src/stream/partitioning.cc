#include "stream/partitioning.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace lakestream::stream {

using columnar::ColumnBuffer;
using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;

namespace {

constexpr int64_t kMsPerHour = 3600LL * 1000;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t* y, int* m, int* d) {
  z += 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *m = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

int days_in_month(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::string date_text(int64_t days) {
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  return fmt::format("{:04d}-{:02d}-{:02d}", y, m, d);
}

// Spark's Timestamp -> partition string: "yyyy-MM-dd HH:mm:ss" plus the fraction when non-zero.
std::string timestamp_text(int64_t micros) {
  int64_t days = floor_div(micros, 86400LL * 1000000);
  int64_t in_day = micros - days * 86400LL * 1000000;
  int64_t secs = in_day / 1000000, frac = in_day % 1000000;
  std::string s = fmt::format("{} {:02d}:{:02d}:{:02d}", date_text(days), secs / 3600,
                              secs / 60 % 60, secs % 60);
  if (frac) {
    std::string f = fmt::format("{:06d}", frac);
    while (f.back() == '0') f.pop_back();
    s += "." + f;
  }
  return s;
}

bool supported_value_type(const Field& f) {
  if (f.group()) return false;
  switch (f.physical) {
    case PhysicalType::kBoolean:
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      return f.logical != LogicalType::kDecimal && f.logical != LogicalType::kTimeMillis &&
             f.logical != LogicalType::kTimeMicros;
    case PhysicalType::kByteArray:
      return f.logical == LogicalType::kString || f.logical == LogicalType::kEnum;
    default:
      return false;
  }
}

void put_i64(std::string* a, int64_t v) { a->append(reinterpret_cast<const char*>(&v), 8); }
int64_t get_i64(std::string_view k, size_t* pos) {
  int64_t v;
  std::memcpy(&v, k.data() + *pos, 8);
  *pos += 8;
  return v;
}

}  // namespace

UtcHour utc_hour_of_ms(int64_t ms) {
  int64_t days = floor_div(ms, kMsPerDay);
  UtcHour h{};
  civil_from_days(days, &h.year, &h.month, &h.day);
  h.hour = static_cast<int>((ms - days * kMsPerDay) / kMsPerHour);
  return h;
}

bool parse_hour_text(std::string_view s, int64_t* hour_ms) {
  int y, m, d, h = 0;
  if (!digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, &m) || s[7] != '-' ||
      !digits(s, 8, 2, &d)) {
    return false;
  }
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) return false;
  if (s.size() > 10) {
    if ((s[10] != ' ' && s[10] != 'T') || !digits(s, 11, 2, &h) || h > 23) return false;
    if (s.size() > 13 && s[13] != ':') return false;
  }
  *hour_ms = days_from_civil(y, m, d) * kMsPerDay + h * kMsPerHour;
  return true;
}

std::string escape_partition_value(std::string_view v) {
  if (v.empty()) return std::string(kHiveDefaultPartition);
  static constexpr std::string_view kEscaped = "\"#%'*/:=?\\{[]^";
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || kEscaped.find(c) != std::string_view::npos) {
      out += fmt::format("%{:02X}", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

Result<PartitionSpec> parse_partition_spec(const std::vector<std::string>& by,
                                           std::string_view time_spec) {
  PartitionSpec spec;
  std::set<std::string> seen;
  for (const auto& item : by) {
    std::string_view rest = item;
    while (true) {
      size_t comma = rest.find(',');
      std::string name(rest.substr(0, comma));
      if (name.empty())
        return invalid_argument("--partition-by: empty column name in \"" + item + "\"");
      if (!seen.insert(name).second)
        return invalid_argument("--partition-by: column \"" + name + "\" given twice");
      spec.columns.push_back(std::move(name));
      if (comma == std::string_view::npos) break;
      rest = rest.substr(comma + 1);
    }
  }
  if (!time_spec.empty()) {
    size_t colon = time_spec.rfind(':');
    spec.time_column = std::string(time_spec.substr(0, colon));
    if (colon != std::string_view::npos) {
      std::string_view g = time_spec.substr(colon + 1);
      if (g == "day") {
        spec.time_hourly = false;
      } else if (g != "hour") {
        return invalid_argument(fmt::format(
            "--partition-by-time: expected COLUMN, COLUMN:hour or COLUMN:day, got \"{}\"",
            time_spec));
      }
    }
    if (spec.time_column.empty()) return invalid_argument("--partition-by-time: no column");
  }
  return spec;
}

Result<std::shared_ptr<const Partitioner>> Partitioner::create(
    const PartitionSpec& spec, std::shared_ptr<const columnar::Schema> schema) {
  auto p = std::shared_ptr<Partitioner>(new Partitioner());
  p->output_schema_ = schema;
  p->time_hourly_ = spec.time_hourly;
  auto find_leaf = [&](const std::string& name, const char* flag) -> Result<Column> {
    int top = schema->field_index(name);
    if (top < 0) {
      return invalid_argument(
          fmt::format("{}: no top-level column \"{}\" in the output schema", flag, name));
    }
    const auto& cols = schema->columns();
    for (size_t i = 0; i < cols.size(); ++i) {
      if (cols[i].path.size() == 1 && cols[i].path[0] == name) {
        return Column{i, cols[i].field, cols[i].max_def > 0};
      }
    }
    return invalid_argument(
        fmt::format("{}: column \"{}\" is nested; only flat columns partition", flag, name));
  };
  std::set<size_t> dropped;
  for (const auto& name : spec.columns) {
    LS_ASSIGN_OR_RETURN(Column c, find_leaf(name, "--partition-by"));
    if (!supported_value_type(*c.field)) {
      return invalid_argument(fmt::format(
          "--partition-by: column \"{}\" has a type that cannot be a partition value (use an "
          "integer, boolean, string, enum, date or timestamp column)",
          name));
    }
    p->columns_.push_back(c);
    dropped.insert(c.index);
  }
  if (!spec.time_column.empty()) {
    for (const char* clash : {"dt", "hr"}) {
      if (schema->field_index(clash) >= 0 ||
          std::find(spec.columns.begin(), spec.columns.end(), clash) != spec.columns.end()) {
        return invalid_argument(fmt::format(
            "--partition-by-time: the output already has a column \"{}\" (the time directories "
            "are dt= and hr=)",
            clash));
      }
    }
    if (spec.time_column == "kafka_timestamp") {
      p->time_source_ = TimeSource::kKafka;
      p->kafka_time_ = true;
    } else {
      LS_ASSIGN_OR_RETURN(p->time_column_, find_leaf(spec.time_column, "--partition-by-time"));
      const Field& f = *p->time_column_.field;
      if (f.physical == PhysicalType::kInt64 && f.logical == LogicalType::kTimestampMillis) {
        p->time_source_ = TimeSource::kTimestampMillis;
      } else if (f.physical == PhysicalType::kInt64 && f.logical == LogicalType::kTimestampMicros) {
        p->time_source_ = TimeSource::kTimestampMicros;
      } else if (f.physical == PhysicalType::kInt32 && f.logical == LogicalType::kDate) {
        p->time_source_ = TimeSource::kDate;
      } else if (f.physical == PhysicalType::kByteArray && f.logical == LogicalType::kString) {
        p->time_source_ = TimeSource::kText;
      } else {
        return invalid_argument(fmt::format(
            "--partition-by-time: column \"{}\" is not a timestamp, date or string column",
            spec.time_column));
      }
    }
  }
  if (dropped.size() == schema->num_columns()) {
    return invalid_argument("--partition-by: at least one column must stay in the data files");
  }
  std::vector<Field> kept;
  for (const auto& f : schema->fields()) {
    if (std::find(spec.columns.begin(), spec.columns.end(), f.name) == spec.columns.end())
      kept.push_back(f);
  }
  p->file_schema_ = std::make_shared<const columnar::Schema>(schema->name(), std::move(kept));
  for (size_t i = 0; i < schema->num_columns(); ++i) {
    if (!dropped.contains(i)) p->file_columns_.push_back(i);
  }
  return std::shared_ptr<const Partitioner>(std::move(p));
}

void Partitioner::row_keys(const columnar::RecordBatch& batch, std::span<const int64_t> kafka_ts,
                           std::string* arena,
                           std::vector<std::pair<uint32_t, uint32_t>>* keys) const {
  const size_t rows = batch.num_rows();
  arena->clear();
  keys->clear();
  keys->reserve(rows);
  // Value cursors of optional columns (values are dense: only present ones are stored).
  size_t time_value = 0;
  std::vector<size_t> value(columns_.size(), 0);
  auto present = [](const ColumnBuffer& c, bool optional, size_t row) {
    return !optional || c.def_levels()[row] > 0;
  };
  for (size_t r = 0; r < rows; ++r) {
    size_t start = arena->size();
    if (time_source_ != TimeSource::kNone) {
      int64_t t = 0;
      bool ok = true;
      if (time_source_ == TimeSource::kKafka) {
        t = floor_div(kafka_ts[r], kMsPerHour) * kMsPerHour;
      } else {
        const ColumnBuffer& c = batch.column(time_column_.index);
        ok = present(c, time_column_.optional, r);
        if (ok) {
          size_t v = time_value++;
          switch (time_source_) {
            case TimeSource::kTimestampMillis:
              t = floor_div(c.values<int64_t>()[v], kMsPerHour) * kMsPerHour;
              break;
            case TimeSource::kTimestampMicros:
              t = floor_div(c.values<int64_t>()[v], kMsPerHour * 1000) * kMsPerHour;
              break;
            case TimeSource::kDate:
              t = static_cast<int64_t>(c.values<int32_t>()[v]) * kMsPerDay;
              break;
            default:
              ok = parse_hour_text(c.bytes_at(v), &t);
              break;
          }
        }
      }
      if (!time_hourly_) t = floor_div(t, kMsPerDay) * kMsPerDay;
      arena->push_back(ok ? 1 : 0);
      if (ok) put_i64(arena, t);
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
      const Column& col = columns_[i];
      const ColumnBuffer& c = batch.column(col.index);
      if (!present(c, col.optional, r)) {
        arena->push_back(0);
        continue;
      }
      size_t v = value[i]++;
      switch (col.field->physical) {
        case PhysicalType::kBoolean:
          arena->push_back(1);
          arena->push_back(static_cast<char>(c.fixed().data()[v]));
          break;
        case PhysicalType::kInt32:
          arena->push_back(1);
          put_i64(arena, c.values<int32_t>()[v]);
          break;
        case PhysicalType::kInt64:
          arena->push_back(1);
          put_i64(arena, c.values<int64_t>()[v]);
          break;
        default: {  // strings: empty is the default partition, as in Spark
          std::string_view s = c.bytes_at(v);
          if (s.empty()) {
            arena->push_back(0);
          } else {
            arena->push_back(1);
            uint32_t n = static_cast<uint32_t>(s.size());
            arena->append(reinterpret_cast<const char*>(&n), 4);
            arena->append(s);
          }
        }
      }
    }
    keys->emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(arena->size() - start));
  }
}

std::string Partitioner::directory(std::string_view key) const {
  std::string dir;
  size_t pos = 0;
  if (time_source_ != TimeSource::kNone) {
    bool ok = key[pos++] != 0;
    if (!ok) {
      dir += fmt::format("dt={}/", kHiveDefaultPartition);
      if (time_hourly_) dir += fmt::format("hr={}/", kHiveDefaultPartition);
    } else {
      UtcHour h = utc_hour_of_ms(get_i64(key, &pos));
      dir += fmt::format("dt={:04d}-{:02d}-{:02d}/", h.year, h.month, h.day);
      if (time_hourly_) dir += fmt::format("hr={:02d}/", h.hour);
    }
  }
  for (const Column& col : columns_) {
    dir += col.field->name;
    dir += '=';
    if (key[pos++] == 0) {
      dir += kHiveDefaultPartition;
      dir += '/';
      continue;
    }
    const Field& f = *col.field;
    std::string text;
    switch (f.physical) {
      case PhysicalType::kBoolean:
        text = key[pos++] ? "true" : "false";
        break;
      case PhysicalType::kInt32:
      case PhysicalType::kInt64: {
        int64_t v = get_i64(key, &pos);
        if (f.logical == LogicalType::kDate) {
          text = date_text(v);
        } else if (f.logical == LogicalType::kTimestampMillis) {
          text = timestamp_text(v * 1000);
        } else if (f.logical == LogicalType::kTimestampMicros) {
          text = timestamp_text(v);
        } else if (f.logical == LogicalType::kUInt32 && f.physical == PhysicalType::kInt32) {
          text = std::to_string(static_cast<uint32_t>(v));
        } else if (f.logical == LogicalType::kUInt64) {
          text = std::to_string(static_cast<uint64_t>(v));
        } else {
          text = std::to_string(v);
        }
        break;
      }
      default: {
        uint32_t n;
        std::memcpy(&n, key.data() + pos, 4);
        pos += 4;
        text = std::string(key.substr(pos, n));
        pos += n;
      }
    }
    dir += escape_partition_value(text);
    dir += '/';
  }
  return dir;
}

void PartitionDirs::assign(const columnar::RecordBatch& batch, std::span<const int64_t> kafka_ts,
                           std::vector<uint32_t>* ids) {
  partitioner_->row_keys(batch, kafka_ts, &arena_, &keys_);
  ids->resize(keys_.size());
  for (size_t r = 0; r < keys_.size(); ++r) {
    std::string_view key(arena_.data() + keys_[r].first, keys_[r].second);
    auto it = ids_.find(key);
    if (it == ids_.end()) {
      uint32_t id = static_cast<uint32_t>(dirs_.size());
      dirs_.push_back(partitioner_->directory(key));
      it = ids_.emplace(std::string(key), id).first;
    }
    (*ids)[r] = it->second;
  }
}

}  // namespace lakestream::stream
