#include "stream/task_writer.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "checkpoint/data_file_name.h"
#include "columnar/record_batch.h"
#include "stream/row_gather.h"

namespace lakestream::stream {

using columnar::Field;
using columnar::LogicalType;
using columnar::PhysicalType;
using columnar::Repetition;

std::shared_ptr<const columnar::Schema> output_schema(const avro::Decoder& decoder,
                                                      bool include_kafka_metadata) {
  if (!include_kafka_metadata) return decoder.columnar_schema();
  std::vector<Field> extra;
  extra.push_back(Field::leaf("kafka_topic", PhysicalType::kByteArray, Repetition::kRequired,
                              LogicalType::kString));
  extra.push_back(Field::leaf("kafka_partition", PhysicalType::kInt32));
  extra.push_back(Field::leaf("kafka_offset", PhysicalType::kInt64));
  extra.push_back(Field::leaf("kafka_timestamp", PhysicalType::kInt64, Repetition::kRequired,
                              LogicalType::kTimestampMillis));
  extra.push_back(Field::leaf("kafka_key", PhysicalType::kByteArray, Repetition::kOptional));
  return std::make_shared<const columnar::Schema>(
      decoder.columnar_schema()->with_appended(std::move(extra)));
}

namespace {

std::string base64(std::span<const uint8_t> in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = in[i] << 16;
    if (i + 1 < in.size()) v |= in[i + 1] << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// One output file being written.
class OpenFile {
 public:
  static Result<std::unique_ptr<OpenFile>> open(const TaskConfig& c,
                                                const std::shared_ptr<const columnar::Schema>& s,
                                                const OffsetRange& task, const std::string& dir,
                                                uint32_t seq, int64_t first) {
    auto f = std::unique_ptr<OpenFile>(new OpenFile());
    f->file_.tp = task.tp;
    f->file_.start = first;
    f->file_.key = checkpoint::format_data_file_key({task.tp, task.start, c.writer_id, seq, dir});
    return start(std::move(f), c, s, task, {}, {});
  }
  // Chain layout: [start, end) known up front, create-only upload, end offset in the metadata.
  static Result<std::unique_ptr<OpenFile>> open_chain(
      const TaskConfig& c, const std::shared_ptr<const columnar::Schema>& s,
      const OffsetRange& task, int64_t start_offset, int64_t end) {
    auto f = std::unique_ptr<OpenFile>(new OpenFile());
    f->file_.tp = task.tp;
    f->file_.start = start_offset;
    f->file_.key = checkpoint::format_chain_file_key(task.tp, start_offset);
    storage::PutOptions put;
    put.if_none_match = true;
    put.metadata[checkpoint::kChainEndMetadata] = std::to_string(end);
    put.metadata[checkpoint::kChainWriterMetadata] = c.writer_id;
    return start(std::move(f), c, s, task, put, {{"lakestream.end", std::to_string(end)}});
  }
  static Result<std::unique_ptr<OpenFile>> start(std::unique_ptr<OpenFile> f, const TaskConfig& c,
                                                 const std::shared_ptr<const columnar::Schema>& s,
                                                 const OffsetRange& task,
                                                 const storage::PutOptions& put,
                                                 const std::map<std::string, std::string>& extra) {
    LS_ASSIGN_OR_RETURN(f->object_, c.output->open_writer(f->file_.key, put));
    parquet::WriterOptions po = c.parquet;
    for (const auto& [k, v] : extra) po.key_value_metadata[k] = v;
    po.key_value_metadata["lakestream.topic"] = task.tp.topic;
    po.key_value_metadata["lakestream.partition"] = std::to_string(task.tp.partition);
    po.key_value_metadata["lakestream.start"] = std::to_string(f->file_.start);
    po.key_value_metadata["lakestream.writer"] = c.writer_id;
    auto w = parquet::FileWriter::open(s, f->object_.get(), po);
    if (!w.ok()) {
      (void)f->object_->abort();
      return std::move(w).status();
    }
    f->writer_ = std::move(*w);
    return f;
  }
  Status write(const columnar::RecordBatch& b) { return writer_->write(b); }
  uint64_t bytes() const {
    auto s = writer_->stats();
    return s.flushed_bytes + s.buffered_bytes;
  }
  // Bytes held in memory, as charged against the task's share (task_memory.h).
  uint64_t memory_bytes(const TaskConfig& c) const {
    return writer_->stats().memory_bytes + kOpenFileFixedBytes +
           sink_held_bytes(object_->position(), c.sink_part_size, c.sink_parts_in_flight);
  }
  const std::string& key() const { return file_.key; }
  Result<checkpoint::DataFile> close(int64_t end) {
    LS_ASSIGN_OR_RETURN(auto summary, writer_->close());
    file_.end = end;
    file_.size = summary.file_size;
    file_.rows = summary.num_rows;
    file_.version_id = object_->result().version_id;
    return file_;
  }
  void abort() { (void)writer_->abort(); }

 private:
  OpenFile() = default;
  checkpoint::DataFile file_;
  std::unique_ptr<storage::ObjectWriter> object_;
  std::unique_ptr<parquet::FileWriter> writer_;
};

void append_metadata(columnar::RecordBatch& b, size_t first, const TopicPartition& tp,
                     const SourceRecord& r) {
  auto& topic = b.column(first);
  topic.append_bytes(tp.topic);
  topic.count_slot();
  b.column(first + 1).append_fixed<int32_t>(tp.partition);
  b.column(first + 1).count_slot();
  b.column(first + 2).append_fixed<int64_t>(r.offset);
  b.column(first + 2).count_slot();
  b.column(first + 3).append_fixed<int64_t>(r.timestamp_ms);
  b.column(first + 3).count_slot();
  auto& key = b.column(first + 4);
  if (r.key_null) {
    key.append_levels(0, 0);
  } else {
    key.append_levels(1, 0);
    key.append_bytes({reinterpret_cast<const char*>(r.key.data()), r.key.size()});
  }
}

// Heap bytes of a row buffer's columns, at capacity (clear() keeps them).
uint64_t capacity_bytes(columnar::RecordBatch& b) {
  uint64_t n = 0;
  for (size_t i = 0; i < b.num_columns(); ++i) {
    auto& c = b.column(i);
    n += c.mutable_fixed().capacity() + c.mutable_bytes().capacity() +
         c.mutable_offsets().capacity() + c.mutable_def_levels().capacity() +
         c.mutable_rep_levels().capacity();
  }
  return n;
}

// The state of one task: its row buffer, its directories and their open files.
class TaskRun {
 public:
  TaskRun(const TaskConfig& c, const std::shared_ptr<const columnar::Schema>& schema,
          const OffsetRange& task, uint64_t share)
      : c_(c),
        task_(task),
        share_(share),
        flush_bytes_(std::max<uint64_t>(share / 8, 64 << 10)),
        batch_(schema),
        meta_first_(c.decoder->columnar_schema()->num_columns()),
        file_schema_(c.partitioner ? c.partitioner->file_schema() : schema),
        partitioned_(c.partitioner != nullptr),
        gather_(c.partitioner ? c.partitioner->file_columns() : std::vector<size_t>{}),
        dirs_(c.partitioner.get()) {
    if (partitioned_) {
      gathered_ = std::make_unique<columnar::RecordBatch>(file_schema_);
    } else {
      files_.resize(1);
    }
    chain_next_ = chain_file_end_ = task.start;
  }

  Result<TaskResult> run() {
    Status s = c_.source->fetch(task_, [&](const SourceRecord& r) { return on_record(r); });
    if (s.ok() && c_.chain) s = chain_advance(task_.end);
    if (s.ok()) s = flush();
    if (fenced_) {
      // Chain layout: the files before the fenced one are committed; the checkpoint reads the
      // winner's end.
      if (files_[0].file) files_[0].file->abort();
      result_.fenced = true;
      return std::move(result_);
    }
    for (size_t d = 0; s.ok() && d < files_.size(); ++d) {
      if (files_[d].file) s = close_file(d, /*last=*/true);
    }
    if (s.ok() && !c_.chain) {
      checkpoint::DataFileName name{task_.tp, task_.start, c_.writer_id, 0, c_.dead_letter_dir};
      s = write_dead_letters(checkpoint::format_dead_letter_key(name), task_.start, task_.end);
    }
    if (!s.ok()) {
      for (auto& f : files_) {
        if (f.file) f.file->abort();
      }
      return std::move(s).with_context(
          fmt::format("task {} [{}, {})", to_string(task_.tp), task_.start, task_.end));
    }
    return std::move(result_);
  }

 private:
  struct DirFile {
    std::unique_ptr<OpenFile> file;
    uint32_t seq = 0;
    uint64_t rows = 0;
    int64_t last_offset = -1;  // of the last row written to the open file
    uint64_t charged = 0;      // the open file's memory as last charged
  };

  Status on_record(const SourceRecord& r) {
    ++result_.records;
    if (c_.chain) LS_RETURN_IF_ERROR(chain_advance(r.offset));
    if (r.value_null) return bad(r, "null value");
    auto unframed = avro::unframe(r.value, c_.wire_format);
    if (!unframed.ok()) return bad(r, unframed.status().message());
    const avro::Decoder* decoder = c_.decoder;
    if (c_.registry_decoders && unframed->schema_id) {
      // A partition's records nearly always share one schema id: remember the last one so the
      // shared (locked) cache is asked only when the id changes.
      if (last_decoder_ && *unframed->schema_id == last_schema_id_) {
        decoder = last_decoder_;
      } else {
        auto found = c_.registry_decoders->decoder_for(*unframed->schema_id);
        if (!found.ok()) {
          if (found.status().code() == StatusCode::kInvalidData) {
            return bad(r, found.status().message());
          }
          return std::move(found).status();
        }
        decoder = last_decoder_ = *found;
        last_schema_id_ = *unframed->schema_id;
      }
    }
    Status d = decoder->decode(unframed->body, batch_);
    if (!d.ok()) return bad(r, d.message());
    if (c_.include_kafka_metadata) append_metadata(batch_, meta_first_, task_.tp, r);
    row_offsets_.push_back(r.offset);
    if (partitioned_ && c_.partitioner->uses_kafka_timestamp())
      row_timestamps_.push_back(r.timestamp_ms);
    ++result_.rows;
    const size_t n = batch_.num_rows();
    // Hand over when the buffer is full (rows, or bytes checked every 256 rows: both depend on
    // the records only), or, without partitioning, when the file reaches --max-file-rows.
    bool full = n >= c_.flush_rows || ((n & 255) == 0 && batch_.memory_bytes() >= flush_bytes_);
    if (!partitioned_ && !c_.chain && c_.max_file_rows && files_[0].rows + n >= c_.max_file_rows) {
      full = true;
    }
    return full ? flush() : Status();
  }

  Status bad(const SourceRecord& r, std::string_view reason) {
    if (!c_.permissive) {
      return invalid_data(
          fmt::format("{} offset {}: {} (--mode FAILFAST)", to_string(task_.tp), r.offset, reason));
    }
    ++result_.bad_records;
    nlohmann::json j = {
        {"topic", task_.tp.topic},
        {"partition", task_.tp.partition},
        {"offset", r.offset},
        {"timestamp", r.timestamp_ms},
        {"reason", std::string(reason)},
        {"value_base64", r.value_null ? nlohmann::json(nullptr) : nlohmann::json(base64(r.value))}};
    result_.dead_letters.push_back(j.dump());
    return Status();
  }

  // Uploads the dead letters gathered since the last such file (none: nothing to write) as one
  // JSON-lines object covering offsets [start, end).
  Status write_dead_letters(const std::string& key, int64_t start, int64_t end) {
    if (dead_written_ == result_.dead_letters.size()) return Status();
    std::string body;
    for (size_t i = dead_written_; i < result_.dead_letters.size(); ++i) {
      body += result_.dead_letters[i];
      body += '\n';
    }
    auto put = c_.output->put(key, {reinterpret_cast<const uint8_t*>(body.data()), body.size()});
    if (!put.ok()) return std::move(put).status().with_context("dead letters");
    checkpoint::DataFile f;
    f.key = key;
    f.version_id = put->version_id;
    f.size = body.size();
    f.rows = result_.dead_letters.size() - dead_written_;
    f.tp = task_.tp;
    f.start = start;
    f.end = end;
    result_.dead_letter_files.push_back(std::move(f));
    dead_written_ = result_.dead_letters.size();
    return Status();
  }

  // Hands the row buffer to the files, then keeps the task within its memory share.
  Status flush() {
    if (batch_.num_rows() == 0) return Status();
    if (!partitioned_) {
      LS_RETURN_IF_ERROR(write(0, batch_, row_offsets_.front(), row_offsets_.back()));
    } else {
      dirs_.assign(batch_, row_timestamps_, &row_dir_);
      if (files_.size() < dirs_.size()) files_.resize(dirs_.size());
      // Rows grouped by directory, each group in offset order (a stable counting sort).
      counts_.assign(dirs_.size() + 1, 0);
      for (uint32_t d : row_dir_) ++counts_[d + 1];
      for (size_t d = 1; d < counts_.size(); ++d) counts_[d] += counts_[d - 1];
      order_.resize(row_dir_.size());
      std::vector<uint32_t> next(counts_.begin(), counts_.end() - 1);
      for (uint32_t r = 0; r < row_dir_.size(); ++r) order_[next[row_dir_[r]]++] = r;
      gather_.index(batch_);
      for (uint32_t d = 0; d < dirs_.size(); ++d) {
        std::span<const uint32_t> rows(order_.data() + counts_[d], counts_[d + 1] - counts_[d]);
        while (!rows.empty()) {
          size_t n = rows.size();
          if (c_.max_file_rows) n = std::min<uint64_t>(n, c_.max_file_rows - files_[d].rows);
          gathered_->clear();
          gather_.copy(batch_, rows.first(n), *gathered_);
          LS_RETURN_IF_ERROR(
              write(d, *gathered_, row_offsets_[rows[0]], row_offsets_[rows[n - 1]]));
          rows = rows.subspan(n);
        }
      }
    }
    batch_.clear();
    row_offsets_.clear();
    row_timestamps_.clear();
    return Status();
  }

  // Writes rows (offsets first..last) to directory d's file, opening it first, rolling it after.
  Status write(uint32_t d, const columnar::RecordBatch& rows, int64_t first, int64_t last) {
    DirFile& f = files_[d];
    if (!f.file) {
      int64_t start = !partitioned_ && f.seq == 0 ? task_.start : first;
      std::string dir = partitioned_ ? dirs_.directory(d) : std::string();
      LS_ASSIGN_OR_RETURN(f.file, OpenFile::open(c_, file_schema_, task_, dir, f.seq, start));
    }
    LS_RETURN_IF_ERROR(f.file->write(rows));
    f.rows += rows.num_rows();
    f.last_offset = last;
    if (c_.chain) return Status();  // chain files end at fixed offsets (chain_advance)
    bool roll = (c_.max_file_rows && f.rows >= c_.max_file_rows) ||
                (c_.max_file_bytes && f.file->bytes() >= c_.max_file_bytes);
    if (roll) LS_RETURN_IF_ERROR(close_file(d, /*last=*/false));
    recharge(d);
    return enforce_share();
  }

  // Chain layout: files at fixed offset steps from the task's start, so each file's end is known
  // when its upload starts. Opens the file holding `offset`, first closing the ones before it
  // (creating them empty if they hold no record: the chain must not have holes); with
  // offset == task end, closes everything up to the end. Rows buffered so far all belong to the
  // open file (this runs before a record is buffered), so they are handed over first.
  Status chain_advance(int64_t offset) {
    DirFile& f = files_[0];
    while (!f.file || offset >= chain_file_end_) {
      if (f.file) {
        LS_RETURN_IF_ERROR(flush());
        // The file's bad records (all gathered before this offset) go up before the file: once
        // it lands, its range is committed and must find its dead letters in place.
        LS_RETURN_IF_ERROR(
            write_dead_letters(checkpoint::format_chain_dead_letter_key(
                                   c_.dead_letter_dir, task_.tp, chain_next_, chain_file_end_),
                               chain_next_, chain_file_end_));
        auto done = f.file->close(chain_file_end_);
        if (!done.ok()) {
          StatusCode code = done.status().code();
          // Another writer committed this range first.
          if (code == StatusCode::kPreconditionFailed || code == StatusCode::kAlreadyExists) {
            fenced_ = true;
          }
          f.file.reset();
          return std::move(done).status();
        }
        result_.bytes += done->size;
        result_.files.push_back(std::move(*done));
        f.file.reset();
        ++f.seq;
        f.rows = 0;
        chain_next_ = chain_file_end_;
      }
      if (chain_next_ >= task_.end) return Status();
      int64_t step = c_.max_file_rows ? static_cast<int64_t>(c_.max_file_rows) : task_.end;
      chain_file_end_ = chain_next_ + std::min(step, task_.end - chain_next_);
      LS_ASSIGN_OR_RETURN(
          f.file, OpenFile::open_chain(c_, file_schema_, task_, chain_next_, chain_file_end_));
    }
    return Status();
  }

  Status close_file(uint32_t d, bool last) {
    DirFile& f = files_[d];
    // Without partitioning the task's last file ends where the task does (offsets after the last
    // row were bad records or compacted away, and belong to this file's range).
    int64_t end = !partitioned_ && last ? task_.end : f.last_offset + 1;
    LS_ASSIGN_OR_RETURN(auto done, f.file->close(end));
    result_.bytes += done.size;
    result_.files.push_back(std::move(done));
    f.file.reset();
    recharge(d);
    ++f.seq;
    f.rows = 0;
    return Status();
  }

  // Re-charges directory d's open file after a write (task_memory.h).
  void recharge(uint32_t d) {
    DirFile& f = files_[d];
    uint64_t now = f.file ? f.file->memory_bytes(c_) : 0;
    files_charged_ = files_charged_ - f.charged + now;
    f.charged = now;
  }

  // While the task is charged more than its share, close the open file charged the most
  // (task_memory.h). Called after every write, so a hand-over that opens many files cannot
  // overshoot by more than one file's growth.
  Status enforce_share() {
    // Chain layout: a file's end offset is fixed when its upload starts, so it cannot be closed
    // early; its memory is bounded by the Parquet row group and the part buffers instead.
    if (c_.chain) return Status();
    const uint64_t buffers = capacity_bytes(batch_) + (gathered_ ? capacity_bytes(*gathered_) : 0);
    while (true) {
      uint64_t total = buffers + files_charged_;
      result_.peak_buffered_bytes = std::max(result_.peak_buffered_bytes, total);
      if (total <= share_) return Status();
      memory_.clear();
      memory_index_.clear();
      for (uint32_t d = 0; d < files_.size(); ++d) {
        if (!files_[d].file) continue;
        memory_.push_back({files_[d].charged, files_[d].file->key()});
        memory_index_.push_back(d);
      }
      if (memory_.empty()) return Status();
      int i = pick_file_to_close(memory_);
      LS_RETURN_IF_ERROR(close_file(memory_index_[i], /*last=*/false));
      ++result_.early_closes;
    }
  }

  const TaskConfig& c_;
  const OffsetRange& task_;
  const uint64_t share_;
  const uint64_t flush_bytes_;
  columnar::RecordBatch batch_;
  const size_t meta_first_;
  std::shared_ptr<const columnar::Schema> file_schema_;
  const bool partitioned_;
  int64_t chain_next_ = 0;      // chain layout: start of the next file
  int64_t chain_file_end_ = 0;  // chain layout: end of the open file
  bool fenced_ = false;         // chain layout: a file's create-only PUT lost (412)
  size_t dead_written_ = 0;     // result_.dead_letters already in a dead-letter file
  const avro::Decoder* last_decoder_ = nullptr;  // registry: decoder of last_schema_id_
  uint32_t last_schema_id_ = 0;
  RowGather gather_;
  PartitionDirs dirs_;
  std::unique_ptr<columnar::RecordBatch> gathered_;
  std::vector<int64_t> row_offsets_;
  std::vector<int64_t> row_timestamps_;
  std::vector<uint32_t> row_dir_, counts_, order_;
  std::vector<DirFile> files_;  // by directory id (one entry without partitioning)
  std::vector<FileMemory> memory_;
  std::vector<uint32_t> memory_index_;
  uint64_t files_charged_ = 0;  // sum of the open files' `charged`
  TaskResult result_;
};

}  // namespace

Result<TaskResult> run_task(const TaskConfig& c,
                            const std::shared_ptr<const columnar::Schema>& schema,
                            const OffsetRange& task, size_t concurrent_tasks) {
  TaskRun run(c, schema, task, task_memory_share(c.max_batch_bytes, concurrent_tasks));
  return run.run();
}

}  // namespace lakestream::stream
