// CSV rows straight to Avro message values (and keys): the producer's fast path.
//
// A csv::RowParser::RowSink that writes each accepted row as one Avro datum with
// avro::FlatRecordEncoder, optionally behind the Confluent header, and the row's key text. It
// replaces parse-into-RecordBatch + avro::Encoder::encode_batch for flat schemas (every taxi
// field is one), skipping the column buffers and the second pass over them; the bytes are the
// same (avro_row_sink_test compares both paths). Keys are formatted as the batch path's keys.
//
// Not thread-safe: one sink per worker and block.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <vector>

#include "avro/flat_record_encoder.h"
#include "common/buffer.h"
#include "common/status.h"
#include "csv/row_parser.h"

namespace lakestream::jobs {

// Appends a key's text as both produce paths write it (this sink and the column-buffer path): a
// number in its shortest round-trip form, a boolean as true/false.
template <class T>
void append_key_text(Buffer& keys, T v) {
  if constexpr (std::is_same_v<T, bool>) {
    keys.append(v ? std::string_view("true") : std::string_view("false"));
  } else {
    char tmp[32];
    auto res = std::to_chars(tmp, tmp + sizeof(tmp), v);
    keys.append(tmp, static_cast<size_t>(res.ptr - tmp));
  }
}

class AvroRowSink final : public csv::RowParser::RowSink {
 public:
  // Where rows go: value i is values[ends[i-1], ends[i]); keys likewise when a key column is set.
  struct Output {
    Buffer* values = nullptr;
    std::vector<uint32_t>* ends = nullptr;
    Buffer* keys = nullptr;  // may be null when key_column < 0
    std::vector<uint32_t>* key_ends = nullptr;
  };

  // Checks that the parser's columns and the encoder's fields line up one to one with
  // compatible types (kInt32/kDate -> int, kInt64/timestamps -> long, ...). Errors:
  // kInvalidArgument naming the column. `confluent_id`: write the 5-byte Confluent header with
  // this schema id before each datum. `key_column`: -1 for no keys.
  static Result<AvroRowSink> make(const avro::FlatRecordEncoder& encoder,
                                  const csv::RowParser& parser,
                                  std::optional<uint32_t> confluent_id, int key_column, Output out);

  void row(const csv::RowParser::Value* values, size_t n) override;

 private:
  AvroRowSink(std::vector<avro::FlatRecordEncoder::Field> fields, std::vector<uint32_t> byte_fields,
              std::vector<csv::RowParser::Kind> kinds, std::optional<uint32_t> confluent_id,
              int key_column, Output out)
      : fields_(std::move(fields)),
        byte_fields_(std::move(byte_fields)),
        kinds_(std::move(kinds)),
        confluent_id_(confluent_id),
        key_column_(key_column),
        out_(out) {}
  void append_key(const csv::RowParser::Value& v, csv::RowParser::Kind kind);

  std::vector<avro::FlatRecordEncoder::Field> fields_;
  std::vector<uint32_t> byte_fields_;  // the string/bytes fields, for sizing a row
  std::vector<csv::RowParser::Kind> kinds_;
  std::optional<uint32_t> confluent_id_;
  int key_column_;
  Output out_;
};

}  // namespace lakestream::jobs
