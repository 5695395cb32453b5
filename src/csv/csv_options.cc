#include "csv/csv_options.h"

#include <fmt/format.h>

namespace lakestream::csv {

bool parse_bad_row_mode(std::string_view name, BadRowMode* out) {
  std::string up(name);
  for (char& c : up) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  }
  if (up == "PERMISSIVE") {
    *out = BadRowMode::kPermissive;
  } else if (up == "DROPMALFORMED") {
    *out = BadRowMode::kDropMalformed;
  } else if (up == "FAILFAST") {
    *out = BadRowMode::kFailFast;
  } else {
    return false;
  }
  return true;
}

std::string_view bad_row_mode_name(BadRowMode mode) {
  switch (mode) {
    case BadRowMode::kPermissive:
      return "PERMISSIVE";
    case BadRowMode::kDropMalformed:
      return "DROPMALFORMED";
    case BadRowMode::kFailFast:
      return "FAILFAST";
  }
  return "?";
}

std::string_view reject_kind_name(RejectKind kind) {
  switch (kind) {
    case RejectKind::kFieldCount:
      return "field count";
    case RejectKind::kBadValue:
      return "bad value";
    case RejectKind::kMissingValue:
      return "missing value";
    case RejectKind::kUnterminatedQuote:
      return "unterminated quote";
    case RejectKind::kStrayQuote:
      return "stray quote";
    case RejectKind::kCount_:
      break;
  }
  return "?";
}

void CsvStats::add(const CsvStats& o) {
  rows_read += o.rows_read;
  rows_accepted += o.rows_accepted;
  rows_rejected += o.rows_rejected;
  blank_lines += o.blank_lines;
  for (int i = 0; i < static_cast<int>(RejectKind::kCount_); ++i) {
    rejects_by_kind[i] += o.rejects_by_kind[i];
  }
}

std::string CsvStats::reject_summary() const {
  std::string s = fmt::format("{} rejected", rows_rejected);
  if (rows_rejected == 0) return s;
  std::string parts;
  for (int i = 0; i < static_cast<int>(RejectKind::kCount_); ++i) {
    if (rejects_by_kind[i] == 0) continue;
    if (!parts.empty()) parts += ", ";
    parts += fmt::format("{} {}", rejects_by_kind[i], reject_kind_name(static_cast<RejectKind>(i)));
  }
  return s + " (" + parts + ")";
}

}  // namespace lakestream::csv
