// UTF-8 validation (internal to the avro module).
#pragma once

#include <cstddef>
#include <cstdint>

namespace lakestream::avro::detail {

// True when [p, p+n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
// *bad_at receives the offset of the first invalid byte otherwise.
bool valid_utf8(const uint8_t* p, size_t n, size_t* bad_at);

}  // namespace lakestream::avro::detail
