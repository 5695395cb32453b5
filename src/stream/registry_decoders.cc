#include "stream/registry_decoders.h"

#include <fmt/format.h>

namespace lakestream::stream {

RegistryDecoders::RegistryDecoders(avro::SchemaRegistryClient& registry, avro::Schema reader,
                                   avro::DecoderOptions options)
    : registry_(registry), reader_(std::move(reader)), options_(options) {}

Result<const avro::Decoder*> RegistryDecoders::decoder_for(uint32_t schema_id) {
  // One lock around the registry call too: a new id is rare, and concurrent tasks meeting the
  // same new id then make one request, not one each.
  std::lock_guard lock(mu_);
  if (auto it = decoders_.find(schema_id); it != decoders_.end()) return it->second.get();
  if (auto it = unusable_.find(schema_id); it != unusable_.end()) return it->second;
  auto writer = registry_.schema_by_id(schema_id);
  if (!writer.ok()) {
    if (writer.status().code() != StatusCode::kNotFound) {
      return std::move(writer).status().with_context(
          fmt::format("schema registry {}: schema id {}", registry_.options().url, schema_id));
    }
    Status bad = invalid_data(fmt::format("schema id {} is unknown to the schema registry {}",
                                          schema_id, registry_.options().url));
    unusable_.emplace(schema_id, bad);
    return bad;
  }
  auto decoder = avro::Decoder::create(**writer, reader_, options_);
  if (!decoder.ok()) {
    Status bad = invalid_data(fmt::format("writer schema id {} cannot be read as --schema: {}",
                                          schema_id, decoder.status().message()));
    unusable_.emplace(schema_id, bad);
    return bad;
  }
  auto& slot = decoders_[schema_id];
  slot = std::make_unique<avro::Decoder>(std::move(*decoder));
  return slot.get();
}

}  // namespace lakestream::stream
