// Spark's file-sink log (`<output>/_spark_metadata/`), written beside our commit protocol so that
// Spark reads exactly the committed files (`--spark-metadata`).
//
// Format (Spark's CompactibleFileStreamLog / FileStreamSinkLog, version 1): one object per batch
// named by the batch id in decimal (`_spark_metadata/7`), every `compact_interval`-th one
// ((id + 1) % interval == 0) named `<id>.compact` and listing every live file; content "v1", then
// per file "\n" + one JSON object with, in this order, path (the file's full URI), size, isDir
// (false), modificationTime (ms), blockReplication (1), blockSize and action ("add"); no trailing
// newline. Spark reads the newest entry back to the newest compact one, so ids must be gap-free.
//
// Protocol: an entry is written only after its files are committed by the checkpoint store (so
// Spark never sees an uncommitted file), with a create-only PUT; on 412 the winner's entry is read
// and the next id tried. Recovery lists `_spark_metadata/`, reads the newest compact entry and
// those after it (at most `compact_interval` GETs), and writes one entry for the committed files
// no entry lists yet (a crash between a commit and its entry). Old entries are not deleted.
//
// Thread-safety: like CheckpointStore (one thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/checkpoint_store.h"
#include "common/status.h"
#include "storage/object_store.h"

namespace lakestream::checkpoint {

struct SinkFileStatus {
  std::string path;  // full URI ("s3a://bucket/out/taxi-0-...parquet")
  uint64_t size = 0;
  bool is_dir = false;
  int64_t modification_time = 0;  // ms since epoch
  int32_t block_replication = 1;
  int64_t block_size = 32 << 20;  // Hadoop's default for S3A and the local file system
  std::string action = "add";
  bool operator==(const SinkFileStatus&) const = default;
};

// "v1" + "\n{json}" per entry, byte for byte as Spark's serialize().
std::string serialize_spark_log(const std::vector<SinkFileStatus>& entries);
// kInvalidData naming `where` unless "v1" then JSON lines with the seven fields.
Result<std::vector<SinkFileStatus>> parse_spark_log(std::string_view text, std::string_view where);

// "_spark_metadata/<id>" or "_spark_metadata/<id>.compact".
std::string spark_log_key(uint64_t id, uint64_t compact_interval);

struct SparkMetadataOptions {
  // Prepended to data file keys to form `path`: the output URI as Spark should see it, with a
  // trailing '/' ("s3a://bucket/out/").
  std::string path_prefix;
  uint64_t compact_interval = 10;  // spark.sql.streaming.fileSink.log.compactInterval default
};

// Wraps `inner`: recover() and commit() also maintain the Spark log in `log_store` (rooted at the
// output; its requests are counted there, apart from the checkpoint's). Other calls delegate.
// Errors writing the log are returned like commit errors (the next recover() fills the gap).
std::unique_ptr<CheckpointStore> with_spark_metadata(std::unique_ptr<CheckpointStore> inner,
                                                     storage::ObjectStore& log_store,
                                                     SparkMetadataOptions options);

}  // namespace lakestream::checkpoint
