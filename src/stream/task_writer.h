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
// Chain layout (`chain`, checkpoint mode kChain): the task's range is cut into files at fixed
// offset steps (`max_file_rows` offsets per file, else one file), named by topic, partition and
// start offset only, each uploaded create-only (If-None-Match: *) with its end offset in the
// object's metadata (x-amz-meta-lakestream-end) and in the Parquet key-value metadata
// (lakestream.end). Every offset of the range is covered, so a stretch without records gets an
// empty (zero-row) file. A 412 on a file means another writer committed that range: the task
// stops there and reports `fenced` (the files before it are committed). `max_file_bytes` is not
// used in this layout (a file's end must be known when its upload starts).
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
#include "stream/source.h"

namespace lakestream::stream {

struct TaskConfig {
  RecordSource* source = nullptr;
  const avro::Decoder* decoder = nullptr;
  avro::WireFormat wire_format = avro::WireFormat::kRaw;
  bool include_kafka_metadata = false;
  bool permissive = true;
  parquet::WriterOptions parquet;
  storage::ObjectStore* output = nullptr;
  std::string writer_id;
  uint64_t max_file_rows = 0;     // roll to a new file after this many rows (0: one file per task)
  uint64_t max_file_bytes = 0;    // roll after this many bytes written (0: no limit)
  size_t flush_rows = 64 * 1024;  // rows per hand-over to the Parquet writer
  bool chain = false;             // chain layout (see above)
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
  bool fenced = false;  // chain layout: another writer had created one of our files (412)
};

// Runs one task. On error, files this task opened are aborted; files it closed stay in the output
// (uncommitted, removed by the next recovery).
Result<TaskResult> run_task(const TaskConfig& config,
                            const std::shared_ptr<const columnar::Schema>& schema,
                            const OffsetRange& task);

}  // namespace lakestream::stream
