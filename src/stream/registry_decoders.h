// Decoders for Confluent-framed records whose writer schema is in a schema registry.
//
// A record framed as magic byte + 4-byte schema id was written with the registry's schema of
// that id (the writer schema); the job reads it as its own --schema (the reader schema), applying
// Avro schema resolution (avro/decoder.h). One Decoder is compiled per schema id, on first use,
// and cached for the life of the object, as are ids that cannot be used, so a topic full of one
// bad id costs one registry request.
//
// Errors of decoder_for():
//   kInvalidData  the record is bad, not the job: the id is unknown to the registry, or its schema
//                 does not resolve to the reader schema (the message says which). The stream
//                 sends such records to the dead letters under PERMISSIVE.
//   others        the registry is unreachable or refused us (kUnavailable, kTimeout,
//                 kPermissionDenied, ...): not cached, the batch fails and is retried by a restart.
//
// Thread-safety: decoder_for() may be called concurrently; returned decoders live as long as
// this object.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "avro/decoder.h"
#include "avro/schema.h"
#include "avro/schema_registry.h"
#include "common/status.h"

namespace lakestream::stream {

class RegistryDecoders {
 public:
  // `registry` must outlive this object.
  RegistryDecoders(avro::SchemaRegistryClient& registry, avro::Schema reader,
                   avro::DecoderOptions options = {});

  Result<const avro::Decoder*> decoder_for(uint32_t schema_id);

 private:
  avro::SchemaRegistryClient& registry_;
  const avro::Schema reader_;
  const avro::DecoderOptions options_;
  std::mutex mu_;
  std::map<uint32_t, std::unique_ptr<avro::Decoder>> decoders_;
  std::map<uint32_t, Status> unusable_;  // kInvalidData per id
};

}  // namespace lakestream::stream
