// Runs a compiled decode Plan over one datum. The hot path is run(): a switch over a flat op
// range, reading with bounds checks folded into a few helpers and appending straight into the
// column buffers. Errors are recorded as (kind, op, offset) and turned into a message only after
// the record is abandoned, so the success path builds no strings.
#include <fmt/format.h>

#include <array>
#include <cstring>

#include "avro/decode_plan.h"
#include "avro/utf8.h"
#include "avro/varint.h"

namespace lakestream::avro {

namespace detail {
namespace {

enum class Err : uint8_t {
  kNone,
  kTruncated,
  kVarintTooLong,
  kNegativeLength,
  kLengthPastEnd,
  kUnionIndex,
  kEnumIndex,
  kEnumNoMatch,
  kIntRange,
  kBadUtf8,
  kTooManyItems,
  kBranchError,
};

// Arrays of zero-byte items (e.g. of null) could claim 2^63 items; cap what one datum may hold.
constexpr uint64_t kMaxZeroSizeItems = 1u << 20;

struct State {
  const uint8_t* begin;  // start of the datum (for offsets)
  const uint8_t* p;
  const uint8_t* end;
  int16_t rep = 0;
  Err err = Err::kNone;
  uint32_t err_op = 0;
  int64_t err_value = 0;
  size_t err_offset = 0;
  uint64_t zero_items = 0;
};

class Runner {
 public:
  Runner(const Plan& plan, columnar::RecordBatch& batch) : plan_(plan), batch_(batch) {}

  bool fail(State& s, Err e, uint32_t op, const uint8_t* at, int64_t value = 0) {
    s.err = e;
    s.err_op = op;
    s.err_value = value;
    s.err_offset = static_cast<size_t>(at - s.begin);
    return false;
  }

  bool read_long(State& s, uint32_t op, int64_t& v) {
    const uint8_t* at = s.p;
    uint64_t u;
    VarintResult r = read_varint(s.p, s.end, u);
    if (r != VarintResult::kOk) {
      return fail(s, r == VarintResult::kTruncated ? Err::kTruncated : Err::kVarintTooLong, op, at);
    }
    v = zigzag_decode(u);
    return true;
  }

  bool read_int(State& s, uint32_t op, int32_t& v) {
    const uint8_t* at = s.p;
    int64_t l;
    if (!read_long(s, op, l)) return false;
    if (l < INT32_MIN || l > INT32_MAX) return fail(s, Err::kIntRange, op, at, l);
    v = static_cast<int32_t>(l);
    return true;
  }

  bool read_len(State& s, uint32_t op, size_t& n) {
    const uint8_t* at = s.p;
    int64_t l;
    if (!read_long(s, op, l)) return false;
    if (l < 0) return fail(s, Err::kNegativeLength, op, at, l);
    if (static_cast<uint64_t>(l) > static_cast<uint64_t>(s.end - s.p)) {
      return fail(s, Err::kLengthPastEnd, op, at, l);
    }
    n = static_cast<size_t>(l);
    return true;
  }

  template <typename T>
  bool read_raw(State& s, uint32_t op, T& v) {
    if (static_cast<size_t>(s.end - s.p) < sizeof(T)) return fail(s, Err::kTruncated, op, s.p);
    std::memcpy(&v, s.p, sizeof(T));
    s.p += sizeof(T);
    return true;
  }

  // Block count of an array/map: negative counts are followed by the block's byte size.
  bool read_block(State& s, uint32_t i, const Op& op, int64_t& count) {
    const uint8_t* at = s.p;
    if (!read_long(s, i, count)) return false;
    if (count < 0) {
      if (count == INT64_MIN) return fail(s, Err::kNegativeLength, i, at, count);
      count = -count;
      int64_t bytes;
      if (!read_long(s, i, bytes)) return false;
    }
    if (count > 0) {
      // Every item takes at least one byte unless the item type can be empty.
      if (op.zero_size_items) {
        s.zero_items += static_cast<uint64_t>(count);
        if (s.zero_items > kMaxZeroSizeItems) return fail(s, Err::kTooManyItems, i, at, count);
      } else if (static_cast<uint64_t>(count) > static_cast<uint64_t>(s.end - s.p)) {
        return fail(s, Err::kLengthPastEnd, i, at, count);
      }
    }
    return true;
  }

  void slot(columnar::ColumnBuffer& c, const Op& op, const State& s) {
    if (op.levels) {
      c.append_levels(op.def, s.rep);
    } else {
      c.count_slot();
    }
  }

  bool run(State& s, uint32_t begin, uint32_t end) {
    for (uint32_t i = begin; i < end;) {
      const Op& op = plan_.ops[i];
      switch (op.code) {
        case OpCode::kBool: {
          if (s.p >= s.end) return fail(s, Err::kTruncated, i, s.p);
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          c.append_fixed<uint8_t>(*s.p++ != 0);
          break;
        }
        case OpCode::kIntToI32: {
          int32_t v;
          if (!read_int(s, i, v)) return false;
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          c.append_fixed<int32_t>(v);
          break;
        }
        case OpCode::kIntToI64:
        case OpCode::kIntToF32:
        case OpCode::kIntToF64: {
          int32_t v;
          if (!read_int(s, i, v)) return false;
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          if (op.code == OpCode::kIntToI64)
            c.append_fixed<int64_t>(v);
          else if (op.code == OpCode::kIntToF32)
            c.append_fixed<float>(static_cast<float>(v));
          else
            c.append_fixed<double>(v);
          break;
        }
        case OpCode::kLongToI64: {
          int64_t v;
          if (!read_long(s, i, v)) return false;
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          c.append_fixed<int64_t>(v);
          break;
        }
        case OpCode::kLongToF32:
        case OpCode::kLongToF64: {
          int64_t v;
          if (!read_long(s, i, v)) return false;
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          if (op.code == OpCode::kLongToF32)
            c.append_fixed<float>(static_cast<float>(v));
          else
            c.append_fixed<double>(static_cast<double>(v));
          break;
        }
        case OpCode::kFloatToF32:
        case OpCode::kFloatToF64: {
          float v;
          if (!read_raw(s, i, v)) return false;
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          if (op.code == OpCode::kFloatToF32)
            c.append_fixed<float>(v);
          else
            c.append_fixed<double>(v);
          break;
        }
        case OpCode::kDoubleToF64: {
          if (static_cast<size_t>(s.end - s.p) < 8) return fail(s, Err::kTruncated, i, s.p);
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          // The wire bytes are already the little-endian column representation.
          c.append_fixed_bytes(s.p, 8);
          s.p += 8;
          break;
        }
        case OpCode::kBytes: {
          const uint8_t* at = s.p;
          size_t n;
          if (!read_len(s, i, n)) return false;
          if (op.utf8) {
            size_t bad;
            if (!valid_utf8(s.p, n, &bad))
              return fail(s, Err::kBadUtf8, i, at, static_cast<int64_t>(bad));
          }
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          c.append_bytes({reinterpret_cast<const char*>(s.p), n});
          s.p += n;
          break;
        }
        case OpCode::kFixed: {
          if (static_cast<size_t>(s.end - s.p) < op.aux) return fail(s, Err::kTruncated, i, s.p);
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          c.append_fixed_bytes(s.p, op.aux);
          s.p += op.aux;
          break;
        }
        case OpCode::kEnum: {
          const uint8_t* at = s.p;
          int64_t v;
          if (!read_long(s, i, v)) return false;
          const EnumTable& t = plan_.enums[op.aux];
          if (v < 0 || static_cast<uint64_t>(v) >= t.writer_to_reader.size()) {
            return fail(s, Err::kEnumIndex, i, at, v);
          }
          int32_t k = t.writer_to_reader[static_cast<size_t>(v)];
          if (k < 0) return fail(s, Err::kEnumNoMatch, i, at, v);
          auto& c = batch_.column(op.col);
          slot(c, op, s);
          c.append_bytes(t.reader_symbols[static_cast<size_t>(k)]);
          break;
        }
        case OpCode::kFillNull:
          for (uint32_t c = op.col; c < op.col_end; ++c) {
            batch_.column(c).append_levels(op.def, s.rep);
          }
          break;
        case OpCode::kArray:
        case OpCode::kMap: {
          int16_t saved = s.rep;
          uint64_t k = 0;
          while (true) {
            int64_t count;
            if (!read_block(s, i, op, count)) return false;
            if (count == 0) break;
            for (int64_t j = 0; j < count; ++j, ++k) {
              s.rep = k == 0 ? saved : op.rep_level;
              if (!run(s, op.body_begin, op.body_end)) return false;
            }
          }
          s.rep = saved;
          if (k == 0) {
            for (uint32_t c = op.col; c < op.col_end; ++c) {
              batch_.column(c).append_levels(op.def, s.rep);
            }
          }
          break;
        }
        case OpCode::kUnion:
        case OpCode::kSkipUnion: {
          const uint8_t* at = s.p;
          int64_t b;
          if (!read_long(s, i, b)) return false;
          if (b < 0 || static_cast<uint64_t>(b) >= op.count)
            return fail(s, Err::kUnionIndex, i, at, b);
          const BranchRange& r = plan_.branches[op.aux + static_cast<size_t>(b)];
          if (!run(s, r.begin, r.end)) return false;
          break;
        }
        case OpCode::kDefault: {
          const Buffer& d = plan_.defaults[op.aux];
          State ds = s;
          ds.begin = ds.p = d.data();
          ds.end = d.data() + d.size();
          if (!run(ds, op.body_begin, op.body_end)) {
            // A default always decodes; failing here is a bug, reported at this field.
            s.err = ds.err;
            s.err_op = ds.err_op;
            s.err_value = ds.err_value;
            s.err_offset = static_cast<size_t>(s.p - s.begin);
            return false;
          }
          break;
        }
        case OpCode::kSkipVarint: {
          int64_t v;
          if (!read_long(s, i, v)) return false;
          break;
        }
        case OpCode::kSkipBool:
          if (s.p >= s.end) return fail(s, Err::kTruncated, i, s.p);
          ++s.p;
          break;
        case OpCode::kSkipFloat:
        case OpCode::kSkipDouble:
        case OpCode::kSkipFixed: {
          size_t n = op.code == OpCode::kSkipFloat    ? 4
                     : op.code == OpCode::kSkipDouble ? 8
                                                      : op.aux;
          if (static_cast<size_t>(s.end - s.p) < n) return fail(s, Err::kTruncated, i, s.p);
          s.p += n;
          break;
        }
        case OpCode::kSkipBytes: {
          size_t n;
          if (!read_len(s, i, n)) return false;
          s.p += n;
          break;
        }
        case OpCode::kSkipArray:
        case OpCode::kSkipMap: {
          while (true) {
            int64_t count;
            if (!read_block(s, i, op, count)) return false;
            if (count == 0) break;
            for (int64_t j = 0; j < count; ++j) {
              if (op.code == OpCode::kSkipMap) {
                size_t n;
                if (!read_len(s, i, n)) return false;
                s.p += n;
              }
              if (!run(s, op.body_begin, op.body_end)) return false;
            }
          }
          break;
        }
        case OpCode::kError:
          return fail(s, Err::kBranchError, i, s.p, op.aux);
      }
      i = op.next;
    }
    return true;
  }

 private:
  const Plan& plan_;
  columnar::RecordBatch& batch_;
};

std::string describe_error(const Plan& plan, const State& s) {
  const Op& op = plan.ops[s.err_op];
  std::string field = plan.names[op.name].empty() ? "(root)" : plan.names[op.name];
  std::string what;
  switch (s.err) {
    case Err::kTruncated:
      what = "truncated datum (unexpected end of data)";
      break;
    case Err::kVarintTooLong:
      what = "varint longer than 10 bytes";
      break;
    case Err::kNegativeLength:
      what = fmt::format("negative length {}", s.err_value);
      break;
    case Err::kLengthPastEnd:
      what = fmt::format("length {} runs past the end of the datum", s.err_value);
      break;
    case Err::kUnionIndex:
      what = fmt::format("union branch index {} out of range (union has {} branches)", s.err_value,
                         op.count);
      break;
    case Err::kEnumIndex:
      what = fmt::format("enum index {} out of range", s.err_value);
      break;
    case Err::kEnumNoMatch:
      what = fmt::format(
          "enum symbol #{} of the writer is unknown to the reader, which has no "
          "default",
          s.err_value);
      break;
    case Err::kIntRange:
      what = fmt::format("int value {} does not fit in 32 bits", s.err_value);
      break;
    case Err::kBadUtf8:
      what = fmt::format("invalid UTF-8 in string (at byte {} of the string)", s.err_value);
      break;
    case Err::kTooManyItems:
      what = fmt::format("too many zero-size items ({} in one block)", s.err_value);
      break;
    case Err::kBranchError:
      what = plan.messages[static_cast<size_t>(s.err_value)];
      break;
    case Err::kNone:
      what = "unknown error";
      break;
  }
  return fmt::format("avro decode: field '{}': byte {}: {}", field, s.err_offset, what);
}

}  // namespace
}  // namespace detail

Decoder::Decoder(std::unique_ptr<detail::Plan> plan) : plan_(std::move(plan)) {}
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;
Decoder::~Decoder() = default;

Result<Decoder> Decoder::create(const Schema& writer, const Schema& reader,
                                DecoderOptions options) {
  LS_ASSIGN_OR_RETURN(auto plan, detail::compile_plan(writer, reader, options));
  return Decoder(std::move(plan));
}

Result<Decoder> Decoder::create(const Schema& schema, DecoderOptions options) {
  return create(schema, schema, options);
}

const std::shared_ptr<const columnar::Schema>& Decoder::columnar_schema() const {
  return plan_->columns;
}

Status Decoder::decode(std::span<const uint8_t> datum, columnar::RecordBatch& out) const {
  const detail::Plan& plan = *plan_;
  const size_t n = plan.num_columns;
  if (out.num_columns() < n) {
    return invalid_argument(fmt::format("avro decode: batch has {} columns, the schema needs {}",
                                        out.num_columns(), n));
  }
  // Column sizes before the record, to roll back a record that fails half-way. Kept on the
  // stack for ordinary widths so the success path allocates nothing.
  struct Mark {
    size_t slots, values;
  };
  constexpr size_t kInline = 256;
  std::array<Mark, kInline> inline_marks;
  std::vector<Mark> heap_marks;
  Mark* marks = inline_marks.data();
  if (n > kInline) {
    heap_marks.resize(n);
    marks = heap_marks.data();
  }
  for (size_t c = 0; c < n; ++c) {
    const auto& col = out.column(c);
    marks[c] = {col.num_slots(), col.num_values()};
  }
  // An empty span may have a null data pointer; the runner only compares pointers.
  static const uint8_t kEmpty = 0;
  const uint8_t* b = datum.empty() ? &kEmpty : datum.data();
  detail::State s{b, b, b + datum.size()};
  detail::Runner runner(plan, out);
  bool ok = runner.run(s, 0, plan.root_end);
  Status st;
  if (!ok) {
    st = invalid_data(detail::describe_error(plan, s));
  } else if (s.p != s.end && plan.options.reject_trailing_bytes) {
    st = invalid_data(fmt::format(
        "avro decode: byte {}: {} trailing bytes after the record (wrong writer schema or wire "
        "format?)",
        static_cast<size_t>(s.p - b), static_cast<size_t>(s.end - s.p)));
  }
  if (!st.ok()) {
    for (size_t c = 0; c < n; ++c) out.column(c).truncate(marks[c].slots, marks[c].values);
    return st;
  }
  out.finish_row();
  return Status();
}

}  // namespace lakestream::avro
