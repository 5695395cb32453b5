// One task of a micro-batch: fetch an exact offset range, decode each Avro value into columns,
// write Parquet to the output store.
//
// Files are named by checkpoint/data_file_name.h (topic, partition, the task's start offset, the
// writer id, a sequence number when the task rolls over to a new file) and carry their offsets in
// the Parquet key-value metadata (lakestream.topic/partition/start/end). Rows are buffered and
// handed to the Parquet writer every `flush_rows`, and the object is streamed (multipart on S3),
// so memory stays bounded by about one row group per task.
//
// Bad records (null value, bad framing, Avro that does not decode): with `permissive` they are
// counted and reported as dead letters (topic, partition, offset, reason, raw bytes in base64) and
// the task goes on; otherwise the task fails with kInvalidData naming partition and offset.
//
// Thread-safety: run_task() may run concurrently for different tasks with one shared config.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "avro/decoder.h"
#include "avro/wire_format.h"
#include "checkpoint/manifest.h"
#include "columnar/schema.h"
#include "parquet/writer.h"
#include "storage/object_store.h"
#include "stream/registry_decoders.h"
#include "stream/source.h"

namespace lakestream::stream {

struct TaskConfig {
  RecordSource* source = nullptr;
  const avro::Decoder* decoder = nullptr;
  // Confluent framing with a schema registry: each record is decoded with the decoder of its
  // schema id (writer schema resolved to the reader schema); unknown or unresolvable ids are bad
  // records. Null: every record is decoded with `decoder` (which still gives the columns).
  RegistryDecoders* registry_decoders = nullptr;
  avro::WireFormat wire_format = avro::WireFormat::kRaw;
  bool include_kafka_metadata = false;
  bool permissive = true;
  parquet::WriterOptions parquet;
  storage::ObjectStore* output = nullptr;
  std::string writer_id;
  uint64_t max_file_rows = 0;     // roll to a new file after this many rows (0: one file per task)
  uint64_t max_file_bytes = 0;    // roll after this many bytes written (0: no limit)
  size_t flush_rows = 64 * 1024;  // rows per hand-over to the Parquet writer
};

// The columns of the output: the decoder's, then (optionally) kafka_topic, kafka_partition,
// kafka_offset, kafka_timestamp (TIMESTAMP millis), kafka_key (optional BYTE_ARRAY).
std::shared_ptr<const columnar::Schema> output_schema(const avro::Decoder& decoder,
                                                      bool include_kafka_metadata);

struct TaskResult {
  std::vector<checkpoint::DataFile> files;
  uint64_t rows = 0;                      // rows written
  uint64_t records = 0;                   // records fetched
  uint64_t bad_records = 0;               // dead letters
  uint64_t bytes = 0;                     // Parquet bytes written
  std::vector<std::string> dead_letters;  // one JSON object per bad record
};

// Runs one task. On error, files this task opened are aborted; files it closed stay in the output
// (uncommitted, removed by the next recovery). `scratch` (optional, of `schema`, cleared on
// entry) is the row buffer to decode into: a worker thread passes the same one to each of its
// tasks so its column buffers are grown once, not once per task.
Result<TaskResult> run_task(const TaskConfig& config,
                            const std::shared_ptr<const columnar::Schema>& schema,
                            const OffsetRange& task, columnar::RecordBatch* scratch = nullptr);

}  // namespace lakestream::stream
