// `lakestream convert`: CSV -> Parquet through the schema-driven CSV parser, no Kafka. A backfill
// tool, and the honest way to benchmark the Parquet writer against DuckDB.
//
// With --threads 1 everything runs on the calling thread. With --threads >= 2, one thread reads
// and parses CSV while the calling thread encodes Parquet (a two-stage pipeline with a bounded
// hand-off of two batches); more threads than 2 are not used yet.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

#include "avro/columnar_mapping.h"
#include "avro/schema.h"
#include "common/log.h"
#include "csv/csv_reader.h"
#include "jobs/commands.h"
#include "jobs/exit.h"
#include "parquet/file_sink.h"
#include "parquet/writer.h"

namespace lakestream::jobs {
namespace {

struct ConvertOptions {
  std::string input;
  std::string schema;
  std::string output;
  std::string compression = "snappy";
  int compression_level = 3;
  unsigned threads = 1;
  std::string bad_rows = "PERMISSIVE";
  uint64_t row_group_mb = 128;
  uint64_t page_kb = 1024;
};

constexpr size_t kReadChunk = 4 << 20;
constexpr size_t kBatchRows = 64 * 1024;

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Reads the CSV file and calls `emit` with every full batch (and the last partial one); `emit`
// returns the (empty) batch to fill next, so a single-threaded run reuses one batch's memory.
template <typename Emit>
Status parse_csv(const std::string& path, std::shared_ptr<const columnar::Schema> schema,
                 const csv::CsvOptions& copts, Emit&& emit, csv::CsvStats* stats) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return not_found("no such file: " + path);
    return errno_error("open " + path, errno);
  }
  FdCloser closer{fd};
  uint64_t rejects_logged = 0;
  auto on_reject = [&](const csv::RejectedRow& r) {
    if (rejects_logged++ < 5)
      log::warn("convert", "{}:{}: skipped row: {}{}{}", path, r.line, r.column,
                r.column.empty() ? "" : ": ", r.reason);
  };
  LS_ASSIGN_OR_RETURN(auto reader, csv::CsvReader::make(schema, copts, on_reject));
  auto batch = std::make_unique<columnar::RecordBatch>(schema);
  Buffer chunk(kReadChunk);
  while (true) {
    ssize_t n = ::read(fd, chunk.data(), kReadChunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error("read " + path, errno);
    }
    if (n == 0) break;
    LS_RETURN_IF_ERROR_CTX(
        reader.feed({reinterpret_cast<const char*>(chunk.data()), static_cast<size_t>(n)},
                    batch.get()),
        path);
    if (batch->num_rows() >= kBatchRows) {
      LS_ASSIGN_OR_RETURN(batch, emit(std::move(batch)));
    }
  }
  LS_RETURN_IF_ERROR_CTX(reader.finish(batch.get()), path);
  if (batch->num_rows() > 0) LS_RETURN_IF_ERROR(emit(std::move(batch)).status());
  *stats = reader.stats();
  return Status();
}

// A bounded hand-off between the parsing thread and the encoding thread.
class BatchQueue {
 public:
  explicit BatchQueue(size_t cap) : cap_(cap) {}
  // False when the consumer has stopped.
  bool push(std::unique_ptr<columnar::RecordBatch> b) {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return q_.size() < cap_ || stopped_; });
    if (stopped_) return false;
    q_.push_back(std::move(b));
    cv_.notify_all();
    return true;
  }
  // nullptr at the end.
  std::unique_ptr<columnar::RecordBatch> pop() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !q_.empty() || done_; });
    if (q_.empty()) return nullptr;
    auto b = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return b;
  }
  void close() {
    std::lock_guard lk(mu_);
    done_ = true;
    cv_.notify_all();
  }
  void stop() {
    std::lock_guard lk(mu_);
    stopped_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<columnar::RecordBatch>> q_;
  size_t cap_;
  bool done_ = false, stopped_ = false;
};

Status run_convert(const ConvertOptions& o) {
  if (o.threads < 1) return invalid_argument("--threads must be >= 1");
  parquet::WriterOptions wo;
  LS_ASSIGN_OR_RETURN(wo.compression, parquet::parse_compression(o.compression));
  wo.compression_level = o.compression_level;
  wo.row_group_size = o.row_group_mb << 20;
  wo.data_page_size = o.page_kb << 10;
  wo.key_value_metadata["lakestream.source"] = o.input;
  csv::CsvOptions copts;
  if (!csv::parse_bad_row_mode(o.bad_rows, &copts.mode))
    return invalid_argument("--bad-rows must be PERMISSIVE, DROPMALFORMED or FAILFAST, got '" +
                            o.bad_rows + "'");

  LS_ASSIGN_OR_RETURN(auto avro_schema, avro::parse_schema_file(o.schema));
  LS_ASSIGN_OR_RETURN(auto columnar_schema, avro::to_columnar_schema(avro_schema));
  auto schema = std::make_shared<const columnar::Schema>(std::move(columnar_schema));

  auto t0 = std::chrono::steady_clock::now();
  LS_ASSIGN_OR_RETURN(auto sink, parquet::LocalFileSink::create(o.output));
  LS_ASSIGN_OR_RETURN(auto writer, parquet::FileWriter::open(schema, sink.get(), wo));
  csv::CsvStats stats;
  Status st;
  if (o.threads == 1) {
    st = parse_csv(
        o.input, schema, copts,
        [&](std::unique_ptr<columnar::RecordBatch> b)
            -> Result<std::unique_ptr<columnar::RecordBatch>> {
          LS_RETURN_IF_ERROR(writer->write(*b));
          b->clear();
          return b;
        },
        &stats);
  } else {
    BatchQueue queue(2);
    Status parse_status;
    std::jthread parser([&] {
      parse_status = parse_csv(
          o.input, schema, copts,
          [&](std::unique_ptr<columnar::RecordBatch> b)
              -> Result<std::unique_ptr<columnar::RecordBatch>> {
            if (!queue.push(std::move(b))) return cancelled("writer stopped");
            return std::make_unique<columnar::RecordBatch>(schema);
          },
          &stats);
      queue.close();
    });
    while (auto b = queue.pop()) {
      st = writer->write(*b);
      if (!st.ok()) {
        queue.stop();
        break;
      }
    }
    parser.join();
    if (st.ok()) st = parse_status;
  }
  if (!st.ok()) {
    (void)writer->abort();
    return st;
  }
  LS_ASSIGN_OR_RETURN(auto summary, writer->close());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  log::info("convert",
            "wrote {} rows in {} row groups ({} bytes, {}) to {} in {:.2f}s ({:.0f} rows/s); {}",
            summary.num_rows, summary.num_row_groups, summary.file_size,
            parquet::compression_name(wo.compression), o.output, secs,
            secs > 0 ? summary.num_rows / secs : 0.0, stats.reject_summary());
  return Status();
}

}  // namespace

void add_convert_command(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<ConvertOptions>();
  auto* cmd = app.add_subcommand(
      "convert", "Convert a CSV file to Parquet through an Avro schema (no Kafka): backfills");
  cmd->add_option("--input", o->input, "CSV file with a header row")->required();
  cmd->add_option("--schema", o->schema, "Avro schema (.avsc) the CSV columns follow")->required();
  cmd->add_option("--output", o->output, "Parquet file to write (replaced atomically)")->required();
  cmd->add_option("--compression", o->compression, "uncompressed, snappy, gzip, zstd or lz4_raw")
      ->envname("LAKESTREAM_COMPRESSION")
      ->capture_default_str();
  cmd->add_option("--compression-level", o->compression_level, "zstd 1..22 / gzip 1..9 level")
      ->envname("LAKESTREAM_COMPRESSION_LEVEL")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads,
                  "1: parse and encode on one thread; >= 2: parse and encode in a 2-stage pipeline")
      ->capture_default_str();
  cmd->add_option("--bad-rows", o->bad_rows, "PERMISSIVE (skip + log), DROPMALFORMED or FAILFAST")
      ->capture_default_str();
  cmd->add_option("--row-group-mb", o->row_group_mb, "Target row group size in MiB")
      ->capture_default_str();
  cmd->add_option("--page-kb", o->page_kb, "Target data page size in KiB")->capture_default_str();
  cmd->callback([o, exit_code] { *exit_code = finish("convert", run_convert(*o)); });
}

}  // namespace lakestream::jobs
