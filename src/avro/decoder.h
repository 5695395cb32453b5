// Decodes Avro binary datums straight into column buffers (columnar/record_batch.h).
//
// A Decoder is compiled once per (writer schema, reader schema) pair into a flat list of ops
// (one per leaf or container, in writer order), applying the spec's schema resolution:
//   - reader fields missing from the writer take their default (error at compile time if none);
//   - writer fields missing from the reader are skipped;
//   - promotions int->long->float->double, string<->bytes;
//   - enum symbols unknown to the reader map to the reader's enum default (error if none, raised
//     when such a symbol is actually read);
//   - unions: each writer branch is matched to the first reader branch it resolves to; a writer
//     branch with no match is an error when it is read; a non-union writer against a reader union
//     picks the first matching branch;
//   - nested records and enums match by unqualified name (or reader alias), fixed by name and
//     size; the two top-level records resolve whatever their names (as Java's resolver does),
//     since a registry's writer schema is often named differently (e.g. "topLevelRecord").
// The columns filled are exactly to_columnar_schema(reader) (columnar_mapping.h).
//
// Decoding allocates nothing per record once the batch's buffers have grown, and dispatches with
// a switch over the op list (no virtual calls).
//
// Thread-safety: a Decoder is immutable after create(); decode() is const and may be called
// concurrently on different batches.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "avro/schema.h"
#include "columnar/record_batch.h"
#include "columnar/schema.h"
#include "common/status.h"

namespace lakestream::avro {

struct DecoderOptions {
  // Check that every Avro `string` (and enum symbols from defaults) is valid UTF-8.
  bool validate_utf8 = true;
  // Bytes after the end of the record are an error (a sign of a wrong writer schema).
  bool reject_trailing_bytes = true;
};

namespace detail {
struct Plan;
}

class Decoder {
 public:
  // Compiles the plan. Errors (kInvalidArgument): the schemas do not resolve (naming the reader
  // path, e.g. "fields[2] 'fare': writer type string cannot be read as double"), a reader field
  // without a default is missing from the writer, or the reader schema has no columnar shape.
  static Result<Decoder> create(const Schema& writer, const Schema& reader,
                                DecoderOptions options = {});
  // Same schema for writer and reader.
  static Result<Decoder> create(const Schema& schema, DecoderOptions options = {});

  Decoder(Decoder&&) noexcept;
  Decoder& operator=(Decoder&&) noexcept;
  ~Decoder();

  // to_columnar_schema(reader): build the RecordBatch from this (possibly with_appended()
  // extra columns after the decoder's own, which the caller fills after a successful decode()).
  const std::shared_ptr<const columnar::Schema>& columnar_schema() const;

  // Appends one record (one row: calls out.finish_row()) decoded from `datum` (the Avro body,
  // without any wire-format header) to the first columnar_schema().num_columns() columns of
  // `out`. On error the batch is exactly as before the call and the Status (kInvalidData) names
  // the field and the byte offset inside the datum, e.g.
  //   "avro decode: field 'tags[]': byte 17: negative array block count -3".
  // Errors also for: truncated data, varints longer than 10 bytes, negative or out-of-buffer
  // lengths, union index out of range, invalid UTF-8 (if enabled), trailing bytes (if enabled).
  // kInvalidArgument if `out` has fewer columns than the decoder fills.
  Status decode(std::span<const uint8_t> datum, columnar::RecordBatch& out) const;

 private:
  explicit Decoder(std::unique_ptr<detail::Plan> plan);
  std::unique_ptr<detail::Plan> plan_;
};

}  // namespace lakestream::avro
