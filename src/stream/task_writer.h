// One task of a micro-batch: fetch an exact offset range, decode each Avro value into columns,
// write Parquet to the output store.
//
// Files are named by checkpoint/data_file_name.h (an optional Hive-style directory, topic,
// partition, the task's start offset, the writer id, a sequence number per directory when the task
// rolls over to a new file) and carry their offsets in the Parquet key-value metadata
// (lakestream.topic/partition/start). Rows are decoded into a row buffer that is handed to the
// files every `flush_rows` rows (or sooner when it passes an eighth of the task's memory share);
// with a partitioner the rows are first routed to their directory's file (partitioning.h). The
// objects are streamed (multipart on S3). Memory is bounded by `max_batch_bytes` (task_memory.h):
// over its share, a task closes its largest open file early, deterministically.
//
// Without partitioning, the files' [start, end) ranges follow each other within the task's range
// (the first starts at the task's start, the last one closed at the task's end ends there); with
// it, a file's [start, end) spans the first and last offset it holds (directories interleave).
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
#include "stream/partitioning.h"
#include "stream/source.h"
#include "stream/task_memory.h"

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
  // Hive-style output directories (null: every file at the output's root).
  std::shared_ptr<const Partitioner> partitioner;
  // Bound on a batch's buffered, not-yet-uploaded bytes over all its running tasks (task_memory.h).
  uint64_t max_batch_bytes = kDefaultMaxBatchBytes;
  // What the output's object writer may hold: S3 multipart part size and parts in flight per
  // writer (0: the store writes through, e.g. local files).
  uint64_t sink_part_size = 0;
  int sink_parts_in_flight = 0;
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
  uint64_t early_closes = 0;              // files closed to stay within the memory share
  uint64_t peak_buffered_bytes = 0;       // most bytes charged after a write, before closes
  std::vector<std::string> dead_letters;  // one JSON object per bad record
};

// Runs one task. `concurrent_tasks` is how many tasks of the batch run at once (the memory share
// is max_batch_bytes / concurrent_tasks). On error, files this task opened are aborted; files it
// closed stay in the output (uncommitted, removed by the next recovery).
Result<TaskResult> run_task(const TaskConfig& config,
                            const std::shared_ptr<const columnar::Schema>& schema,
                            const OffsetRange& task, size_t concurrent_tasks = 1);

}  // namespace lakestream::stream
