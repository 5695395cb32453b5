// Names of data files: who wrote which offsets, readable from the key alone.
//
//   [<dir>/]<topic>-<partition>-<start offset, 20 digits>-<writer id>-<seq>.parquet
//
// The start offset lets recovery tell a partition's files apart without reading them; the writer
// id keeps two writers racing for the same offsets (a zombie and its successor) from overwriting
// each other's objects, so a fenced writer can delete its own files by key without touching the
// winner's; `seq` numbers the files one writer produced for one partition in one batch (file-size
// roll-over, Hive-style partition directories). `dir` is free (e.g. "dt=2026-11-25/").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/topic_partition.h"

namespace lakestream::checkpoint {

struct DataFileName {
  TopicPartition tp;
  int64_t start = 0;
  std::string writer;  // [0-9a-z]+, no '-'
  uint32_t seq = 0;
  std::string dir;  // "" or ending in '/'
};

std::string format_data_file_key(const DataFileName& name);

// nullopt when `key` is not a data file name (checkpoint files, dead letters, foreign files).
std::optional<DataFileName> parse_data_file_key(std::string_view key);

// A fresh writer id: 12 lowercase hex digits from a random source; unique per process start.
std::string new_writer_id();

}  // namespace lakestream::checkpoint
