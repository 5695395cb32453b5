// The memory bound of a micro-batch's writing, and the deterministic choice of which file to close
// when a task goes over its share.
//
// `--max-batch-bytes` bounds the bytes a batch holds that are not yet in the output. Counted, per
// running task: its row buffers (decoded rows waiting for the Parquet writer, and the rows being
// routed to one directory), at capacity; per open file: the Parquet writer's heap
// (parquet::WriterStats::memory_bytes: pages, open pages, dictionaries and their hash indexes,
// scratch, all at capacity), kOpenFileFixedBytes for the writer and sink objects, and what the
// object writer may still hold of the bytes given to it (S3: the current multipart part and the
// parts in flight, at their bound; local files write through: nothing). Each task gets an equal
// share: max_batch_bytes / (tasks running at once). After each hand-over of rows to the files,
// while the task's count is over its share, the file charged the most is closed (ties: the
// smaller key), so the decision depends only on the task's records and the configuration, never
// on timing: a replayed batch builds the same files.
//
// Not counted (the fixed overhead, see src/stream/README.md): librdkafka's fetch queue and the
// message being decoded, a file's footer while close() writes it, the parts of a closing S3 file
// still uploading, the manifest and dead letters, allocator slack, the binary and its libraries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/status.h"

namespace lakestream::stream {

// Charged per open file on top of its Parquet writer's memory_bytes: the FileWriter's own state,
// its compressor and the object writer (measured at 2-7 KiB; see task_writer_test.cc).
inline constexpr uint64_t kOpenFileFixedBytes = 16 << 10;

// 256 MiB, the default of --max-batch-bytes.
inline constexpr uint64_t kDefaultMaxBatchBytes = 256ull << 20;

// "268435456", "256MiB", "256M", "64KiB", "1GiB" (K/M/G and KiB/MiB/GiB are powers of 1024).
// kInvalidArgument for anything else or zero.
Result<uint64_t> parse_byte_size(std::string_view text);

// A task's share: max_batch_bytes / max(1, concurrent_tasks), at least 1 MiB.
uint64_t task_memory_share(uint64_t max_batch_bytes, size_t concurrent_tasks);

// Bytes an object writer may still hold after being given `position` bytes: for S3 multipart
// (part_size > 0), the partial current part plus up to `parts_in_flight` full parts; 0 for a
// write-through store (part_size == 0).
uint64_t sink_held_bytes(uint64_t position, uint64_t part_size, int parts_in_flight);

struct FileMemory {
  uint64_t bytes = 0;
  std::string_view key;
};

// Index of the file to close: the most bytes, ties broken by the smaller key; -1 when empty.
int pick_file_to_close(std::span<const FileMemory> files);

}  // namespace lakestream::stream
