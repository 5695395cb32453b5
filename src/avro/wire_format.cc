#include "avro/wire_format.h"

#include <fmt/format.h>

namespace lakestream::avro {

Result<WireFormat> parse_wire_format(std::string_view name) {
  if (name == "raw") return WireFormat::kRaw;
  if (name == "confluent") return WireFormat::kConfluent;
  if (name == "auto") return WireFormat::kAuto;
  return invalid_argument(
      fmt::format("unknown wire format '{}' (expected raw, confluent or auto)", name));
}

std::string_view wire_format_name(WireFormat f) {
  switch (f) {
    case WireFormat::kRaw:
      return "raw";
    case WireFormat::kConfluent:
      return "confluent";
    case WireFormat::kAuto:
      return "auto";
  }
  return "?";
}

namespace {
uint32_t read_id(std::span<const uint8_t> v) {
  return (static_cast<uint32_t>(v[1]) << 24) | (static_cast<uint32_t>(v[2]) << 16) |
         (static_cast<uint32_t>(v[3]) << 8) | static_cast<uint32_t>(v[4]);
}
}  // namespace

Result<Unframed> unframe(std::span<const uint8_t> value, WireFormat format,
                         const std::function<bool(uint32_t)>& accept_id) {
  bool looks_confluent = value.size() >= kConfluentHeaderSize && value[0] == kConfluentMagic;
  switch (format) {
    case WireFormat::kRaw:
      return Unframed{std::nullopt, value};
    case WireFormat::kConfluent:
      if (!looks_confluent) {
        if (value.empty()) {
          return invalid_data(
              "expected Confluent wire format (magic byte 0x00 + 4-byte schema id) but the value "
              "is empty");
        }
        if (value[0] != kConfluentMagic) {
          return invalid_data(fmt::format(
              "expected Confluent wire format (magic byte 0x00 + 4-byte schema id) but the value "
              "starts with 0x{:02x}; is the topic raw Avro? (--wire-format raw)",
              value[0]));
        }
        return invalid_data(fmt::format(
            "expected Confluent wire format but the value has only {} bytes (header needs 5)",
            value.size()));
      }
      return Unframed{read_id(value), value.subspan(kConfluentHeaderSize)};
    case WireFormat::kAuto:
      if (looks_confluent && (!accept_id || accept_id(read_id(value)))) {
        return Unframed{read_id(value), value.subspan(kConfluentHeaderSize)};
      }
      return Unframed{std::nullopt, value};
  }
  return invalid_argument("bad wire format");
}

void append_confluent_header(uint32_t schema_id, Buffer& out) {
  uint8_t h[5] = {kConfluentMagic, static_cast<uint8_t>(schema_id >> 24),
                  static_cast<uint8_t>(schema_id >> 16), static_cast<uint8_t>(schema_id >> 8),
                  static_cast<uint8_t>(schema_id)};
  out.append(h, 5);
}

}  // namespace lakestream::avro
