#include "jobs/produce_job.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <span>
#include <thread>

#include "avro/encoder.h"
#include "avro/flat_record_encoder.h"
#include "avro/schema.h"
#include "avro/schema_registry.h"
#include "columnar/record_batch.h"
#include "common/buffer.h"
#include "common/log.h"
#include "csv/record_splitter.h"
#include "csv/row_parser.h"
#include "jobs/avro_row_sink.h"
#include "jobs/produce_input.h"
#include "kafka/producer.h"

namespace lakestream::jobs {
namespace {

using Clock = std::chrono::steady_clock;

// A run of whole CSV records of one file.
struct Block {
  uint64_t seq = 0;
  size_t file = 0;
  std::shared_ptr<const csv::RowParser> parser;  // has the file's header mapped
  Buffer text;
  uint64_t first_line = 1;
  bool at_eof = false;
};

// A block turned into Kafka message values (and keys), ready to send.
struct Encoded {
  Status status;
  Buffer values;
  std::vector<uint32_t> ends;  // value i is [ends[i-1], ends[i])
  Buffer keys;
  std::vector<uint32_t> key_ends;  // empty when there are no keys
  csv::CsvStats stats;
  std::vector<std::string> rejects;  // JSON lines
  uint64_t input_bytes = 0;
};

std::string human_bytes(double b) {
  if (b >= 1e9) return fmt::format("{:.2f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.1f} MB", b / 1e6);
  if (b >= 1e3) return fmt::format("{:.1f} kB", b / 1e3);
  return fmt::format("{:.0f} B", b);
}

// Text of the default of each top-level field that has a non-null JSON default, for CSV files
// that lack the column.
void add_schema_defaults(const avro::Schema& schema, csv::CsvOptions* o) {
  for (const auto& f : schema.root().fields) {
    if (!f.default_value || f.default_value->is_null()) continue;
    const nlohmann::json& d = *f.default_value;
    if (d.is_string()) {
      o->defaults.emplace(f.name, d.get<std::string>());
    } else if (d.is_boolean()) {
      o->defaults.emplace(f.name, d.get<bool>() ? "true" : "false");
    } else if (d.is_number()) {
      o->defaults.emplace(f.name, d.dump());
    }
  }
}

// Appends the text of row values of column `c` as message keys (append_key_text; null: no key).
void extract_keys(const columnar::ColumnBuffer& col, size_t rows, Buffer* keys,
                  std::vector<uint32_t>* ends) {
  const bool nullable = col.descriptor().max_def > 0;
  auto defs = col.def_levels();
  size_t vi = 0;
  for (size_t r = 0; r < rows; ++r) {
    if (nullable && defs[r] == 0) {
      ends->push_back(static_cast<uint32_t>(keys->size()));
      continue;
    }
    switch (col.physical()) {
      case columnar::PhysicalType::kByteArray:
        keys->append(col.bytes_at(vi));
        break;
      case columnar::PhysicalType::kInt64:
        append_key_text(*keys, col.values<int64_t>()[vi]);
        break;
      case columnar::PhysicalType::kInt32:
        append_key_text(*keys, col.values<int32_t>()[vi]);
        break;
      case columnar::PhysicalType::kDouble:
        append_key_text(*keys, col.values<double>()[vi]);
        break;
      case columnar::PhysicalType::kFloat:
        append_key_text(*keys, col.values<float>()[vi]);
        break;
      case columnar::PhysicalType::kBoolean:
        append_key_text(*keys, col.values<uint8_t>()[vi] != 0);
        break;
      default:
        break;
    }
    ++vi;
    ends->push_back(static_cast<uint32_t>(keys->size()));
  }
}

// Keyless messages without a chosen partitioner: runs of about one batch (batch.size bytes or
// batch.num.messages) go to one partition, then the next, round robin. This is librdkafka's sticky
// partitioning decided per run instead of per message, so each run takes the client's cheap
// single-partition path; it also spreads records evenly, where the sticky partitioner's random
// choice can pile batches on one partition.
struct BatchPartitioning {
  int32_t partitions = 0;  // 0: every message goes through librdkafka's partitioner
  size_t run_bytes = 0;
  size_t run_messages = 0;
};

// Recycled multi-MiB buffers (CSV blocks and their Avro values): fresh allocations of that size
// cost page faults on every block. Shared with the producer's release callback, which returns
// the values of sent blocks, so it outlives both the Pipeline and the Producer.
class BufferPool {
 public:
  explicit BufferPool(size_t keep) : keep_(keep) {}
  Buffer take() {
    std::lock_guard lock(mu_);
    if (free_.empty()) return Buffer();
    Buffer b = std::move(free_.back());
    free_.pop_back();
    b.clear();
    return b;
  }
  void give(Buffer b) {
    std::lock_guard lock(mu_);
    if (free_.size() < keep_) free_.push_back(std::move(b));
  }

 private:
  std::mutex mu_;
  std::vector<Buffer> free_;
  size_t keep_;
};

// The Avro values of one sent block, lent to librdkafka (kafka::ProducerOptions::borrow_values):
// one reference per message it took plus the sender's own while sending; the last one returns
// the buffer to the pool. Only the thread that drives the Producer touches it (send and
// delivery reports), so the count needs no atomics.
struct LentValues {
  Buffer values;
  uint64_t refs = 0;
  std::shared_ptr<BufferPool> pool;

  static void release(LentValues* lent, uint64_t n) {
    lent->refs -= n;
    if (lent->refs != 0) return;
    lent->pool->give(std::move(lent->values));
    delete lent;
  }
};

class Pipeline {
 public:
  // `flat`: the fast path's encoder when the schema is flat (AvroRowSink), else null.
  Pipeline(const ProduceOptions& o, std::vector<InputFile> files, const avro::Encoder& encoder,
           const avro::FlatRecordEncoder* flat, csv::RowParser base, uint32_t schema_id,
           int key_column, BatchPartitioning spread, std::shared_ptr<BufferPool> pool)
      : o_(o),
        pool_(std::move(pool)),
        files_(std::move(files)),
        encoder_(encoder),
        flat_(flat),
        base_(std::move(base)),
        schema_id_(schema_id),
        key_column_(key_column),
        spread_(spread) {
    // Start where another producer started at the same moment probably did not.
    if (spread_.partitions > 0) {
      spread_partition_ =
          static_cast<int32_t>(static_cast<uint64_t>(Clock::now().time_since_epoch().count()) %
                               static_cast<uint64_t>(spread_.partitions));
    }
    workers_n_ = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    limit_ = o.max_blocks_in_flight ? o.max_blocks_in_flight : 2 * workers_n_ + 2;
    for (const auto& f : files_) total_raw_bytes_ += f.size;
  }

  Status run(kafka::Producer* producer, kafka::Producer* reject_producer, std::FILE* reject_file,
             ProduceSummary* summary);

 private:
  void reader_main();
  Status read_file(size_t index);
  void emit(Block b);
  void worker_main();
  void encode(Block& b, csv::RowParser& parser, columnar::RecordBatch& batch, Encoded* out);
  // The general path: a parsed batch through avro::Encoder.
  void encode_batch(const columnar::RecordBatch& batch, const std::string& path, Encoded* out);
  void fail(Status st);
  void progress(const ProduceSummary& s, bool final_line);
  Status send(kafka::Producer* producer, std::span<kafka::OutMessage> msgs);

  const ProduceOptions& o_;
  std::shared_ptr<BufferPool> pool_;
  std::vector<InputFile> files_;
  const avro::Encoder& encoder_;
  const avro::FlatRecordEncoder* flat_;
  csv::RowParser base_;
  uint32_t schema_id_;
  int key_column_;
  BatchPartitioning spread_;
  int32_t spread_partition_ = 0;  // partition the current run of messages goes to
  size_t spread_bytes_ = 0;       // value bytes of that run so far
  size_t spread_msgs_ = 0;
  unsigned workers_n_ = 1;
  unsigned limit_ = 4;
  uint64_t total_raw_bytes_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;        // any state change below
  std::deque<Block> work_;            // blocks waiting for a worker
  std::map<uint64_t, Encoded> done_;  // encoded blocks waiting for the sender
  uint64_t next_seq_ = 0;             // reader: next block number
  bool reader_done_ = false;
  unsigned in_flight_ = 0;  // blocks read and not yet sent
  bool stop_ = false;
  Status error_;
  std::atomic<uint64_t> raw_read_{0};  // input file bytes read (for ETA)
  std::vector<std::shared_ptr<const csv::RowParser>> file_parsers_;
  Buffer take_buffer() { return pool_->take(); }
  void give_buffer(Buffer b) { pool_->give(std::move(b)); }

  Clock::time_point start_ = Clock::now();
  Clock::time_point last_progress_ = Clock::now();
  bool tty_ = ::isatty(2) == 1;
};

void Pipeline::fail(Status st) {
  std::lock_guard lock(mu_);
  if (error_.ok()) error_ = std::move(st);
  stop_ = true;
  cv_.notify_all();
}

void Pipeline::emit(Block b) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_ || in_flight_ < limit_; });
  if (stop_) return;
  b.seq = next_seq_++;
  ++in_flight_;
  work_.push_back(std::move(b));
  cv_.notify_all();
}

Status Pipeline::read_file(size_t index) {
  const std::string& path = files_[index].path;
  LS_ASSIGN_OR_RETURN(auto source, open_input(files_[index]));
  uint64_t raw_seen = 0;
  const size_t block = o_.block_bytes;
  Buffer buf = take_buffer();
  bool eof = false;
  auto read_more = [&](size_t want) -> Status {
    uint8_t* p = buf.prepare(want);
    LS_ASSIGN_OR_RETURN(size_t n, source->read(p, want));
    buf.commit(n);
    if (n == 0) eof = true;
    uint64_t r = source->raw_bytes_read();
    raw_read_.fetch_add(r - raw_seen, std::memory_order_relaxed);
    raw_seen = r;
    return Status();
  };

  // The header (and BOM, blank lines before it), by a parser the workers then copy.
  auto parser = std::make_shared<csv::RowParser>(base_);
  size_t consumed = 0;
  uint64_t header_lines = 0;
  for (;;) {
    LS_RETURN_IF_ERROR(read_more(64 * 1024));
    LS_RETURN_IF_ERROR_CTX(parser->parse_header(buf.view(), eof, &consumed, &header_lines), path);
    if (consumed > 0 || eof) break;
    if (buf.size() > o_.csv.max_record_bytes) {
      return invalid_data(
          fmt::format("{}: header longer than {} bytes", path, o_.csv.max_record_bytes));
    }
  }
  if (!parser->has_header()) return Status();  // an empty file
  std::shared_ptr<const csv::RowParser> tmpl = parser;
  {
    std::lock_guard lock(mu_);
    file_parsers_[index] = tmpl;
  }
  const uint64_t data_first_line = 1 + header_lines;
  {
    Buffer rest = take_buffer();
    rest.append(buf.data() + consumed, buf.size() - consumed);
    std::swap(buf, rest);
    give_buffer(std::move(rest));
  }

  // Blocks are cut after the last record end (by quote parity) in what has been read. The
  // splitter counts every newline it scans, which gives each block's first line number without
  // another pass: newlines emitted = newlines scanned - newlines in the carried tail.
  csv::RecordSplitter splitter(o_.csv.quote);
  size_t scanned = 0;  // bytes of buf the splitter has seen, none of them ending a record
  uint64_t emitted_newlines = 0;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stop_) return Status();
    }
    if (!eof && buf.size() - scanned < block) LS_RETURN_IF_ERROR(read_more(block));
    size_t cut = buf.size();
    if (!eof) {
      size_t b = splitter.scan(buf.view().substr(scanned));
      if (b == 0) {
        scanned = buf.size();
        if (scanned > o_.csv.max_record_bytes) {
          return invalid_data(
              fmt::format("{}: line {}: record longer than {} bytes (unterminated quote?)", path,
                          data_first_line + emitted_newlines, o_.csv.max_record_bytes));
        }
        continue;
      }
      cut = scanned + b;
    }
    if (cut == 0) break;  // end of file, nothing left
    Block out;
    out.file = index;
    out.parser = tmpl;
    out.first_line = data_first_line + emitted_newlines;
    out.at_eof = eof;
    Buffer next = take_buffer();
    next.append(buf.data() + cut, buf.size() - cut);
    scanned = next.size();
    if (!eof) {
      emitted_newlines = splitter.newlines() - static_cast<uint64_t>(std::count(
                                                   next.view().begin(), next.view().end(), '\n'));
    }
    buf.resize(cut);
    out.text = std::move(buf);
    buf = std::move(next);
    emit(std::move(out));
    if (eof) break;
  }
  give_buffer(std::move(buf));
  return Status();
}

void Pipeline::reader_main() {
  for (size_t i = 0; i < files_.size(); ++i) {
    {
      std::lock_guard lock(mu_);
      if (stop_) break;
    }
    Status st = read_file(i);
    if (!st.ok()) {
      fail(std::move(st));
      break;
    }
  }
  std::lock_guard lock(mu_);
  reader_done_ = true;
  cv_.notify_all();
}

void Pipeline::encode(Block& b, csv::RowParser& parser, columnar::RecordBatch& batch,
                      Encoded* out) {
  const std::string& path = files_[b.file].path;
  out->input_bytes = b.text.size();
  batch.clear();
  size_t consumed = 0;
  uint64_t lines = 0;
  parser.set_reject_sink([&](const csv::RejectedRow& r) {
    nlohmann::json j = {{"file", path},
                        {"line", r.line},
                        {"column", std::string(r.column)},
                        {"reason", std::string(r.reason)},
                        {"record", std::string(r.raw)}};
    out->rejects.push_back(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  });
  if (flat_ != nullptr) {
    // Fast path (flat schemas): rows go straight from the parser to Avro bytes.
    AvroRowSink::Output sink_out{&out->values, &out->ends, &out->keys, &out->key_ends};
    std::optional<uint32_t> confluent;
    if (o_.wire_format == avro::WireFormat::kConfluent) confluent = schema_id_;
    Result<AvroRowSink> sink = AvroRowSink::make(*flat_, parser, confluent, key_column_, sink_out);
    if (!sink.ok()) {
      out->status = sink.status();
      return;
    }
    Status st = parser.parse(b.text.view(), b.first_line, b.at_eof, &*sink, &consumed, &lines);
    out->stats = parser.take_stats();
    if (!st.ok()) {
      out->status = std::move(st.with_context(path));
      return;
    }
  } else {
    Status st = parser.parse(b.text.view(), b.first_line, b.at_eof, &batch, &consumed, &lines);
    out->stats = parser.take_stats();
    if (!st.ok()) {
      out->status = std::move(st.with_context(path));
      return;
    }
    encode_batch(batch, path, out);
    if (!out->status.ok()) return;
  }
  if (consumed != b.text.size()) {
    out->status = internal_error(fmt::format("{}: line {}: block parsed only to byte {} of {}",
                                             path, b.first_line, consumed, b.text.size()));
  }
}

void Pipeline::encode_batch(const columnar::RecordBatch& batch, const std::string& path,
                            Encoded* out) {
  std::optional<uint32_t> confluent;
  if (o_.wire_format == avro::WireFormat::kConfluent) confluent = schema_id_;
  out->status = encoder_.encode_batch(batch, out->values, out->ends, confluent);
  if (!out->status.ok()) {
    out->status.with_context(path);
    return;
  }
  if (key_column_ >= 0) {
    extract_keys(batch.column(static_cast<size_t>(key_column_)), batch.num_rows(), &out->keys,
                 &out->key_ends);
  }
}

void Pipeline::worker_main() {
  columnar::RecordBatch batch(encoder_.columnar_schema());
  std::optional<csv::RowParser> parser;
  const csv::RowParser* parser_of = nullptr;
  for (;;) {
    Block b;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !work_.empty() || reader_done_; });
      if (stop_ || work_.empty()) return;
      b = std::move(work_.front());
      work_.pop_front();
    }
    if (parser_of != b.parser.get()) {
      parser.emplace(*b.parser);
      parser_of = b.parser.get();
    }
    Encoded e;
    e.values = take_buffer();
    encode(b, *parser, batch, &e);
    give_buffer(std::move(b.text));
    std::lock_guard lock(mu_);
    done_.emplace(b.seq, std::move(e));
    cv_.notify_all();
  }
}

void Pipeline::progress(const ProduceSummary& s, bool final_line) {
  const auto now = Clock::now();
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? static_cast<double>(s.rows_read) / secs : 0;
  std::string eta;
  const uint64_t raw = raw_read_.load(std::memory_order_relaxed);
  if (total_raw_bytes_ > 0 && raw > 0 && raw <= total_raw_bytes_) {
    double left = secs * static_cast<double>(total_raw_bytes_ - raw) / static_cast<double>(raw);
    eta = fmt::format(", {:.0f}% , ETA {:.0f}s", 100.0 * raw / total_raw_bytes_, left);
  }
  std::string line =
      fmt::format("{} rows, {} read, {:.0f} rows/s, {} rejected{}", s.rows_read,
                  human_bytes(static_cast<double>(s.input_bytes)), rate, s.rows_rejected, eta);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
  } else if (!final_line) {
    log::info("produce", "{}", line);
  }
}

Status Pipeline::send(kafka::Producer* producer, std::span<kafka::OutMessage> msgs) {
  if (spread_.partitions <= 0) return producer->send_batch(msgs, o_.stop);
  size_t i = 0;
  while (i < msgs.size()) {
    size_t j = i;
    while (j < msgs.size() && spread_bytes_ < spread_.run_bytes &&
           spread_msgs_ < spread_.run_messages) {
      spread_bytes_ += msgs[j].value.size();
      ++spread_msgs_;
      msgs[j].partition = spread_partition_;
      ++j;
    }
    LS_RETURN_IF_ERROR(producer->send_batch(msgs.subspan(i, j - i), o_.stop));
    if (spread_bytes_ >= spread_.run_bytes || spread_msgs_ >= spread_.run_messages) {
      spread_partition_ = (spread_partition_ + 1) % spread_.partitions;
      spread_bytes_ = 0;
      spread_msgs_ = 0;
    }
    i = j;
  }
  return Status();
}

Status Pipeline::run(kafka::Producer* producer, kafka::Producer* reject_producer,
                     std::FILE* reject_file, ProduceSummary* summary) {
  summary->files = files_.size();
  file_parsers_.resize(files_.size());
  std::jthread reader([this] { reader_main(); });
  std::vector<std::jthread> workers;
  for (unsigned i = 0; i < workers_n_; ++i) workers.emplace_back([this] { worker_main(); });

  const auto interval = tty_ ? std::chrono::milliseconds(500)
                             : std::max(o_.progress_interval, std::chrono::milliseconds(100));
  std::vector<kafka::OutMessage> msgs;
  uint64_t seq = 0;
  Status result;
  auto stop_requested = [this] {
    return o_.stop != nullptr && o_.stop->load(std::memory_order_relaxed);
  };
  auto report = [&] {
    if (!o_.on_progress) return;
    kafka::ProducerStats ps = producer->stats();
    summary->rows_sent = ps.enqueued;
    summary->delivered = ps.delivered;
    summary->failed = ps.failed;
    summary->in_flight = ps.enqueued - ps.delivered - ps.failed;
    summary->seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    o_.on_progress(*summary);
  };
  for (;;) {
    if (stop_requested()) {
      summary->interrupted = true;
      fail(cancelled("stopped on request: no more input read or sent"));
      break;
    }
    Encoded e;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(100),
                   [&] { return stop_ || done_.count(seq) || (reader_done_ && seq == next_seq_); });
      if (stop_) break;
      auto it = done_.find(seq);
      if (it == done_.end()) {
        if (reader_done_ && seq == next_seq_) break;
        lock.unlock();
        producer->poll();  // keep delivery reports flowing while waiting
        report();
        continue;
      }
      e = std::move(it->second);
      done_.erase(it);
    }
    ++seq;
    summary->csv.add(e.stats);
    summary->rows_read = summary->csv.rows_read;
    summary->rows_rejected = summary->csv.rows_rejected;
    summary->input_bytes += e.input_bytes;
    for (const std::string& r : e.rejects) {
      if (reject_file) {
        std::fputs(r.c_str(), reject_file);
        std::fputc('\n', reject_file);
      }
    }
    if (reject_producer && !e.rejects.empty()) {
      std::vector<kafka::OutMessage> rm;
      for (const std::string& r : e.rejects) {
        kafka::OutMessage m;
        m.value = {reinterpret_cast<const uint8_t*>(r.data()), r.size()};
        rm.push_back(m);
      }
      Status st = reject_producer->send_batch(rm);
      if (!st.ok()) {
        fail(std::move(st.with_context("reject topic")));
        break;
      }
    }
    if (!e.status.ok()) {
      fail(std::move(e.status));
      break;
    }
    msgs.clear();
    uint32_t prev = 0, kprev = 0;
    for (size_t i = 0; i < e.ends.size(); ++i) {
      kafka::OutMessage m;
      m.value = {e.values.data() + prev, e.ends[i] - prev};
      prev = e.ends[i];
      if (!e.key_ends.empty()) {
        m.key = {e.keys.data() + kprev, e.key_ends[i] - kprev};
        kprev = e.key_ends[i];
      }
      msgs.push_back(m);
    }
    // librdkafka references the values (borrow_values): they live in `lent` until the last of
    // their messages is reported. The spans in `msgs` stay valid: moving a Buffer keeps its bytes.
    summary->avro_bytes += e.values.size();
    auto* lent = new LentValues{std::move(e.values), msgs.size() + 1, pool_};
    for (kafka::OutMessage& m : msgs) m.opaque = lent;
    const uint64_t enqueued_before = producer->enqueued();
    Status st = send(producer, msgs);
    const uint64_t taken = producer->enqueued() - enqueued_before;
    LentValues::release(lent, msgs.size() - taken + 1);  // the ones it did not take, and ours
    if (!st.ok()) {
      if (st.code() == StatusCode::kCancelled) summary->interrupted = true;
      fail(std::move(st));
      break;
    }
    {
      std::lock_guard lock(mu_);
      --in_flight_;
      cv_.notify_all();
    }
    report();
    if (Clock::now() - last_progress_ >= interval) {
      last_progress_ = Clock::now();
      progress(*summary, false);
    }
  }
  {
    std::lock_guard lock(mu_);
    result = error_;
    stop_ = true;  // on success everything is done; on failure this stops the others
    cv_.notify_all();
  }
  reader.join();
  workers.clear();
  if (tty_) progress(*summary, true);

  // Every sent record gets its delivery report, also after a failure (what was sent counts). On a
  // stop request the wait is bounded and what is left is given up (never counted as produced).
  // A signal during the final wait also bounds it: the wait runs in slices that look at `stop`.
  Status flushed;
  if (!summary->interrupted) {
    const auto deadline = Clock::now() + o_.flush_timeout;
    for (;;) {
      flushed = producer->flush(std::chrono::milliseconds(100));
      if (flushed.code() != StatusCode::kTimeout) break;
      report();
      if (stop_requested()) {
        summary->interrupted = true;
        if (result.ok())
          result = cancelled("stopped on request while waiting for the last deliveries");
        break;
      }
      if (Clock::now() >= deadline) {
        kafka::ProducerStats ps = producer->stats();
        flushed = timeout_error(fmt::format("{} records still in flight to topic {} after {} ms",
                                            ps.enqueued - ps.delivered - ps.failed, o_.topic,
                                            o_.flush_timeout.count()));
        break;
      }
    }
  }
  if (summary->interrupted) {
    flushed = producer->drain(o_.shutdown_timeout, std::chrono::seconds(5));
  }
  if (reject_producer) {
    Status rf = summary->interrupted
                    ? reject_producer->drain(o_.shutdown_timeout, std::chrono::seconds(5))
                    : reject_producer->flush(o_.flush_timeout);
    if (flushed.ok()) flushed = rf;
  }
  kafka::ProducerStats ps = producer->stats();
  summary->delivered = ps.delivered;
  summary->failed = ps.failed;
  summary->in_doubt = ps.in_doubt;
  summary->rows_sent = ps.enqueued;
  summary->in_flight = ps.enqueued - ps.delivered - ps.failed;
  summary->first_delivery_error = ps.first_error;
  summary->seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  if (o_.on_progress) o_.on_progress(*summary);
  if (!result.ok()) {
    if (summary->interrupted && !flushed.ok())
      result = cancelled(fmt::format("{}; {}", result.message(), flushed.message()));
    return result;
  }
  LS_RETURN_IF_ERROR(flushed);
  if (ps.failed > 0) {
    return data_loss(fmt::format("{} of {} records failed delivery to topic {} (first: {})",
                                 ps.failed, summary->rows_sent, o_.topic, ps.first_error));
  }
  return Status();
}

}  // namespace

std::string ProduceSummary::to_string() const {
  return fmt::format(
      "files {}, rows read {}, produced {}, rejected {}, failed {}, {} CSV in, {} Avro out, "
      "{:.2f} s, {:.0f} rows/s{}{}",
      files, rows_read, delivered, rows_rejected, failed, human_bytes(double(input_bytes)),
      human_bytes(double(avro_bytes)), seconds, seconds > 0 ? rows_read / seconds : 0.0,
      rows_rejected ? " (" + csv.reject_summary() + ")" : "",
      interrupted
          ? fmt::format(
                "; interrupted: {} rows read and not sent{}",
                rows_read - rows_rejected - std::min(rows_read - rows_rejected, rows_sent),
                in_doubt ? fmt::format(", {} failed in doubt (maybe written)", in_doubt) : "")
          : "");
}

Status run_produce(const ProduceOptions& o, ProduceSummary* summary) {
  *summary = ProduceSummary();
  if (o.topic.empty()) return invalid_argument("--topic is required");
  if (o.schema_path.empty()) return invalid_argument("--schema is required");
  LS_ASSIGN_OR_RETURN(std::vector<InputFile> files, resolve_inputs(o.inputs, o.s3));
  LS_ASSIGN_OR_RETURN(avro::Schema schema, avro::parse_schema_file(o.schema_path));
  LS_ASSIGN_OR_RETURN(avro::Encoder encoder, avro::Encoder::create(schema));

  csv::CsvOptions csv_options = o.csv;
  add_schema_defaults(schema, &csv_options);
  LS_ASSIGN_OR_RETURN(csv::RowParser base,
                      csv::RowParser::make(encoder.columnar_schema(), csv_options));

  int key_column = -1;
  if (!o.key_column.empty()) {
    key_column = encoder.columnar_schema()->field_index(o.key_column);
    if (key_column < 0) {
      return invalid_argument(
          fmt::format("--key {}: no such field in {}", o.key_column, o.schema_path));
    }
  }

  uint32_t schema_id = 0;
  if (o.wire_format == avro::WireFormat::kConfluent) {
    if (o.schema_id) {
      schema_id = *o.schema_id;
    } else if (!o.schema_registry.empty()) {
      avro::SchemaRegistryOptions ro;
      ro.url = o.schema_registry;
      avro::SchemaRegistryClient registry(ro);
      std::string subject = o.subject.empty() ? o.topic + "-value" : o.subject;
      LS_ASSIGN_OR_RETURN(schema_id, registry.register_schema(subject, schema.to_json()));
      log::info("produce", "schema registered as id {} under subject {}", schema_id, subject);
    } else {
      return invalid_argument(
          "--wire-format confluent needs --schema-registry (or KAFKA_SCHEMA_REGISTRY) or "
          "--schema-id");
    }
  } else if (o.wire_format != avro::WireFormat::kRaw) {
    return invalid_argument("--wire-format must be raw or confluent");
  }

  kafka::ProducerOptions po;
  po.bootstrap = o.bootstrap;
  po.topic = o.topic;
  po.properties = {{"acks", o.acks},
                   {"enable.idempotence", o.idempotence && o.acks == "all" ? "true" : "false"},
                   {"compression.type", o.compression},
                   {"linger.ms", std::to_string(o.linger_ms)},
                   {"batch.size", std::to_string(o.batch_bytes)}};
  if (o.idempotence && o.acks != "all") {
    log::warn("produce", "--acks {} turns idempotence off (it needs acks=all)", o.acks);
  }
  if (!o.partitioner.empty()) po.properties.emplace_back("partitioner", o.partitioner);
  for (const auto& p : o.kafka_properties) po.properties.push_back(p);

  BatchPartitioning spread;
  bool chosen_partitioner = !o.partitioner.empty() || key_column >= 0;
  size_t batch_messages = 10000;  // librdkafka's batch.num.messages default
  size_t batch_bytes = static_cast<size_t>(o.batch_bytes);
  for (const auto& [name, value] : o.kafka_properties) {
    if (name == "partitioner") chosen_partitioner = true;
    if (name == "batch.num.messages") batch_messages = std::strtoull(value.c_str(), nullptr, 10);
    if (name == "batch.size") batch_bytes = std::strtoull(value.c_str(), nullptr, 10);
  }
  if (chosen_partitioner && o.kafka_clients > 1) {
    return invalid_argument(
        "--kafka-clients above 1 needs keyless records without a --partitioner (the partitioner "
        "of one client decides where a record goes)");
  }
  // Two clients: two threads building and compressing Produce requests instead of one (the
  // single broker thread bounded the rate: bench/RESULTS-producer.md).
  po.clients = o.kafka_clients > 0 ? o.kafka_clients : (chosen_partitioner ? 1 : 2);
  // Values are lent to librdkafka, not copied (LentValues above).
  // It keeps at most as many buffers as were in use at once (blocks in the pipeline plus values
  // in librdkafka's bounded queue), and never more than 48.
  auto pool = std::make_shared<BufferPool>(48);
  po.borrow_values = true;
  po.on_release = [](void* opaque) { LentValues::release(static_cast<LentValues*>(opaque), 1); };
  LS_ASSIGN_OR_RETURN(auto producer, kafka::Producer::create(po));
  log::info("produce", "{} file(s) -> topic {} ({})", files.size(), o.topic, producer->describe());

  std::unique_ptr<kafka::Producer> reject_producer;
  if (!o.reject_topic.empty()) {
    kafka::ProducerOptions rpo = po;
    rpo.topic = o.reject_topic;
    rpo.clients = 1;
    rpo.borrow_values = false;  // rejects are sent from short-lived strings
    rpo.on_release = nullptr;
    LS_ASSIGN_OR_RETURN(reject_producer, kafka::Producer::create(rpo));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> reject_file(nullptr, std::fclose);
  if (!o.reject_file.empty()) {
    reject_file.reset(std::fopen(o.reject_file.c_str(), "w"));
    if (!reject_file) return errno_error(o.reject_file, errno);
  }

  if (!chosen_partitioner) {
    LS_ASSIGN_OR_RETURN(spread.partitions, producer->partition_count(std::chrono::seconds(30)));
    // A little under batch.size so a run fits one batch with its record framing.
    spread.run_bytes = std::max<size_t>(1, batch_bytes * 4 / 5);
    spread.run_messages = std::max<size_t>(1, batch_messages);
    log::info("produce",
              "keyless records: runs of {} bytes / {} messages per partition, round robin over {} "
              "partitions",
              spread.run_bytes, spread.run_messages, spread.partitions);
  }
  // Flat schemas (the taxi one) take the direct CSV -> Avro path; others parse into column
  // buffers and encode those.
  Result<avro::FlatRecordEncoder> flat = avro::FlatRecordEncoder::create(schema);
  if (!flat.ok()) log::debug("produce", "general encoder: {}", flat.status().message());
  Pipeline pipeline(o, std::move(files), encoder, flat.ok() ? &*flat : nullptr, std::move(base),
                    schema_id, key_column, spread, pool);
  Status st = pipeline.run(producer.get(), reject_producer.get(), reject_file.get(), summary);
  if (reject_file && std::fflush(reject_file.get()) != 0 && st.ok()) {
    st = errno_error(o.reject_file, errno);
  }
  return st;
}

}  // namespace lakestream::jobs
