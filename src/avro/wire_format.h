// Framing of Avro datums in Kafka message values.
//
//   raw        the Avro binary body only (Spark's to_avro, the seed's format)
//   confluent  magic byte 0x00, 4-byte big-endian schema id, then the body
//   auto       (consumer only) confluent when the value starts with 0x00 and has the 5-byte
//              header and, if a predicate is given, the id is accepted by it; raw otherwise.
//              A raw record may begin with 0x00 (e.g. a first field long 0), so `auto` is a
//              heuristic: configure the format explicitly when the topic is known.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>

#include "common/buffer.h"
#include "common/status.h"

namespace lakestream::avro {

enum class WireFormat : uint8_t { kRaw, kConfluent, kAuto };

inline constexpr uint8_t kConfluentMagic = 0;
inline constexpr size_t kConfluentHeaderSize = 5;

// "raw", "confluent", "auto" (case-sensitive). kInvalidArgument otherwise.
Result<WireFormat> parse_wire_format(std::string_view name);
std::string_view wire_format_name(WireFormat f);

struct Unframed {
  std::optional<uint32_t> schema_id;  // set for confluent framing
  std::span<const uint8_t> body;      // the Avro datum (points into the message)
};

// Splits a message value according to `format`. Errors (kInvalidData) say what was expected and
// what was found, e.g. "expected Confluent wire format (magic byte 0x00 + 4-byte schema id) but
// the value starts with 0x02; is the topic raw Avro? (--wire-format raw)". With kAuto,
// `accept_id` (if given) decides whether a candidate schema id is real.
Result<Unframed> unframe(std::span<const uint8_t> value, WireFormat format,
                         const std::function<bool(uint32_t)>& accept_id = {});

// Appends the 5-byte Confluent header for `schema_id` to `out` (the body follows).
void append_confluent_header(uint32_t schema_id, Buffer& out);

}  // namespace lakestream::avro
