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
// the task goes on; otherwise the task fails with kInvalidData naming partition and offset. The
// task writes its dead letters itself, as data files of the batch: one JSON-lines object per task
// with bad records, named like its Parquet files (checkpoint::format_dead_letter_key: dead-letter
// directory, topic, partition, task start, writer id), uploaded after its Parquet files and
// returned in `dead_letter_files` for the batch's manifest, so that an uncommitted attempt's dead
// letters are removed with its Parquet files and a replay does not report a record twice.
//
// Chain layout (`chain`, checkpoint mode kChain): the task's range is cut into files at fixed
// offset steps (`max_file_rows` offsets per file, else one file), named by topic, partition and
// start offset only, each uploaded create-only (If-None-Match: *) with its end offset in the
// object's metadata (x-amz-meta-lakestream-end) and in the Parquet key-value metadata
// (lakestream.end). Every offset of the range is covered, so a stretch without records gets an
// empty (zero-row) file. A 412 on a file means another writer committed that range: the task
// stops there and reports `fenced` (the files before it are committed). `max_file_bytes` is not
// used in this layout (a file's end must be known when its upload starts). Dead letters: the bad
// records of each chain file are uploaded just before that file, to
// checkpoint::format_chain_dead_letter_key(dir, tp, file start, file end) (a plain PUT: a range's
// bad records are the same whoever reads it), and returned in `dead_letter_files`; the
// checkpoint keeps those whose chain file committed and removes the others (chain_log.cc).
//
// Thread-safety: run_task() may run concurrently for different tasks with one shared config.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "avro/decoder.h"
#include "avro/wire_format.h"
#include "checkpoint/data_file_name.h"
#include "checkpoint/manifest.h"
#include "columnar/schema.h"
#include "parquet/writer.h"
#include "storage/object_store.h"
#include "stream/partitioning.h"
#include "stream/registry_decoders.h"
#include "stream/source.h"
#include "stream/task_memory.h"

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
  // Hive-style output directories (null: every file at the output's root).
  std::shared_ptr<const Partitioner> partitioner;
  // Bound on a batch's buffered, not-yet-uploaded bytes over all its running tasks (task_memory.h).
  uint64_t max_batch_bytes = kDefaultMaxBatchBytes;
  // What the output's object writer may hold: S3 multipart part size and parts in flight per
  // writer (0: the store writes through, e.g. local files).
  uint64_t sink_part_size = 0;
  int sink_parts_in_flight = 0;
  bool chain = false;  // chain layout (see above)
  // Where dead-letter files go, relative to the output root ("" or ending in '/').
  std::string dead_letter_dir = checkpoint::kDefaultDeadLetterDir;
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
  // The dead-letter files written (rows = bad records). Manifest layouts: at most one, covering
  // the task's range; chain layout: one per committed chain file with bad records.
  std::vector<checkpoint::DataFile> dead_letter_files;
  bool fenced = false;  // chain layout: another writer had created one of our files (412)
};

// Runs one task. `concurrent_tasks` is how many tasks of the batch run at once (the memory share
// is max_batch_bytes / concurrent_tasks). On error, files this task opened are aborted; files it
// closed stay in the output (uncommitted, removed by the next recovery).
Result<TaskResult> run_task(const TaskConfig& config,
                            const std::shared_ptr<const columnar::Schema>& schema,
                            const OffsetRange& task, size_t concurrent_tasks = 1);

}  // namespace lakestream::stream
