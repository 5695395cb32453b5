// A generic value-tree encoder: Avro values written as JSON, encoded to Avro binary.
//
// Two JSON forms are accepted:
//   kDefault   the form of field defaults in schemas: a union's value is its first branch's, bytes
//              and fixed are strings whose code points 0-255 are the bytes;
//   kAvroJson  Avro's JSON encoding: non-null union values are wrapped as {"<branch>": value}
//              where <branch> is the type name (full name for named types); bytes/fixed as above.
// Used for field defaults by the decoder and for hand-written records in tests and tools; not a
// hot path. Thread-safe (pure).
#pragma once

#include <nlohmann/json.hpp>

#include "avro/schema.h"
#include "common/buffer.h"
#include "common/status.h"

namespace lakestream::avro {

enum class JsonForm : uint8_t { kDefault, kAvroJson };

// Appends the binary encoding of `value` (of type `node` in `schema`) to `out`. Errors
// (kInvalidArgument) name the path inside the value, e.g. "value.items[2]: expected a string".
Status encode_json_value(const Schema& schema, NodeId node, const nlohmann::json& value,
                         JsonForm form, Buffer& out);

}  // namespace lakestream::avro
