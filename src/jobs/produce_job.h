// The produce job: CSV files (local, gzip/zstd) -> rows -> Avro -> Kafka, in parallel.
//
//   reader thread   reads each input, cuts blocks of whole records (csv::RecordSplitter)
//   N workers       parse a block and encode it to Avro (raw or Confluent framing) with keys:
//                   for flat schemas (every field a primitive or nullable primitive, as the
//                   taxi schema) straight from parsed values (csv::RowParser::RowSink +
//                   jobs::AvroRowSink), else into a RecordBatch encoded by avro::Encoder
//   calling thread  sends encoded blocks to Kafka in input order (kafka::Producer, over two
//                   librdkafka clients for keyless runs: ProduceOptions::kafka_clients), writes
//                   rejects, prints progress, and at the end waits for every delivery report
// At most `max_blocks_in_flight` blocks exist at once, so memory is bounded by about
// (block_bytes x ~3) x that number plus librdkafka's queue (kafka::Producer: 200k messages /
// 64 MiB by default, shared by its clients), whatever the input size (bench/RESULTS-producer.md).
// Keyless records without a chosen partitioner go out in runs of about one batch per partition,
// round robin (see BatchPartitioning in the .cc). A stop request (ProduceOptions::stop) ends the
// run early without claiming anything the broker did not acknowledge.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "avro/wire_format.h"
#include "common/status.h"
#include "csv/csv_options.h"
#include "storage/object_store.h"

namespace lakestream::jobs {

struct ProduceSummary;

struct ProduceOptions {
  std::string bootstrap;
  std::string topic;
  std::string schema_path;          // .avsc
  std::vector<std::string> inputs;  // files, directories, globs, prefixes, s3:// URIs
  storage::S3Options s3;            // for s3:// inputs (endpoint, keys; AWS_* env fallback)
  csv::CsvOptions csv;              // delimiter, header, bad-row mode
  std::string reject_file;          // PERMISSIVE: JSON line per rejected row
  std::string reject_topic;         // PERMISSIVE: the same JSON as Kafka messages
  std::string key_column;           // message key from this field's text; empty: no key
  // Kafka producer settings (each becomes a librdkafka property; `kafka_properties` win).
  std::string acks = "all";
  bool idempotence = true;
  std::string compression = "lz4";
  int linger_ms = 20;
  int batch_bytes = 1 << 20;
  std::string partitioner;  // librdkafka name; empty: librdkafka's default
  std::vector<std::pair<std::string, std::string>> kafka_properties;
  // librdkafka clients behind the producer (kafka::ProducerOptions::clients); 0 = 2 when keyless
  // records go out in round-robin runs (BatchPartitioning), else 1: with a key or a chosen
  // partitioner, librdkafka's partitioner decides and one client must see every message.
  int kafka_clients = 0;
  // Wire format: raw Avro, or Confluent framing with a registry-assigned (or given) schema id.
  avro::WireFormat wire_format = avro::WireFormat::kRaw;
  std::string schema_registry;  // URL, for Confluent framing
  std::string subject;          // default "<topic>-value"
  std::optional<uint32_t> schema_id;
  // Parallelism and memory.
  unsigned threads = 0;  // parse/encode workers; 0 = all cores
  size_t block_bytes = 4 << 20;
  unsigned max_blocks_in_flight = 0;  // 0 = 2 x workers + 2
  // Progress: a live line when stderr is a terminal, else a log line every interval.
  std::chrono::milliseconds progress_interval{5000};
  std::chrono::milliseconds flush_timeout{300000};
  // Stop request (SIGINT/SIGTERM, set by the command): no more input is read or sent; what was
  // handed to Kafka gets up to `shutdown_timeout` to be acknowledged, then is given up.
  const std::atomic<bool>* stop = nullptr;
  std::chrono::milliseconds shutdown_timeout{10000};
  // Called on the sending thread after each block and about every 100 ms while waiting, with the
  // counts so far (delivered/failed/in_flight live from the client); for --http-port metrics.
  std::function<void(const ProduceSummary&)> on_progress;
};

struct ProduceSummary {
  uint64_t files = 0;
  uint64_t rows_read = 0;      // data records parsed and handed to the sending stage
  uint64_t rows_rejected = 0;  // bad rows (by reason in csv)
  uint64_t rows_sent = 0;      // handed to Kafka
  uint64_t delivered = 0;      // acknowledged by the broker
  uint64_t failed = 0;         // delivery failed (or given up at shutdown)
  uint64_t in_doubt = 0;       // of `failed`: given up in flight, the broker may have them
  uint64_t in_flight = 0;      // sent, not yet acknowledged or failed (live; 0 at the end)
  bool interrupted = false;    // stopped by ProduceOptions::stop
  uint64_t input_bytes = 0;    // decompressed CSV bytes
  uint64_t avro_bytes = 0;     // message value bytes sent
  double seconds = 0;
  csv::CsvStats csv;
  std::string first_delivery_error;
  // "files 1, rows read 432382, produced 432382, rejected 0, failed 0, 37.7 MB CSV in, 54.1 MB
  // Avro out, 2.31 s, 187000 rows/s"; "produced" counts only records the broker acknowledged. A
  // stopped run adds "; interrupted: N rows read and not sent" (and the in-doubt count if any).
  std::string to_string() const;
};

// Runs the job to completion, or until `options.stop` is set (then Cancelled, after waiting for
// the records already handed to Kafka as described there). Errors: InvalidArgument (options,
// schema, header), NotFound (inputs), InvalidData (FAILFAST bad row, naming file, line and column),
// IoError, Unavailable / Internal from Kafka, and DataLoss when some records failed delivery (the
// message says how many). `summary` is filled in every case with what happened up to the end or the
// failure.
Status run_produce(const ProduceOptions& options, ProduceSummary* summary);

}  // namespace lakestream::jobs
