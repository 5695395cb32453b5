// The compiled decode plan (internal to the avro module; see decoder.h for the contract).
//
// Ops sit in one flat vector in writer order. A container op (array, map, union, default) is
// followed by its body ops; its `next` jumps past them, so the top-level record runs as one
// straight loop and bodies run as sub-ranges.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "avro/decoder.h"
#include "common/buffer.h"

namespace lakestream::avro::detail {

enum class OpCode : uint8_t {
  // Leaves: read a writer value, append it to column `col`.
  kBool,
  kIntToI32,
  kIntToI64,
  kIntToF32,
  kIntToF64,
  kLongToI64,
  kLongToF32,
  kLongToF64,
  kFloatToF32,
  kFloatToF64,
  kDoubleToF64,
  kBytes,  // bytes or string -> BYTE_ARRAY; `utf8` says validate
  kFixed,  // fixed(aux) -> FLBA
  kEnum,   // enum index -> symbol through enum table `aux`
  // Fill: one null/empty slot with def `def` in columns [col, col_end).
  kFillNull,
  // Containers.
  kArray,    // body = item ops; empty -> fill [col, col_end) at def; items at rep_level
  kMap,      // body = key op + value ops
  kUnion,    // writer union: branch table at aux (count branches)
  kDefault,  // reader field absent in writer: run body over default bytes `aux`
  // Skips (writer data the reader does not want).
  kSkipVarint,
  kSkipBool,
  kSkipFloat,
  kSkipDouble,
  kSkipBytes,
  kSkipFixed,  // aux bytes
  kSkipArray,  // body = item skip ops
  kSkipMap,    // body = value skip ops (key skipped by the op itself)
  kSkipUnion,  // branch table at aux
  kError,      // always fails with message `aux` (a writer branch the reader cannot take)
};

struct Op {
  OpCode code;
  bool levels = false;           // leaf writes def/rep levels (else count_slot)
  bool utf8 = false;             // validate UTF-8 (kBytes)
  bool zero_size_items = false;  // array/map items may take 0 bytes: cap the count
  int16_t def = 0;        // leaf: def of a present value; fill/array: def of the null/empty slot
  int16_t rep_level = 0;  // array/map: rep level of the 2nd and later items
  uint32_t col = 0;
  uint32_t col_end = 0;
  uint32_t next = 0;  // index of the op after this one (and its body)
  uint32_t body_begin = 0;
  uint32_t body_end = 0;
  uint32_t aux = 0;
  uint32_t count = 0;
  uint32_t name = 0;  // index into Plan::names (for error messages)
};

struct BranchRange {
  uint32_t begin = 0;
  uint32_t end = 0;
};

struct EnumTable {
  std::vector<int32_t> writer_to_reader;  // -1: unknown symbol, no default
  std::vector<std::string> reader_symbols;
};

struct Plan {
  std::vector<Op> ops;
  uint32_t root_end = 0;  // ops [0, root_end) decode one record
  std::vector<BranchRange> branches;
  std::vector<EnumTable> enums;
  std::vector<Buffer> defaults;
  std::vector<std::string> names;     // field paths, e.g. "trip.tags[]"
  std::vector<std::string> messages;  // kError texts
  std::shared_ptr<const columnar::Schema> columns;
  size_t num_columns = 0;
  DecoderOptions options;
};

Result<std::unique_ptr<Plan>> compile_plan(const Schema& writer, const Schema& reader,
                                           const DecoderOptions& options);

}  // namespace lakestream::avro::detail
