#include "stream/task_writer.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "checkpoint/data_file_name.h"
#include "columnar/record_batch.h"

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
                                                const OffsetRange& task, uint32_t seq,
                                                int64_t first_offset) {
    auto f = std::unique_ptr<OpenFile>(new OpenFile());
    f->file_.tp = task.tp;
    f->file_.start = seq == 0 ? task.start : first_offset;
    f->file_.key = checkpoint::format_data_file_key({task.tp, task.start, c.writer_id, seq, ""});
    LS_ASSIGN_OR_RETURN(f->object_, c.output->open_writer(f->file_.key));
    parquet::WriterOptions po = c.parquet;
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

}  // namespace

Result<TaskResult> run_task(const TaskConfig& c,
                            const std::shared_ptr<const columnar::Schema>& schema,
                            const OffsetRange& task, columnar::RecordBatch* scratch) {
  TaskResult result;
  std::optional<columnar::RecordBatch> own;
  if (!scratch) scratch = &own.emplace(schema);
  columnar::RecordBatch& batch = *scratch;
  batch.clear();
  const size_t meta_first = c.decoder->columnar_schema()->num_columns();
  std::unique_ptr<OpenFile> file;
  uint32_t seq = 0;
  uint64_t file_rows = 0;

  auto flush = [&]() -> Status {
    if (batch.num_rows() == 0) return Status();
    LS_RETURN_IF_ERROR(file->write(batch));
    batch.clear();
    return Status();
  };
  auto close_file = [&](int64_t end) -> Status {
    LS_RETURN_IF_ERROR(flush());
    LS_ASSIGN_OR_RETURN(auto done, file->close(end));
    result.bytes += done.size;
    result.files.push_back(std::move(done));
    file.reset();
    ++seq;
    file_rows = 0;
    return Status();
  };

  auto bad = [&](const SourceRecord& r, std::string_view reason) -> Status {
    if (!c.permissive) {
      return invalid_data(
          fmt::format("{} offset {}: {} (--mode FAILFAST)", to_string(task.tp), r.offset, reason));
    }
    ++result.bad_records;
    nlohmann::json j = {
        {"topic", task.tp.topic},
        {"partition", task.tp.partition},
        {"offset", r.offset},
        {"timestamp", r.timestamp_ms},
        {"reason", std::string(reason)},
        {"value_base64", r.value_null ? nlohmann::json(nullptr) : nlohmann::json(base64(r.value))}};
    result.dead_letters.push_back(j.dump());
    return Status();
  };

  Status s = c.source->fetch(task, [&](const SourceRecord& r) -> Status {
    ++result.records;
    if (r.value_null) return bad(r, "null value");
    auto unframed = avro::unframe(r.value, c.wire_format);
    if (!unframed.ok()) return bad(r, unframed.status().message());
    const avro::Decoder* decoder = c.decoder;
    if (c.registry_decoders && unframed->schema_id) {
      auto found = c.registry_decoders->decoder_for(*unframed->schema_id);
      if (!found.ok()) {
        if (found.status().code() == StatusCode::kInvalidData) {
          return bad(r, found.status().message());
        }
        return std::move(found).status();
      }
      decoder = *found;
    }
    Status d = decoder->decode(unframed->body, batch);
    if (!d.ok()) return bad(r, d.message());
    if (c.include_kafka_metadata) append_metadata(batch, meta_first, task.tp, r);
    if (!file) {
      LS_ASSIGN_OR_RETURN(file, OpenFile::open(c, schema, task, seq, r.offset));
    }
    ++result.rows;
    ++file_rows;
    if (batch.num_rows() >= c.flush_rows) LS_RETURN_IF_ERROR(flush());
    bool roll = (c.max_file_rows && file_rows >= c.max_file_rows) ||
                (c.max_file_bytes && file->bytes() >= c.max_file_bytes);
    if (roll) LS_RETURN_IF_ERROR(close_file(r.offset + 1));
    return Status();
  });
  if (s.ok() && file) s = close_file(task.end);
  if (!s.ok()) {
    if (file) file->abort();
    return std::move(s).with_context(
        fmt::format("task {} [{}, {})", to_string(task.tp), task.start, task.end));
  }
  return result;
}

}  // namespace lakestream::stream
