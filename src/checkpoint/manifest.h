// The commit record of one micro-batch: which offsets it consumed and which data files hold them.
//
// A manifest is a small JSON document (format 1):
//   {"format":1, "writer":"w3f9c0a1b", "batch":12, "time_ms":1764100000000, "compact":false,
//    "offsets":{"taxi":{"0":200,"1":180}},            <- cumulative: every partition's committed
//    end "ranges":[{"topic":"taxi","partition":0,"start":100,"end":200}],   <- what this batch
//    consumed "claims":[{"topic":"taxi","partition":1}], "claim_all":false,       <- ownership, no
//    data "files":[{"key":"taxi-0-...parquet","version_id":"","size":1234,"rows":100,
//              "topic":"taxi","partition":0,"start":100,"end":200}],
//    "dead_letters":[{"key":"_dead_letter/taxi-0-...jsonl", ... same fields, rows = bad records}]}
// `offsets` is cumulative so that recovery needs only the newest manifest for offsets. `files`
// lists this batch's files; a compact manifest (every K batches) lists every live committed file,
// like Spark's `_spark_metadata/<n>.compact`, so that older manifests can be deleted.
// `dead_letters` (added after format 1 shipped, so optional: written only when not empty, and a
// manifest without it parses as having none) lists the batch's dead-letter files the same way
// (compact manifests: all of them). They are kept apart from `files` so that readers of `files`
// (Parquet readers, Spark's sink log) never meet a JSON-lines file.
//
// Parsing is strict about types and ranges (it reads objects another process wrote, maybe a
// broken or hostile one) and is fuzzed (fuzz/checkpoint_manifest_fuzz.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/topic_partition.h"
#include "common/status.h"

namespace lakestream::checkpoint {

struct DataFile {
  std::string key;         // relative to the output root
  std::string version_id;  // empty on unversioned buckets and local files
  uint64_t size = 0;
  uint64_t rows = 0;
  TopicPartition tp;
  int64_t start = 0;  // first offset the file may hold
  int64_t end = 0;    // one past the last offset the file may hold
  bool operator==(const DataFile&) const = default;
};

struct Manifest {
  std::string writer;  // id of the process that wrote it (unique per process start)
  uint64_t batch = 0;
  int64_t time_ms = 0;
  bool compact = false;
  OffsetMap offsets;
  std::vector<OffsetRange> ranges;
  std::vector<TopicPartition> claims;
  bool claim_all = false;
  std::vector<DataFile> files;
  std::vector<DataFile> dead_letters;  // rows = bad records in the file

  // True when this manifest consumed, or claimed ownership of, `tp`.
  bool touches(const TopicPartition& tp) const;
  bool operator==(const Manifest&) const = default;
};

std::string serialize_manifest(const Manifest& m);

// kInvalidData naming `where` (usually the object's key) when `text` is not a format-1 manifest
// (bad JSON, wrong types, negative or reversed offsets, empty writer).
Result<Manifest> parse_manifest(std::string_view text, std::string_view where);

// Zero-padded so that lexical order (S3 LIST) is batch order: 20 digits fit any uint64.
std::string batch_name(uint64_t batch);
// Parses a 20-digit batch name (the file name without directory and extension).
bool parse_batch_name(std::string_view name, uint64_t* batch);

}  // namespace lakestream::checkpoint
