#include "csv/row_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "csv/value_parse.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace lakestream::csv {
namespace {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;

constexpr std::string_view kBom = "\xEF\xBB\xBF";

Result<RowParser::Kind> kind_of(const Field& f) {
  using K = RowParser::Kind;
  switch (f.physical) {
    case PhysicalType::kBoolean:
      return K::kBool;
    case PhysicalType::kInt32:
      if (f.logical == LogicalType::kDate) return K::kDate;
      if (f.logical == LogicalType::kNone || f.logical == LogicalType::kInt8 ||
          f.logical == LogicalType::kInt16) {
        return K::kInt32;
      }
      break;
    case PhysicalType::kInt64:
      if (f.logical == LogicalType::kTimestampMillis) return K::kTimestampMillis;
      if (f.logical == LogicalType::kTimestampMicros) return K::kTimestampMicros;
      if (f.logical == LogicalType::kNone) return K::kInt64;
      break;
    case PhysicalType::kFloat:
      return K::kFloat;
    case PhysicalType::kDouble:
      return K::kDouble;
    case PhysicalType::kByteArray:
      if (f.logical == LogicalType::kNone || f.logical == LogicalType::kString ||
          f.logical == LogicalType::kEnum || f.logical == LogicalType::kJson) {
        return K::kString;
      }
      break;
    case PhysicalType::kFixedLenByteArray:
      break;
  }
  return invalid_argument(fmt::format("field '{}': type not supported by the CSV reader", f.name));
}

bool iequal_ascii(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

// Quotes long or binary-looking values briefly in messages.
std::string excerpt(std::string_view s) {
  if (s.size() <= 40) return std::string(s);
  return std::string(s.substr(0, 40)) + "...";
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

}  // namespace

RowParser::RowParser(std::shared_ptr<const columnar::Schema> schema, CsvOptions options)
    : schema_(std::move(schema)), options_(std::move(options)) {
  special_[static_cast<uint8_t>(options_.delimiter)] = 1;
  special_[static_cast<uint8_t>(options_.quote)] = 1;
  special_[static_cast<uint8_t>('\n')] = 1;
}

Result<RowParser> RowParser::make(std::shared_ptr<const columnar::Schema> schema,
                                  CsvOptions options) {
  if (!schema) return invalid_argument("CSV reader: no schema");
  const char d = options.delimiter;
  if (d == options.quote || d == '\n' || d == '\r') {
    return invalid_argument("CSV delimiter must differ from the quote character and line ends");
  }
  if (options.quote == '\n' || options.quote == '\r') {
    return invalid_argument("CSV quote character cannot be a line end");
  }
  RowParser p(std::move(schema), std::move(options));
  for (const Field& f : p.schema_->fields()) {
    if (f.group()) {
      return invalid_argument(
          fmt::format("field '{}': nested fields cannot come from CSV", f.name));
    }
    if (f.repetition == Repetition::kRepeated) {
      return invalid_argument(
          fmt::format("field '{}': repeated fields cannot come from CSV", f.name));
    }
    LS_ASSIGN_OR_RETURN(Kind k, kind_of(f));
    Column c;
    c.kind = k;
    c.nullable = f.repetition == Repetition::kOptional;
    p.columns_.push_back(std::move(c));
  }
  p.typed_.resize(p.columns_.size());
  if (!p.options_.header) {
    std::vector<std::string> names;
    for (const Field& f : p.schema_->fields()) names.push_back(f.name);
    LS_RETURN_IF_ERROR(p.set_header(names));
  }
  return p;
}

Status RowParser::set_header(const std::vector<std::string>& names) {
  const auto& fields = schema_->fields();
  for (Column& c : columns_) c.field = -1;
  missing_fields_.clear();
  ignored_columns_.clear();
  for (size_t i = 0; i < names.size(); ++i) {
    int idx = schema_->field_index(names[i]);
    if (idx < 0) {
      for (size_t j = 0; j < fields.size(); ++j) {
        if (iequal_ascii(fields[j].name, names[i])) {
          idx = static_cast<int>(j);
          break;
        }
      }
    }
    if (idx < 0) {
      ignored_columns_.push_back(names[i]);
      continue;
    }
    if (columns_[idx].field >= 0) {
      return invalid_argument(
          fmt::format("CSV header: column '{}' appears twice (fields {} and {})", names[i],
                      columns_[idx].field + 1, i + 1));
    }
    columns_[idx].field = static_cast<int>(i);
  }
  for (size_t j = 0; j < columns_.size(); ++j) {
    Column& c = columns_[j];
    if (c.field >= 0) continue;
    const std::string& name = fields[j].name;
    missing_fields_.push_back(name);
    auto it = options_.defaults.find(name);
    if (it != options_.defaults.end()) {
      FieldText ft{it->second.data(), static_cast<uint32_t>(it->second.size()), true};
      Value t;
      std::string reason;
      if (!convert(c, ft, &t, &reason) || t.null) {
        return invalid_argument(
            fmt::format("default for column '{}' is not a valid value: {}", name, reason));
      }
      c.fill_null = false;
      c.fill_text = it->second;
      if (c.kind == Kind::kDouble) {
        c.fill.f64 = t.f64;
      } else if (c.kind == Kind::kFloat) {
        c.fill.f64 = t.f32;
      } else {
        c.fill.i64 = t.i64;
      }
    } else if (c.nullable) {
      c.fill_null = true;
    } else {
      return invalid_argument(fmt::format(
          "column '{}' is missing from the CSV header and is neither nullable nor given a default",
          name));
    }
  }
  num_fields_ = names.size();
  mapped_ = true;
  return Status();
}

const char* RowParser::skip_to_record_end(const char* p, const char* end, bool in_quotes,
                                          bool at_eof, uint64_t* newlines, const char** record_end,
                                          bool* unterminated) {
  const char quote = options_.quote;
  for (; p < end; ++p) {
    if (*p == quote) {
      in_quotes = !in_quotes;
    } else if (*p == '\n') {
      ++*newlines;
      if (!in_quotes) {
        *record_end = (p[-1] == '\r') ? p - 1 : p;
        return p + 1;
      }
    }
  }
  if (!at_eof) return nullptr;
  *record_end = end;
  *unterminated = in_quotes;
  return end;
}

bool RowParser::scan_unquoted_record(const char* p, const char* end, const char** record_end,
                                     const char** next) {
#if defined(__SSE2__)
  // Most records have no quotes: compare 16 bytes at a time against the delimiter, the quote and
  // '\n', and cut fields at the delimiter bits. A quote anywhere before the line end, or a record
  // running into the last 16 bytes of the buffer, leaves it to the byte-wise scan (which gives
  // the same fields; this is only faster).
  const __m128i vd = _mm_set1_epi8(options_.delimiter);
  const __m128i vq = _mm_set1_epi8(options_.quote);
  const __m128i vn = _mm_set1_epi8('\n');
  const char* field = p;
  for (const char* base = p; base + 16 <= end; base += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(base));
    uint32_t md = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd)));
    const uint32_t mq = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq)));
    const uint32_t mn = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, vn)));
    const uint32_t before_nl = mn ? (mn & (0u - mn)) - 1 : 0xFFFFu;
    if (mq & before_nl) return false;
    md &= before_nl;
    while (md) {
      const char* d = base + __builtin_ctz(md);
      fields_.push_back({field, static_cast<uint32_t>(d - field), false});
      field = d + 1;
      md &= md - 1;
    }
    if (mn) {
      const char* nl = base + __builtin_ctz(mn);
      const char* e = (nl > field && nl[-1] == '\r') ? nl - 1 : nl;
      fields_.push_back({field, static_cast<uint32_t>(e - field), false});
      *record_end = e;
      *next = nl + 1;
      return true;
    }
  }
#else
  (void)p;
  (void)end;
  (void)record_end;
  (void)next;
#endif
  return false;
}

RowParser::Scan RowParser::scan_record(const char* p, const char* end, bool at_eof,
                                       const char** record_end, const char** next,
                                       uint64_t* newlines, RejectKind* why) {
  fields_.clear();
  unescaped_used_ = 0;
  if (scan_unquoted_record(p, end, record_end, next)) {
    ++*newlines;
    return Scan::kRecord;
  }
  fields_.clear();
  const char quote = options_.quote;
  const char delim = options_.delimiter;
  for (;;) {
    if (p < end && *p == quote) {
      const char* q = p + 1;
      bool escaped = false;
      const char* closing;
      for (;;) {
        const char* f =
            static_cast<const char*>(std::memchr(q, quote, static_cast<size_t>(end - q)));
        if (f == nullptr) {
          if (!at_eof) return Scan::kIncomplete;
          *newlines += static_cast<uint64_t>(std::count(q, end, '\n'));
          *record_end = end;
          *next = end;
          *why = RejectKind::kUnterminatedQuote;
          return Scan::kMalformed;
        }
        if (f + 1 == end && !at_eof) return Scan::kIncomplete;  // "" or a closing quote?
        if (f + 1 < end && f[1] == quote) {
          escaped = true;
          q = f + 2;
          continue;
        }
        closing = f;
        break;
      }
      *newlines += static_cast<uint64_t>(std::count(p + 1, closing, '\n'));
      if (escaped) {
        if (unescaped_used_ == unescaped_.size()) unescaped_.emplace_back();
        std::string& s = unescaped_[unescaped_used_++];
        s.clear();
        for (const char* c = p + 1; c < closing; ++c) {
          s.push_back(*c);
          if (*c == quote) ++c;  // the second of a doubled quote
        }
        fields_.push_back({s.data(), static_cast<uint32_t>(s.size()), true});
      } else {
        fields_.push_back({p + 1, static_cast<uint32_t>(closing - p - 1), true});
      }
      const char* after = closing + 1;
      if (after == end) {  // only reached at_eof
        *record_end = end;
        *next = end;
        return Scan::kRecord;
      }
      if (*after == delim) {
        p = after + 1;
        continue;
      }
      if (*after == '\n') {
        ++*newlines;
        *record_end = after;
        *next = after + 1;
        return Scan::kRecord;
      }
      if (*after == '\r') {
        if (after + 1 == end) {
          if (!at_eof) return Scan::kIncomplete;
          *record_end = after;
          *next = end;
          return Scan::kRecord;
        }
        if (after[1] == '\n') {
          ++*newlines;
          *record_end = after;
          *next = after + 2;
          return Scan::kRecord;
        }
      }
      bool unterminated = false;
      const char* n =
          skip_to_record_end(after, end, false, at_eof, newlines, record_end, &unterminated);
      if (n == nullptr) return Scan::kIncomplete;
      *next = n;
      *why = unterminated ? RejectKind::kUnterminatedQuote : RejectKind::kStrayQuote;
      return Scan::kMalformed;
    }
    // Unquoted field: runs to the delimiter, the line end, or (an error) a quote.
    const char* q = p;
    while (q < end && !special_[static_cast<uint8_t>(*q)]) ++q;
    if (q == end) {
      if (!at_eof) return Scan::kIncomplete;
      const char* e = (q > p && q[-1] == '\r') ? q - 1 : q;
      fields_.push_back({p, static_cast<uint32_t>(e - p), false});
      *record_end = e;
      *next = end;
      return Scan::kRecord;
    }
    if (*q == delim) {
      fields_.push_back({p, static_cast<uint32_t>(q - p), false});
      p = q + 1;
      continue;
    }
    if (*q == '\n') {
      const char* e = (q > p && q[-1] == '\r') ? q - 1 : q;
      fields_.push_back({p, static_cast<uint32_t>(e - p), false});
      ++*newlines;
      *record_end = e;
      *next = q + 1;
      return Scan::kRecord;
    }
    // A quote inside an unquoted field: find the record's end by quote parity (as
    // RecordSplitter does), so the stream stays in step, and reject the record.
    bool unterminated = false;
    const char* n =
        skip_to_record_end(q + 1, end, true, at_eof, newlines, record_end, &unterminated);
    if (n == nullptr) return Scan::kIncomplete;
    *next = n;
    *why = unterminated ? RejectKind::kUnterminatedQuote : RejectKind::kStrayQuote;
    return Scan::kMalformed;
  }
}

bool RowParser::convert(const Column& c, const FieldText& f, Value* out,
                        std::string* reason) const {
  std::string_view s(f.p, f.len);
  out->null = false;
  out->text = s;
  if (s.empty()) {
    if (c.kind == Kind::kString && (f.quoted || !c.nullable)) return true;
    if (c.nullable) {
      out->null = true;
      return true;
    }
    *reason = "empty value for a non-nullable column";
    return false;
  }
  bool ok = false;
  const char* type = "";
  switch (c.kind) {
    case Kind::kString:
      return true;
    case Kind::kBool: {
      bool b = false;  // parse_bool leaves it unset on failure; reading that is UB for a bool
      ok = parse_bool(s, &b);
      out->i64 = b;
      type = "boolean";
      break;
    }
    case Kind::kInt32: {
      int32_t v = 0;
      ok = parse_int32(s, &v);
      out->i64 = v;
      type = "int";
      break;
    }
    case Kind::kInt64:
      ok = parse_int64(s, &out->i64);
      type = "long";
      break;
    case Kind::kFloat:
      ok = parse_float(s, &out->f32);
      type = "float";
      break;
    case Kind::kDouble:
      ok = parse_double(s, &out->f64);
      type = "double";
      break;
    case Kind::kDate: {
      int32_t d;
      ok = parse_date(s, &d);
      out->i64 = d;
      type = "date";
      break;
    }
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros: {
      int64_t us;
      ok = parse_timestamp_micros(s, &us);
      out->i64 = c.kind == Kind::kTimestampMillis ? floor_div(us, 1000) : us;
      type = "timestamp";
      break;
    }
  }
  if (!ok) *reason = fmt::format("bad {} '{}'", type, excerpt(s));
  return ok;
}

void RowParser::append_value(const Column& c, const Value& t, columnar::ColumnBuffer& col) {
  if (c.nullable) {
    col.append_levels(t.null ? 0 : 1, 0);
    if (t.null) return;
  }
  switch (c.kind) {
    case Kind::kBool:
      col.append_fixed<uint8_t>(t.i64 ? 1 : 0);
      break;
    case Kind::kInt32:
    case Kind::kDate:
      col.append_fixed<int32_t>(static_cast<int32_t>(t.i64));
      break;
    case Kind::kInt64:
    case Kind::kTimestampMillis:
    case Kind::kTimestampMicros:
      col.append_fixed<int64_t>(t.i64);
      break;
    case Kind::kFloat:
      col.append_fixed<float>(t.f32);
      break;
    case Kind::kDouble:
      col.append_fixed<double>(t.f64);
      break;
    case Kind::kString:
      col.append_bytes(t.text);
      break;
  }
  if (!c.nullable) col.count_slot();
}

Status RowParser::reject(RejectKind kind, uint64_t line, std::string_view column,
                         std::string_view reason, std::string_view raw) {
  ++stats_.rows_rejected;
  ++stats_.rejects_by_kind[static_cast<int>(kind)];
  switch (options_.mode) {
    case BadRowMode::kFailFast:
      if (column.empty()) return invalid_data(fmt::format("line {}: {}", line, reason));
      return invalid_data(fmt::format("line {}, column '{}': {}", line, column, reason));
    case BadRowMode::kPermissive:
      if (rejects_) rejects_(RejectedRow{line, column, reason, raw});
      break;
    case BadRowMode::kDropMalformed:
      break;
  }
  return Status();
}

Status RowParser::take_header() {
  std::vector<std::string> names;
  names.reserve(fields_.size());
  for (const FieldText& f : fields_) names.emplace_back(f.p, f.len);
  return set_header(names);
}

Status RowParser::parse_header(std::string_view text, bool at_eof, size_t* consumed,
                               uint64_t* lines_consumed) {
  const char* begin = text.data();
  const char* p = begin;
  const char* end = begin + text.size();
  *consumed = 0;
  *lines_consumed = 0;
  uint64_t lines = 0;
  if (!bom_done_) {
    if (text.size() < kBom.size() && kBom.starts_with(text) && !at_eof) return Status();
    if (text.starts_with(kBom)) p += kBom.size();
    bom_done_ = true;
  }
  while (!mapped_ && p < end) {
    const char* record_end = nullptr;
    const char* next = nullptr;
    uint64_t newlines = 0;
    RejectKind why = RejectKind::kStrayQuote;
    Scan s = scan_record(p, end, at_eof, &record_end, &next, &newlines, &why);
    if (s == Scan::kIncomplete) break;
    if (s == Scan::kMalformed) {
      return invalid_data(
          fmt::format("line {}: malformed CSV header ({})", 1 + lines, reject_kind_name(why)));
    }
    const uint64_t record_line = 1 + lines;
    lines += newlines;
    p = next;
    if (fields_.size() == 1 && fields_[0].len == 0 && !fields_[0].quoted) {
      ++stats_.blank_lines;
      continue;
    }
    Status st = take_header();
    if (!st.ok()) return st.with_context(fmt::format("line {}", record_line));
  }
  if (mapped_ || at_eof) {
    *consumed = static_cast<size_t>(p - begin);
    *lines_consumed = lines;
  } else {
    bom_done_ = false;  // nothing consumed: the BOM is seen again on the next call
    stats_.blank_lines = 0;
  }
  return Status();
}

template <class Out>
Status RowParser::parse_records(std::string_view text, uint64_t first_line, bool at_eof, Out& out,
                                size_t* consumed, uint64_t* lines_consumed) {
  const char* begin = text.data();
  const char* p = begin;
  const char* end = begin + text.size();
  uint64_t line = first_line;
  *consumed = 0;
  *lines_consumed = 0;
  if (!bom_done_ && first_line == 1) {
    if (text.size() < kBom.size() && kBom.starts_with(text) && !at_eof) return Status();
    if (text.starts_with(kBom)) p += kBom.size();
    bom_done_ = true;
  }
  const auto& fields = schema_->fields();
  std::string reason;
  while (p < end) {
    const char* record_end = nullptr;
    const char* next = nullptr;
    uint64_t newlines = 0;
    RejectKind why = RejectKind::kStrayQuote;
    Scan s = scan_record(p, end, at_eof, &record_end, &next, &newlines, &why);
    if (s == Scan::kIncomplete) break;
    const uint64_t record_line = line;
    std::string_view raw(p, static_cast<size_t>(record_end - p));
    const char* record_start = p;
    line += newlines;
    p = next;
    if (s == Scan::kMalformed) {
      if (!mapped_) {
        return invalid_data(
            fmt::format("line {}: malformed CSV header ({})", record_line, reject_kind_name(why)));
      }
      ++stats_.rows_read;
      reason = why == RejectKind::kUnterminatedQuote ? "unterminated quoted field"
                                                     : "quote inside an unquoted field or "
                                                       "text after a closing quote";
      Status st = reject(why, record_line, {}, reason, raw);
      if (!st.ok()) {
        *consumed = static_cast<size_t>(record_start - begin);
        return st;
      }
      continue;
    }
    if (fields_.size() == 1 && fields_[0].len == 0 && !fields_[0].quoted) {
      ++stats_.blank_lines;
      continue;
    }
    if (!mapped_) {
      Status st = take_header();
      if (!st.ok()) return st.with_context(fmt::format("line {}", record_line));
      continue;
    }
    ++stats_.rows_read;
    if (fields_.size() != num_fields_) {
      reason = fmt::format("{} fields expected, {} found", num_fields_, fields_.size());
      Status st = reject(RejectKind::kFieldCount, record_line, {}, reason, raw);
      if (!st.ok()) {
        *consumed = static_cast<size_t>(record_start - begin);
        return st;
      }
      continue;
    }
    // Values go straight to `out`; a bad value rolls back the ones this row gave it.
    bool good = true;
    for (size_t i = 0; i < columns_.size(); ++i) {
      const Column& c = columns_[i];
      Value& t = typed_[i];
      if (c.field < 0) {
        t.null = c.fill_null;
        t.text = c.fill_text;
        if (c.kind == Kind::kFloat) {
          t.f32 = static_cast<float>(c.fill.f64);
        } else if (c.kind == Kind::kDouble) {
          t.f64 = c.fill.f64;
        } else {
          t.i64 = c.fill.i64;
        }
      } else if (!convert(c, fields_[c.field], &t, &reason)) {
        out.rollback(i);
        RejectKind k =
            fields_[c.field].len == 0 ? RejectKind::kMissingValue : RejectKind::kBadValue;
        Status st = reject(k, record_line, fields[i].name, reason, raw);
        if (!st.ok()) {
          *consumed = static_cast<size_t>(record_start - begin);
          return st;
        }
        good = false;
        break;
      }
      out.value(i, c, t);
    }
    if (!good) continue;
    out.finish_row();
    ++stats_.rows_accepted;
  }
  *consumed = static_cast<size_t>(p - begin);
  *lines_consumed = line - first_line;
  return Status();
}

// Values into the columns of a RecordBatch as they are converted.
struct RowParser::BatchOut {
  RowParser& parser;
  columnar::RecordBatch& batch;
  void value(size_t i, const Column& c, const Value& v) { append_value(c, v, batch.column(i)); }
  void rollback(size_t n) {
    for (size_t j = 0; j < n; ++j) {
      columnar::ColumnBuffer& col = batch.column(j);
      col.truncate(col.num_slots() - 1, col.num_values() - (parser.typed_[j].null ? 0 : 1));
    }
  }
  void finish_row() { batch.finish_row(); }
};

// Whole rows to a RowSink once every value converted (they wait in typed_).
struct RowParser::SinkOut {
  RowParser& parser;
  RowSink& sink;
  void value(size_t, const Column&, const Value&) {}
  void rollback(size_t) {}
  void finish_row() { sink.row(parser.typed_.data(), parser.typed_.size()); }
};

Status RowParser::parse(std::string_view text, uint64_t first_line, bool at_eof,
                        columnar::RecordBatch* batch, size_t* consumed, uint64_t* lines_consumed) {
  BatchOut out{*this, *batch};
  return parse_records(text, first_line, at_eof, out, consumed, lines_consumed);
}

Status RowParser::parse(std::string_view text, uint64_t first_line, bool at_eof, RowSink* sink,
                        size_t* consumed, uint64_t* lines_consumed) {
  SinkOut out{*this, *sink};
  return parse_records(text, first_line, at_eof, out, consumed, lines_consumed);
}

}  // namespace lakestream::csv
