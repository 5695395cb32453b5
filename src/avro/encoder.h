// Encodes rows held in column buffers (columnar/record_batch.h) as Avro binary datums.
//
// The producer job fills a RecordBatch (from CSV or from a Decoder) whose first columns have the
// shape to_columnar_schema(schema) (columnar_mapping.h) and encodes every row back-to-back. The
// bytes are identical to the reference implementation's (Apache Avro's Java/Python writers):
// zig-zag varints, little-endian float/double, arrays and maps written as a single block with
// its count followed by the 0 terminator (no block at all for an empty one), union index then
// branch, nullable columns as the "null" branch when the slot is null.
//
// Thread-safety: an Encoder is immutable after create(); encode_batch() is const.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "avro/schema.h"
#include "columnar/record_batch.h"
#include "common/buffer.h"
#include "common/status.h"

namespace lakestream::avro {

namespace detail {
struct EncodePlan;
}

class Encoder {
 public:
  // Errors (kInvalidArgument): the schema has no columnar shape (see columnar_mapping.h).
  static Result<Encoder> create(const Schema& schema);

  Encoder(Encoder&&) noexcept;
  Encoder& operator=(Encoder&&) noexcept;
  ~Encoder();

  // to_columnar_schema(schema): the shape encode_batch() expects in the batch's first columns.
  const std::shared_ptr<const columnar::Schema>& columnar_schema() const;

  // Appends every row of `batch` to `out`, back-to-back, and for each row appends to `row_ends`
  // the offset in `out` where it ends: row i is [row_ends[i-1], row_ends[i]) (row 0 starts at
  // out's size on entry). Columns after the encoder's own are ignored.
  // Errors: kInvalidArgument when the batch's leading columns do not match columnar_schema()
  // (physical type / levels); kInvalidData when a value cannot be encoded (an enum column holds
  // a string that is not a symbol, a fixed/decimal-fixed value of the wrong width, levels that do
  // not describe a valid row), naming the row and column. On error `out` and `row_ends` keep the
  // rows encoded before the failing one. With `confluent_id`, each row is preceded by the
  // Confluent header for that schema id (wire_format.h), counted in its row.
  Status encode_batch(const columnar::RecordBatch& batch, Buffer& out,
                      std::vector<uint32_t>& row_ends,
                      std::optional<uint32_t> confluent_id = std::nullopt) const;

 private:
  explicit Encoder(std::unique_ptr<detail::EncodePlan> plan);
  std::unique_ptr<detail::EncodePlan> plan_;
};

}  // namespace lakestream::avro
