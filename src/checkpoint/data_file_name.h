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

// Where the stream job writes dead letters, relative to the output root.
inline constexpr const char* kDefaultDeadLetterDir = "_dead_letter/";

// Dead-letter files (the bad records of one task, one JSON object per line) are data files of
// their batch, named like the Parquet files with `dir` = the dead-letter directory and the suffix
// `.jsonl`, listed in the batch's manifest (Manifest::dead_letters) and removed by recovery when
// uncommitted:
//
//   <dead-letter dir><topic>-<partition>-<start offset, 20 digits>-<writer id>-<seq>.jsonl
//
// Never parses as a Parquet data file name or a chain name, and vice versa.
std::string format_dead_letter_key(const DataFileName& name);
// nullopt when `key` is not a dead-letter file name of the form above.
std::optional<DataFileName> parse_dead_letter_key(std::string_view key);

// Chain layout (CheckpointMode::kChain): one name per (topic, partition, start offset), nothing
// else, so two writers that plan the same range race for the same key and a create-only PUT
// decides:
//
//   <topic>-<partition>-<start offset, 20 digits>.parquet
//
// The end offset is not in the name (it travels in the object's metadata, kChainEndMetadata, and
// in the Parquet key-value metadata lakestream.end). Chain names and the names above never parse
// as each other.
inline constexpr const char* kChainEndMetadata = "lakestream-end";
inline constexpr const char* kChainWriterMetadata = "lakestream-writer";  // who committed it

std::string format_chain_file_key(const TopicPartition& tp, int64_t start);

// The prefix every chain file of `tp` starts with ("taxi-3-"). Another topic's files can share it
// (topic "taxi-3", partition 1: "taxi-3-1-..."), so listings must parse what they find.
std::string chain_prefix(const TopicPartition& tp);

// Chain layout's dead letters: the bad records of the chain file [start, end), uploaded just
// before that file's create-only PUT (plain PUT: a range's bad records are the same whoever reads
// it, so a rewrite holds the same bytes):
//
//   <dead-letter dir><topic>-<partition>-<start offset, 20 digits>-<end offset, 20 digits>.jsonl
//
// One is committed when a committed chain file has the same topic, partition, start and end;
// others are left by fenced or crashed attempts and removed (chain_log.cc).
std::string format_chain_dead_letter_key(std::string_view dir, const TopicPartition& tp,
                                         int64_t start, int64_t end);
struct ChainDeadLetterName {
  TopicPartition tp;
  int64_t start = 0;
  int64_t end = 0;
};
// nullopt unless `key` is `dir` followed by a chain dead-letter name.
std::optional<ChainDeadLetterName> parse_chain_dead_letter_key(std::string_view key,
                                                               std::string_view dir);

struct ChainFileName {
  TopicPartition tp;
  int64_t start = 0;
};
// nullopt when `key` is not a chain file name (no directory part allowed).
std::optional<ChainFileName> parse_chain_file_key(std::string_view key);

// A fresh writer id: 12 lowercase hex digits from a random source; unique per process start.
std::string new_writer_id();

}  // namespace lakestream::checkpoint
