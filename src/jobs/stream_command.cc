// `lakestream stream`: Kafka topics (Avro values) -> Parquet on an object store, exactly once.
// The job itself is stream/engine.h; this file turns flags into its configuration, opens the
// stores and the Kafka source, handles SIGINT/SIGTERM and prints the S3-call tables at exit.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "avro/schema.h"
#include "avro/schema_registry.h"
#include "checkpoint/checkpoint_store.h"
#include "checkpoint/spark_metadata.h"
#include "common/env.h"
#include "common/log.h"
#include "jobs/checkpoint_location.h"
#include "jobs/commands.h"
#include "jobs/exit.h"
#include "jobs/s3_flags.h"
#include "jobs/stop_signals.h"
#include "jobs/stream_metrics.h"
#include "stream/crash_store.h"
#include "stream/engine.h"
#include "stream/group_assignment.h"
#include "stream/kafka_source.h"
#include "stream/registry_decoders.h"

namespace lakestream::jobs {
namespace {

struct StreamFlags {
  std::string bootstrap;
  std::vector<std::string> topics;
  std::string topic_pattern;
  std::string schema_registry;
  int http_port = -1;
  std::string schema;
  std::string wire_format = "raw";
  std::string output;
  std::string checkpoint;
  std::string checkpoint_mode = "conditional";
  std::string trigger = "1s";
  std::string starting_offsets = "earliest";
  std::string fail_on_data_loss = "true";
  int64_t max_offsets_per_trigger = 0;
  int min_partitions = 0;
  int threads = 0;
  uint64_t max_batches = 0;
  std::string compression = "snappy";
  size_t row_group_mib = 128;
  uint64_t max_file_rows = 0;
  size_t max_file_mib = 0;
  bool include_kafka_metadata = false;
  std::string mode = "PERMISSIVE";
  std::string metrics_json;
  std::vector<std::string> kafka;
  std::string s3_endpoint;
  storage::S3Options s3;  // --s3-ca-bundle, --s3-request-timeout-ms, --s3-max-retries
  uint64_t retain = 100;
  uint64_t compact_every = 10;
  std::vector<std::string> partition_by;
  std::string partition_by_time;
  std::string max_batch_bytes = "256MiB";
  std::string group;
  bool spark_metadata = false;
};

nlohmann::json stats_json(const std::map<std::string, storage::ApiStats>& s) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [api, a] : s) {
    j[api] = {{"calls", a.calls},
              {"errors", a.errors},
              {"rx_bytes", a.rx_bytes},
              {"tx_bytes", a.tx_bytes}};
  }
  return j;
}

void merge(std::map<std::string, storage::ApiStats>& into,
           const std::map<std::string, storage::ApiStats>& from) {
  for (const auto& [api, s] : from) into[api] += s;
}

Result<std::unique_ptr<storage::ObjectStore>> open(const std::string& uri,
                                                   const storage::S3Options& s3,
                                                   const std::shared_ptr<stream::CrashCounter>& c) {
  LS_ASSIGN_OR_RETURN(auto store, storage::open_store(uri, s3));
  if (!c) return store;
  return std::unique_ptr<storage::ObjectStore>(new stream::CrashingStore(std::move(store), c));
}

// --partition-by, --partition-by-time and --max-batch-bytes into the task configuration.
Status configure_output_layout(const StreamFlags& f, const avro::Decoder& decoder,
                               stream::TaskConfig* task) {
  auto bytes = stream::parse_byte_size(f.max_batch_bytes);
  if (!bytes.ok()) return std::move(bytes).status().with_context("--max-batch-bytes");
  task->max_batch_bytes = *bytes;
  LS_ASSIGN_OR_RETURN(auto spec, stream::parse_partition_spec(f.partition_by, f.partition_by_time));
  if (spec.empty()) return Status();
  LS_ASSIGN_OR_RETURN(task->partitioner,
                      stream::Partitioner::create(
                          spec, stream::output_schema(decoder, task->include_kafka_metadata)));
  return Status();
}

Status run(const StreamFlags& f) {
  std::string bootstrap = f.bootstrap;
  if (bootstrap.empty()) {
    if (auto v = env_first({"KAFKA_BOOTSTRAP_SERVER", "KAFKA_BOOTSTRAM_SERVER"})) bootstrap = *v;
  }
  if (bootstrap.empty())
    return invalid_argument("--bootstrap (or KAFKA_BOOTSTRAP_SERVER) is required");
  if (f.topics.empty() && f.topic_pattern.empty()) {
    return invalid_argument("--topic or --topic-pattern is required");
  }
  if (f.output.empty()) return invalid_argument("--output is required");
  std::string checkpoint_uri =
      f.checkpoint.empty() ? default_checkpoint_uri(f.output) : f.checkpoint;

  // Schema: a file, or inline JSON.
  auto schema =
      f.schema.starts_with("{") ? avro::parse_schema(f.schema) : avro::parse_schema_file(f.schema);
  if (!schema.ok()) return std::move(schema).status().with_context("--schema");
  LS_ASSIGN_OR_RETURN(auto decoder, avro::Decoder::create(*schema));

  stream::EngineConfig c;
  c.topics = f.topics;
  c.topic_pattern = f.topic_pattern;
  LS_RETURN_IF_ERROR(stream::parse_trigger(f.trigger, &c.trigger, &c.interval_ms));
  LS_ASSIGN_OR_RETURN(c.plan.starting, stream::parse_starting_offsets(f.starting_offsets));
  if (f.fail_on_data_loss != "true" && f.fail_on_data_loss != "false") {
    return invalid_argument("--fail-on-data-loss: expected true or false");
  }
  c.plan.fail_on_data_loss = f.fail_on_data_loss == "true";
  c.plan.max_offsets_per_trigger = f.max_offsets_per_trigger;
  c.plan.min_partitions = f.min_partitions;
  c.threads = f.threads > 0 ? f.threads : std::max(1u, std::thread::hardware_concurrency());
  c.max_batches = f.max_batches;
  LS_ASSIGN_OR_RETURN(c.task.wire_format, avro::parse_wire_format(f.wire_format));
  if (c.task.wire_format == avro::WireFormat::kAuto) {
    return invalid_argument("--wire-format: raw or confluent");
  }
  LS_ASSIGN_OR_RETURN(c.task.parquet.compression, parquet::parse_compression(f.compression));
  c.task.parquet.row_group_size = f.row_group_mib << 20;
  c.task.max_file_rows = f.max_file_rows;
  c.task.max_file_bytes = static_cast<uint64_t>(f.max_file_mib) << 20;
  c.task.include_kafka_metadata = f.include_kafka_metadata;
  if (f.mode != "PERMISSIVE" && f.mode != "FAILFAST") {
    return invalid_argument("--mode: expected PERMISSIVE or FAILFAST");
  }
  c.task.permissive = f.mode == "PERMISSIVE";
  c.task.decoder = &decoder;
  LS_RETURN_IF_ERROR(configure_output_layout(f, decoder, &c.task));
  // Confluent framing + registry: decode each record with its writer schema (by id), resolved to
  // --schema. Without a registry, confluent records are read as if written with --schema.
  std::unique_ptr<avro::SchemaRegistryClient> registry;
  std::unique_ptr<stream::RegistryDecoders> registry_decoders;
  if (!f.schema_registry.empty()) {
    if (c.task.wire_format != avro::WireFormat::kConfluent) {
      return invalid_argument("--schema-registry needs --wire-format confluent");
    }
    avro::SchemaRegistryOptions ro;
    ro.url = f.schema_registry;
    registry = std::make_unique<avro::SchemaRegistryClient>(ro);
    registry_decoders = std::make_unique<stream::RegistryDecoders>(*registry, *schema);
    c.task.registry_decoders = registry_decoders.get();
  }
  checkpoint::CheckpointOptions co;
  LS_ASSIGN_OR_RETURN(co.mode, checkpoint::parse_checkpoint_mode(f.checkpoint_mode));
  co.retain = f.retain;
  co.compact_every = f.compact_every;
  if (co.mode == checkpoint::CheckpointMode::kChain) {
    if (c.task.partitioner) {
      return invalid_argument(
          "--partition-by/--partition-by-time do not combine with --checkpoint-mode chain (a "
          "chain is one file sequence per Kafka partition); use the conditional mode");
    }
    // A partition's files are written one after the other: no parallel tasks per partition.
    if (f.max_file_mib) {
      return invalid_argument(
          "--max-file-mib does not combine with --checkpoint-mode chain (a file's end offset "
          "must be known when its upload starts); use --max-file-rows (offsets per file)");
    }
    if (c.plan.min_partitions) {
      log::warn("stream", "--min-partitions is ignored with --checkpoint-mode chain");
      c.plan.min_partitions = 0;
    }
    c.task.chain = true;
  }

  storage::S3Options s3 = f.s3;
  s3.endpoint = f.s3_endpoint;
  std::shared_ptr<stream::CrashCounter> crash;
  if (auto n = env_var("LAKESTREAM_CRASH_AFTER_S3_CALL")) {
    crash = std::make_shared<stream::CrashCounter>(std::stoull(*n));
  }
  // Three stores: data files; the checkpoint; and the output again for the commit protocol's own
  // listing and deletes of data files, so that s3_checkpoint counts every protocol request.
  LS_ASSIGN_OR_RETURN(auto output, open(f.output, s3, crash));
  LS_ASSIGN_OR_RETURN(auto meta, open(checkpoint_uri, s3, crash));
  LS_ASSIGN_OR_RETURN(auto protocol_output, open(f.output, s3, crash));
  c.task.output = output.get();
  if (f.output.starts_with("s3://") || f.output.starts_with("s3a://")) {
    // As the multipart writer sizes its parts (S3's minimum part is 5 MiB).
    c.task.sink_part_size = std::max<size_t>(s3.multipart_part_size, 5u << 20);
    c.task.sink_parts_in_flight = s3.multipart_concurrency;
  }

  kafka::KafkaConfig kc;
  kc.set("bootstrap.servers", bootstrap);
  LS_RETURN_IF_ERROR(kc.set_passthrough(f.kafka));
  LS_ASSIGN_OR_RETURN(auto source, stream::KafkaSource::open(kc));
  c.task.source = source.get();

  StopSignals signals("stream", "finishing the current batch, then stopping");
  const std::atomic<bool>& stop = *signals.stop();
  LS_RETURN_IF_ERROR(record_checkpoint_location(*protocol_output, f.output, checkpoint_uri));
  auto ckpt = checkpoint::open_checkpoint(*meta, *protocol_output, co);
  // --spark-metadata: Spark's sink log in <output>/_spark_metadata/, on a store of its own so its
  // requests are counted apart.
  std::unique_ptr<storage::ObjectStore> spark_log;
  if (f.spark_metadata) {
    LS_ASSIGN_OR_RETURN(spark_log, open(f.output, s3, crash));
    checkpoint::SparkMetadataOptions so;
    so.path_prefix = output->uri() + "/";
    // Spark resolves the paths it reads with Hadoop: keep the scheme the user gave (s3a://).
    if (f.output.starts_with("s3a://") && so.path_prefix.starts_with("s3://")) {
      so.path_prefix.insert(2, "a");
    }
    ckpt = checkpoint::with_spark_metadata(std::move(ckpt), *spark_log, so);
  }
  log::info("stream", "writer {}: {}{} -> {} (checkpoint {}, mode {})", ckpt->writer_id(),
            fmt::join(f.topics, ","),
            f.topic_pattern.empty() ? "" : fmt::format(" pattern '{}'", f.topic_pattern),
            output->uri(), meta->uri(), f.checkpoint_mode);
  std::unique_ptr<stream::KafkaGroupOwnership> group;
  if (f.group.empty()) {
    LS_RETURN_IF_ERROR(ckpt->recover(std::nullopt).status());
  } else {
    if (co.mode != checkpoint::CheckpointMode::kConditional) {
      return invalid_argument(
          "--group needs --checkpoint-mode conditional (the only one that fences)");
    }
    if (c.trigger != stream::Trigger::kProcessingTime) {
      return invalid_argument("--group needs a processing-time --trigger (1s, 500ms, ...)");
    }
    kafka::GroupOptions go;
    go.config = kc;
    go.group_id = f.group == "auto" ? stream::default_group_id(checkpoint_uri) : f.group;
    go.topics = f.topics;
    // Claim nothing yet: partitions are claimed as the group assigns them.
    LS_RETURN_IF_ERROR(ckpt->recover(std::vector<checkpoint::TopicPartition>{}).status());
    LS_ASSIGN_OR_RETURN(group, stream::KafkaGroupOwnership::join(go));
    c.ownership = group.get();
    log::info("stream", "consumer group {}: waiting for partitions", go.group_id);
  }

  StreamMetrics metrics;
  if (f.http_port >= 0) {
    LS_ASSIGN_OR_RETURN(int port, metrics.serve(f.http_port));
    log::info("stream", "serving /metrics, /healthz and /readyz on port {}", port);
  }
  metrics.set_ready(true);
  c.on_event = [&metrics](const stream::EngineEvent& e) { metrics.observe_event(e); };
  stream::StreamEngine engine(c, *ckpt, &output->stats(), &meta->stats(),
                              [&metrics](const std::string& line) {
                                std::cout << line << std::endl;
                                metrics.observe_progress(line);
                              });
  Status result = engine.run(stop);

  auto data = output->stats().snapshot();
  auto protocol = meta->stats().snapshot();
  merge(protocol, protocol_output->stats().snapshot());
  auto all = data;
  merge(all, protocol);
  std::map<std::string, storage::ApiStats> spark;
  if (spark_log) spark = spark_log->stats().snapshot();
  merge(all, spark);
  const auto& t = engine.totals();
  log::info("stream",
            "{} batches, {} rows, {} bad records, {} files, {} bytes, {} fenced attempts, {} "
            "offsets lost to retention, {} rebalances",
            t.batches, t.rows, t.bad_records, t.files, t.bytes, t.fenced, t.lost_offsets,
            t.rebalances);
  std::cerr << "S3 calls, data files:\n"
            << storage::format_stats_table(data) << "S3 calls, checkpoint and commit protocol ("
            << f.checkpoint_mode << "):\n"
            << storage::format_stats_table(protocol);
  if (spark_log) {
    std::cerr << "S3 calls, Spark sink log (_spark_metadata):\n"
              << storage::format_stats_table(spark);
  }
  if (!f.metrics_json.empty()) {
    nlohmann::json m = {{"batches", t.batches},
                        {"rows", t.rows},
                        {"bad_records", t.bad_records},
                        {"files", t.files},
                        {"bytes", t.bytes},
                        {"fenced", t.fenced},
                        {"rebalances", t.rebalances},
                        {"checkpoint_mode", f.checkpoint_mode},
                        {"s3", stats_json(all)},
                        {"s3_checkpoint", stats_json(protocol)}};
    if (spark_log) m["s3_spark_metadata"] = stats_json(spark);
    std::ofstream out(f.metrics_json);
    out << m.dump(2) << "\n";
    if (!out) return io_error(fmt::format("--metrics-json {}: cannot write", f.metrics_json));
  }
  return result;
}

}  // namespace

void add_stream_command(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<StreamFlags>();
  auto* cmd = app.add_subcommand(
      "stream",
      "Stream Kafka topics (Avro values) into Parquet files on S3 or a local directory, exactly "
      "once, in micro-batches; one JSON progress line per batch on stdout");
  cmd->add_option("--bootstrap", f->bootstrap,
                  "Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVER or KAFKA_BOOTSTRAM_SERVER)");
  cmd->add_option("--topic", f->topics, "Topic to read; repeatable")->envname("KAFKA_TOPIC");
  cmd->add_option("--topic-pattern", f->topic_pattern,
                  "Also read every topic whose name matches this POSIX extended regex (Spark's "
                  "subscribePattern); re-checked before each batch so new topics join");
  cmd->add_option("--schema", f->schema, "Avro schema of the values: .avsc file or inline JSON")
      ->required();
  cmd->add_option("--wire-format", f->wire_format,
                  "raw (Avro body only, the seed's format) or confluent (magic byte + schema id)")
      ->capture_default_str();
  cmd->add_option("--schema-registry", f->schema_registry,
                  "Schema registry URL: with --wire-format confluent, decode each record with "
                  "the writer schema of its id, resolved to --schema (unknown id: bad record)")
      ->envname("KAFKA_SCHEMA_REGISTRY");
  cmd->add_option("--output", f->output, "Output URI: s3://bucket/prefix, s3a://..., or a path")
      ->envname("OUTPUT_PATH");
  cmd->add_option("--checkpoint", f->checkpoint, "Checkpoint URI (default <output>/_checkpoint)")
      ->envname("CHECKPOINT_PATH");
  cmd->add_option("--http-port", f->http_port,
                  "Serve Prometheus /metrics, /healthz and /readyz on this port (0: any free "
                  "port, logged; -1: off)")
      ->capture_default_str();
  cmd->add_option("--checkpoint-mode", f->checkpoint_mode,
                  "conditional (one conditional PUT per batch), direct (MinIO's S3 manager), "
                  "rename (Spark's default over S3A) or chain (no log: each data file's "
                  "create-only PUT is the commit)")
      ->capture_default_str();
  cmd->add_option("--trigger", f->trigger,
                  "Processing-time interval (1s, 500ms, 2m), once, or available-now")
      ->capture_default_str();
  cmd->add_option("--starting-offsets", f->starting_offsets,
                  "For partitions the checkpoint does not know: earliest, latest or JSON "
                  "{\"topic\":{\"0\":23}} (-2 earliest, -1 latest)")
      ->capture_default_str();
  cmd->add_option("--fail-on-data-loss", f->fail_on_data_loss,
                  "true: stop when offsets were removed by retention before being read; false: "
                  "warn, count and continue")
      ->capture_default_str();
  cmd->add_option("--max-offsets-per-trigger", f->max_offsets_per_trigger,
                  "Cap on offsets per batch, split across partitions by backlog (0: no cap)")
      ->capture_default_str();
  cmd->add_option("--min-partitions", f->min_partitions,
                  "Split offset ranges so a batch has at least this many parallel tasks")
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "Decode/write threads (0: all cores)")
      ->capture_default_str();
  cmd->add_option("--max-batches", f->max_batches, "Stop after this many batches (0: no limit)")
      ->capture_default_str();
  cmd->add_option("--compression", f->compression,
                  "Parquet codec: snappy, zstd, gzip, lz4_raw, none")
      ->capture_default_str();
  cmd->add_option("--row-group-mib", f->row_group_mib, "Parquet row group size in MiB")
      ->capture_default_str();
  cmd->add_option("--max-file-rows", f->max_file_rows,
                  "Roll to a new file after this many rows (0: one file per partition per batch)")
      ->capture_default_str();
  cmd->add_option("--max-file-mib", f->max_file_mib, "Roll to a new file after this many MiB")
      ->capture_default_str();
  cmd->add_flag("--include-kafka-metadata", f->include_kafka_metadata,
                "Add columns kafka_topic, kafka_partition, kafka_offset, kafka_timestamp, "
                "kafka_key");
  cmd->add_option("--mode", f->mode,
                  "Bad records: PERMISSIVE (count, write to <output>/_dead_letter/) or FAILFAST")
      ->capture_default_str();
  cmd->add_option("--metrics-json", f->metrics_json,
                  "Write batches, rows and per-API S3 calls (all, and checkpoint only) here at "
                  "exit");
  cmd->add_option("-X,--kafka", f->kafka,
                  "Any librdkafka property, NAME=VALUE or kafka.NAME=VALUE; repeatable");
  cmd->add_option("--s3-endpoint", f->s3_endpoint,
                  "S3 endpoint URL (env AWS_ENDPOINT_URL; keys from AWS_ACCESS_KEY_ID / "
                  "AWS_SECRET_ACCESS_KEY)")
      ->envname("AWS_ENDPOINT_URL");
  cmd->add_option("--partition-by", f->partition_by,
                  "Hive-style output directories COL=value/ by these top-level columns "
                  "(comma-separated or repeated; integer, boolean, string, enum, date or "
                  "timestamp). Like Spark's partitionBy the columns then live in the path only; "
                  "values are escaped as Hive does (%2F...), null or empty -> "
                  "__HIVE_DEFAULT_PARTITION__");
  cmd->add_option("--partition-by-time", f->partition_by_time,
                  "COLUMN[:hour|:day]: directories dt=YYYY-MM-DD/hr=HH/ (UTC; :day writes dt= "
                  "only) from a timestamp, date or \"YYYY-MM-DD HH:MM:SS\" string column, or "
                  "kafka_timestamp; placed before the --partition-by directories");
  cmd->add_option("--max-batch-bytes", f->max_batch_bytes,
                  "Bound on a batch's buffered, not-yet-uploaded bytes (row buffers, Parquet "
                  "row groups, S3 part buffers counted at their bound) over its running tasks, "
                  "each getting an equal share; a task over its share closes its largest open "
                  "file early (deterministic: replays build the same files). Not counted: "
                  "librdkafka's fetch queue and fixed per-file state (see src/stream/README.md). "
                  "Accepts 268435456, 256MiB, 64KiB, 1GiB")
      ->capture_default_str();
  add_s3_connection_options(*cmd, &f->s3);
  cmd->add_option("--retain", f->retain, "Checkpoint log entries kept at least")
      ->capture_default_str();
  cmd->add_option("--compact-every", f->compact_every,
                  "Every N-th log entry lists all committed files")
      ->capture_default_str();
  cmd->add_option("--group", f->group,
                  "Share the topics' partitions with every worker started with the same group, "
                  "output and checkpoint (Kafka consumer group, cooperative-sticky); \"auto\": "
                  "lakestream-<hash of the checkpoint URI>. Unset: one worker reads every "
                  "partition")
      ->envname("LAKESTREAM_GROUP");
  cmd->add_flag("--spark-metadata", f->spark_metadata,
                "Also write Spark's file-sink log <output>/_spark_metadata/ (after each commit), "
                "so Spark reads exactly the committed files");
  cmd->callback([f, exit_code] { *exit_code = finish("stream", run(*f)); });
}

}  // namespace lakestream::jobs
