#include "parquet/column_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <type_traits>
#include <variant>

#include "parquet/dictionary.h"
#include "parquet/encoding.h"

namespace lakestream::parquet {

using columnar::ColumnBuffer;
using columnar::ColumnDescriptor;
using columnar::LogicalType;
using columnar::PhysicalType;

namespace {

// Slots per step of the append loop; pages are cut only between steps (and only at row starts).
constexpr size_t kStep = 256;
// After this many dictionary-encoded values of a chunk, a dictionary holding more than half of
// them as distinct entries is given up for PLAIN (parquet-mr checks the same at its first page):
// near-unique columns (timestamps, ids) gain nothing from it and pay a hash lookup per value.
constexpr int64_t kDictionaryProbeValues = 4096;

// --- sort orders (parquet.thrift ColumnOrder / "Sort order" in LogicalTypes.md) ---
struct SignedOrder {
  template <typename T>
  static bool less(T a, T b) {
    return a < b;
  }
};
struct UnsignedOrder {
  template <typename T>
  static bool less(T a, T b) {
    using U = std::make_unsigned_t<T>;
    return static_cast<U>(a) < static_cast<U>(b);
  }
};
struct BytesOrder {  // unsigned lexicographic (std::char_traits<char> compares as unsigned char)
  static bool less(std::string_view a, std::string_view b) { return a < b; }
};
struct DecimalBytesOrder {  // big-endian two's complement, any length
  static bool less(std::string_view a, std::string_view b) {
    size_t n = std::max(a.size(), b.size());
    auto byte_at = [n](std::string_view s, size_t i) -> int {
      size_t pad = n - s.size();
      bool neg = !s.empty() && (static_cast<uint8_t>(s[0]) & 0x80);
      int v = i < pad ? (neg ? 0xFF : 0) : static_cast<uint8_t>(s[i - pad]);
      if (i == 0) v = static_cast<int8_t>(static_cast<uint8_t>(v));
      return v;
    };
    for (size_t i = 0; i < n; ++i) {
      int x = byte_at(a, i), y = byte_at(b, i);
      if (x != y) return x < y;
    }
    return false;
  }
};

template <typename V>
constexpr bool kIsBytes = std::is_same_v<V, std::string_view>;

// Running min/max of one page or chunk, in a column's sort order.
template <typename V, typename Order>
struct MinMax {
  bool has = false;
  V min{}, max{};
  std::string min_s, max_s;  // owned storage when V is a string_view
  uint64_t min_prefix = 0, max_prefix = 0;

  void update(V v) {
    if constexpr (std::is_floating_point_v<V>) {
      if (std::isnan(v)) return;
    }
    if (!has) {
      has = true;
      set_min(v);
      set_max(v);
      return;
    }
    if constexpr (std::is_same_v<Order, BytesOrder>) {
      // Most values fall strictly between min and max: decide on an 8-byte big-endian prefix
      // and only compare whole strings when the prefixes tie.
      uint64_t p = prefix(v);
      if (p < min_prefix || (p == min_prefix && v < min)) set_min(v);
      if (p > max_prefix || (p == max_prefix && max < v)) set_max(v);
      return;
    }
    if (Order::less(v, min)) set_min(v);
    if (Order::less(max, v)) set_max(v);
  }
  static uint64_t prefix(std::string_view s) {
    uint64_t x = 0;
    std::memcpy(&x, s.data(), std::min<size_t>(8, s.size()));
    return __builtin_bswap64(x);
  }
  void merge(const MinMax& o) {
    if (!o.has) return;
    update(o.min);
    update(o.max);
  }
  void set_min(V v) {
    if constexpr (kIsBytes<V>) {
      min_s.assign(v);
      min = min_s;
      min_prefix = prefix(min);
    } else {
      min = v;
    }
  }
  void set_max(V v) {
    if constexpr (kIsBytes<V>) {
      max_s.assign(v);
      max = max_s;
      max_prefix = prefix(max);
    } else {
      max = v;
    }
  }
  void copy_from(const MinMax& o) {
    has = o.has;
    if (o.has) {
      set_min(o.min);
      set_max(o.max);
    }
  }
  void reset() {
    has = false;
    min_s.clear();
    max_s.clear();
  }
  // PLAIN form for Statistics/ColumnIndex; false when there is nothing exact to write.
  bool encode(size_t max_bytes, std::string* lo, std::string* hi) const {
    if (!has) return false;
    if constexpr (kIsBytes<V>) {
      if (min_s.size() > max_bytes || max_s.size() > max_bytes) return false;
      *lo = min_s;
      *hi = max_s;
    } else {
      V a = min, b = max;
      if constexpr (std::is_floating_point_v<V>) {
        // Readers may not know the sign of a zero bound: widen to -0 / +0 as the spec asks.
        if (a == 0) a = -static_cast<V>(0);
        if (b == 0) b = static_cast<V>(0);
      }
      lo->assign(reinterpret_cast<const char*>(&a), sizeof(V));
      hi->assign(reinterpret_cast<const char*>(&b), sizeof(V));
    }
    return true;
  }
};

template <PhysicalType P>
struct Phys;
template <>
struct Phys<PhysicalType::kBoolean> {
  using V = uint8_t;
};
template <>
struct Phys<PhysicalType::kInt32> {
  using V = int32_t;
};
template <>
struct Phys<PhysicalType::kInt64> {
  using V = int64_t;
};
template <>
struct Phys<PhysicalType::kFloat> {
  using V = float;
};
template <>
struct Phys<PhysicalType::kDouble> {
  using V = double;
};
template <>
struct Phys<PhysicalType::kByteArray> {
  using V = std::string_view;
};
template <>
struct Phys<PhysicalType::kFixedLenByteArray> {
  using V = std::string_view;
};

template <PhysicalType P, typename Order>
class TypedColumnWriter final : public ColumnChunkWriter {
  using V = typename Phys<P>::V;
  static constexpr bool kBytes = kIsBytes<V>;
  using Dict = std::conditional_t<kBytes, BytesDictionary, FixedDictionary<V>>;

 public:
  TypedColumnWriter(const ColumnDescriptor& desc, const ColumnWriterOptions& opt, Compressor* c)
      : desc_(desc),
        opt_(opt),
        compressor_(c),
        fixed_length_(desc.field->fixed_length),
        dict_(make_dict(desc.field->fixed_length)),
        def_width_(bit_width(static_cast<uint64_t>(desc.max_def))),
        rep_width_(bit_width(static_cast<uint64_t>(desc.max_rep))) {
    value_encoding_ = resolve_encoding(opt.encoding);
    dict_mode_ = value_encoding_ == enc::kRleDictionary;
  }

  Result<size_t> append(const ColumnBuffer& col, size_t slot_begin, size_t slot_end,
                        size_t value_begin) override {
    const int16_t* def = desc_.max_def > 0 ? col.def_levels().data() : nullptr;
    const int16_t* rep = desc_.max_rep > 0 ? col.rep_levels().data() : nullptr;
    size_t s = slot_begin, v = value_begin;
    while (s < slot_end) {
      size_t e = std::min(slot_end, s + kStep);
      if (rep) {
        while (e < slot_end && rep[e] != 0) ++e;
      }
      size_t n = e - s;
      size_t nv = n;
      if (def) {
        nv = 0;
        for (size_t k = s; k < e; ++k) nv += def[k] == desc_.max_def;
        def_page_.append(def + s, n * sizeof(int16_t));
      }
      size_t rows = n;
      if (rep) {
        rows = 0;
        for (size_t k = s; k < e; ++k) rows += rep[k] == 0;
        rep_page_.append(rep + s, n * sizeof(int16_t));
      }
      append_values(col, v, nv);
      if (dict_mode_) dict_values_ += static_cast<int64_t>(nv);
      page_slots_ += n;
      page_values_ += nv;
      page_rows_ += rows;
      chunk_rows_ += static_cast<int64_t>(rows);
      v += nv;
      s = e;
      bool mostly_distinct = false;
      if (dict_mode_ && !dict_probed_ && dict_values_ >= kDictionaryProbeValues) {
        dict_probed_ = true;
        mostly_distinct = static_cast<int64_t>(dict_.size()) * 2 > dict_values_;
      }
      if (dict_mode_ && (mostly_distinct || dict_.plain_size() > opt_.dictionary_page_size_limit)) {
        LS_RETURN_IF_ERROR(cut_page());
        dict_mode_ = false;  // PLAIN for the rest of this chunk
        plain_fallback_ = true;
      } else if (page_estimate() >= opt_.data_page_size) {
        LS_RETURN_IF_ERROR(cut_page());
      }
    }
    return v - value_begin;
  }

  size_t buffered_bytes() const override {
    return pages_.size() + headers_.size() + dict_.plain_size() + page_estimate();
  }
  size_t memory_bytes() const override {
    return sizeof(*this) + def_page_.capacity() + rep_page_.capacity() + values_.capacity() +
           indices_.capacity() * sizeof(uint32_t) + body_.capacity() + comp_.capacity() +
           header_.capacity() + pages_.capacity() + headers_.capacity() +
           page_spans_.capacity() * sizeof(PageSpan) +
           pages_loc_.capacity() * sizeof(PageLocation) +
           page_stats_.capacity() * sizeof(PageStats) + dict_.memory_bytes();
  }
  int64_t buffered_rows() const override { return chunk_rows_; }

  Status flush(ByteSink* sink, ColumnChunkMeta* meta) override {
    if (page_slots_ > 0) LS_RETURN_IF_ERROR(cut_page());
    *meta = ColumnChunkMeta();
    meta->type = P;
    meta->path = desc_.path;
    meta->codec = compressor_->codec();
    meta->num_values = chunk_slots_;
    int64_t start = static_cast<int64_t>(sink->position());
    int64_t dict_bytes = 0;
    int64_t uncompressed = uncompressed_;
    bool has_dict = dict_.size() > 0;
    if (has_dict) {
      body_.clear();
      dict_.encode_plain(body_);
      comp_.clear();
      LS_RETURN_IF_ERROR(compressor_->compress(body_.span(), comp_));
      header_.clear();
      write_dictionary_page_header(header_, static_cast<int32_t>(body_.size()),
                                   static_cast<int32_t>(comp_.size()),
                                   static_cast<int32_t>(dict_.size()));
      LS_RETURN_IF_ERROR(sink->write(header_.span()));
      LS_RETURN_IF_ERROR(sink->write(comp_.span()));
      dict_bytes = static_cast<int64_t>(header_.size() + comp_.size());
      uncompressed += static_cast<int64_t>(header_.size() + body_.size());
      meta->dictionary_page_offset = start;
      meta->encoding_stats.push_back({page_type::kDictionaryPage, enc::kPlain, 1});
    }
    meta->data_page_offset = start + dict_bytes;
    for (const auto& p : page_spans_) {
      LS_RETURN_IF_ERROR(sink->write({headers_.data() + p.header_at, p.header_len}));
      LS_RETURN_IF_ERROR(sink->write({pages_.data() + p.body_at, p.body_len}));
    }
    meta->total_compressed_size =
        dict_bytes + static_cast<int64_t>(pages_.size() + headers_.size());
    meta->total_uncompressed_size = uncompressed;

    // Encodings: values (+ PLAIN for the dictionary page / fallback), RLE for levels.
    std::vector<int32_t> encs;
    auto add = [&](int32_t e) {
      if (std::find(encs.begin(), encs.end(), e) == encs.end()) encs.push_back(e);
    };
    if (has_dict) add(enc::kPlain);
    for (const auto& [e, count] : data_page_encodings_) {
      add(e);
      meta->encoding_stats.push_back({page_type::kDataPage, e, count});
    }
    if (desc_.max_def > 0 || desc_.max_rep > 0 || encs.empty()) add(enc::kRle);
    meta->encodings = std::move(encs);

    meta->has_statistics = opt_.statistics;
    meta->null_count = chunk_nulls_;
    if (opt_.statistics) {
      meta->has_min_max =
          chunk_mm_.encode(opt_.statistics_max_bytes, &meta->min_value, &meta->max_value);
    }
    meta->pages = std::move(pages_loc_);
    for (auto& p : meta->pages) p.offset += meta->data_page_offset;
    meta->page_stats = std::move(page_stats_);
    meta->column_index_ok = opt_.statistics && column_index_ok_;
    meta->boundary_order = ascending_ ? 1 : descending_ ? 2 : 0;
    reset_chunk();
    return Status();
  }

 private:
  static Dict make_dict(int32_t fixed_length) {
    if constexpr (kBytes) {
      return Dict(P == PhysicalType::kFixedLenByteArray ? fixed_length : 0);
    } else {
      return Dict();
    }
  }

  int32_t resolve_encoding(Encoding e) const {
    switch (e) {
      case Encoding::kDictionary:
        return P == PhysicalType::kBoolean ? enc::kPlain : enc::kRleDictionary;
      case Encoding::kDeltaBinaryPacked:
        return P == PhysicalType::kInt32 || P == PhysicalType::kInt64 ? enc::kDeltaBinaryPacked
                                                                      : enc::kPlain;
      case Encoding::kByteStreamSplit:
        return P == PhysicalType::kFloat || P == PhysicalType::kDouble ? enc::kByteStreamSplit
                                                                       : enc::kPlain;
      case Encoding::kPlain:
        return enc::kPlain;
    }
    return enc::kPlain;
  }

  V get(const ColumnBuffer& col, size_t i) const {
    if constexpr (P == PhysicalType::kByteArray) {
      return col.bytes_at(i);
    } else if constexpr (P == PhysicalType::kFixedLenByteArray) {
      return {reinterpret_cast<const char*>(col.fixed().data()) + i * fixed_length_,
              static_cast<size_t>(fixed_length_)};
    } else {
      V x;
      std::memcpy(&x, col.fixed().data() + i * sizeof(V), sizeof(V));
      return x;
    }
  }

  void append_values(const ColumnBuffer& col, size_t v, size_t nv) {
    if (nv == 0) return;
    if (opt_.statistics) {
      for (size_t i = v; i < v + nv; ++i) page_mm_.update(get(col, i));
    }
    if (dict_mode_) {
      size_t old = indices_.size();
      indices_.resize(old + nv);
      uint32_t* out = indices_.data() + old;
      for (size_t i = 0; i < nv; ++i) out[i] = dict_.insert(get(col, v + i));
      return;
    }
    if constexpr (P == PhysicalType::kByteArray) {
      for (size_t i = v; i < v + nv; ++i) {
        auto s = col.bytes_at(i);
        values_.append_value(static_cast<uint32_t>(s.size()));
        values_.append(s);
      }
    } else if constexpr (P == PhysicalType::kFixedLenByteArray) {
      values_.append(col.fixed().data() + v * fixed_length_, nv * fixed_length_);
    } else {
      values_.append(col.fixed().data() + v * sizeof(V), nv * sizeof(V));
    }
  }

  size_t page_estimate() const {
    size_t levels = (page_slots_ * static_cast<size_t>(def_width_ + rep_width_) + 7) / 8;
    if (dict_mode_) {
      int w = std::max(1, bit_width(dict_.size()));
      return levels + (indices_.size() * static_cast<size_t>(w) + 7) / 8;
    }
    if constexpr (P == PhysicalType::kBoolean) return levels + values_.size() / 8;
    return levels + values_.size();
  }

  void encode_levels(const Buffer& levels, int width, Buffer& out) {
    size_t at = out.size();
    out.append_value<uint32_t>(0);
    rle_hybrid_encode_levels(levels.as<int16_t>(), width, out);
    auto len = static_cast<uint32_t>(out.size() - at - 4);
    std::memcpy(out.data() + at, &len, 4);
  }

  Status cut_page() {
    body_.clear();
    if (desc_.max_rep > 0) encode_levels(rep_page_, rep_width_, body_);
    if (desc_.max_def > 0) encode_levels(def_page_, def_width_, body_);
    int32_t encoding = value_encoding_;
    bool plain = false;
    if (dict_mode_ && dict_.size() > 0) {
      int w = std::max(1, bit_width(dict_.size() - 1));
      body_.push_back(static_cast<uint8_t>(w));
      rle_hybrid_encode({indices_.data(), indices_.size()}, w, body_);
    } else if (dict_mode_ || plain_fallback_) {
      encoding = enc::kPlain;  // no values yet (all null), or after the dictionary overflowed
      plain = true;
    } else if (value_encoding_ == enc::kDeltaBinaryPacked) {
      if constexpr (std::is_same_v<V, int32_t> || std::is_same_v<V, int64_t>)
        delta_binary_packed_encode(values_.as<V>(), body_);
    } else if (value_encoding_ == enc::kByteStreamSplit) {
      byte_stream_split_encode(values_.span(), sizeof(V), body_);
    } else {
      plain = true;
    }
    std::span<const uint8_t> body = body_.span();
    if (plain) {
      if (P != PhysicalType::kBoolean && body_.empty()) {
        body = values_.span();  // a required column's PLAIN page is just its values: no copy
      } else {
        encode_plain_values();
        body = body_.span();
      }
    }
    // Compressed straight into the chunk's page store; the header goes to its own store because
    // its length depends on the compressed size.
    size_t body_at = pages_.size();
    LS_RETURN_IF_ERROR(compressor_->compress(body, pages_));
    size_t comp_size = pages_.size() - body_at;
    if (body.size() > INT32_MAX || comp_size > INT32_MAX)
      return invalid_argument("parquet: page over 2 GiB in column " + desc_.dotted_path());
    size_t header_at = headers_.size();
    write_data_page_header(headers_, static_cast<int32_t>(body.size()),
                           static_cast<int32_t>(comp_size), static_cast<int32_t>(page_slots_),
                           encoding, true);
    size_t header_len = headers_.size() - header_at;
    page_spans_.push_back({header_at, header_len, body_at, comp_size});
    PageLocation loc;
    loc.offset = static_cast<int64_t>(header_at + body_at);  // relative to the first data page
    loc.compressed_page_size = static_cast<int32_t>(header_len + comp_size);
    loc.first_row_index = chunk_rows_ - static_cast<int64_t>(page_rows_);
    pages_loc_.push_back(loc);
    uncompressed_ += static_cast<int64_t>(header_len + body.size());
    ++data_page_encodings_[encoding];

    PageStats ps;
    ps.null_count = static_cast<int64_t>(page_slots_ - page_values_);
    ps.null_page = page_values_ == 0;
    if (!ps.null_page && !page_mm_.encode(opt_.statistics_max_bytes, &ps.min, &ps.max)) {
      column_index_ok_ = false;  // e.g. only NaNs, or a value too long to bound exactly
    }
    page_stats_.push_back(std::move(ps));
    if (page_mm_.has) {
      // BoundaryOrder: ascending/descending when consecutive non-null pages' min and max both
      // move that way (or stay).
      if (prev_page_mm_.has) {
        if (Order::less(page_mm_.min, prev_page_mm_.min) ||
            Order::less(page_mm_.max, prev_page_mm_.max))
          ascending_ = false;
        if (Order::less(prev_page_mm_.min, page_mm_.min) ||
            Order::less(prev_page_mm_.max, page_mm_.max))
          descending_ = false;
      }
      prev_page_mm_.copy_from(page_mm_);
    }
    chunk_mm_.merge(page_mm_);
    page_mm_.reset();
    chunk_nulls_ += static_cast<int64_t>(page_slots_ - page_values_);
    chunk_slots_ += static_cast<int64_t>(page_slots_);

    def_page_.clear();
    rep_page_.clear();
    indices_.clear();
    values_.clear();
    page_slots_ = page_values_ = page_rows_ = 0;
    return Status();
  }

  void encode_plain_values() {
    if constexpr (P == PhysicalType::kBoolean) {
      plain_encode_bools(values_.span(), body_);
    } else {
      body_.append(values_.data(), values_.size());
    }
  }

  void reset_chunk() {
    pages_.clear();
    headers_.clear();
    page_spans_.clear();
    pages_loc_.clear();
    page_stats_.clear();
    data_page_encodings_.clear();
    dict_.clear();
    dict_mode_ = value_encoding_ == enc::kRleDictionary;
    plain_fallback_ = false;
    dict_values_ = 0;
    dict_probed_ = false;
    chunk_mm_.reset();
    chunk_nulls_ = chunk_slots_ = chunk_rows_ = uncompressed_ = 0;
    column_index_ok_ = true;
    prev_page_mm_.reset();
    ascending_ = descending_ = true;
  }

  const ColumnDescriptor& desc_;
  ColumnWriterOptions opt_;
  Compressor* compressor_;
  size_t fixed_length_;
  Dict dict_;
  int def_width_, rep_width_;
  int32_t value_encoding_ = enc::kPlain;
  bool dict_mode_ = false;
  bool plain_fallback_ = false;
  int64_t dict_values_ = 0;   // values dictionary-encoded in this chunk
  bool dict_probed_ = false;  // kDictionaryProbeValues check done for this chunk

  // Open page.
  Buffer def_page_, rep_page_, values_;
  std::vector<uint32_t> indices_;
  size_t page_slots_ = 0, page_values_ = 0, page_rows_ = 0;
  MinMax<V, Order> page_mm_;

  // Scratch reused for every page.
  Buffer body_, comp_, header_;

  // Finished pages of this chunk.
  struct PageSpan {
    size_t header_at, header_len, body_at, body_len;
  };
  Buffer pages_;    // compressed page bodies
  Buffer headers_;  // their page headers
  std::vector<PageSpan> page_spans_;
  std::vector<PageLocation> pages_loc_;
  std::vector<PageStats> page_stats_;
  std::map<int32_t, int32_t> data_page_encodings_;
  MinMax<V, Order> chunk_mm_;
  int64_t chunk_nulls_ = 0, chunk_slots_ = 0, chunk_rows_ = 0, uncompressed_ = 0;
  bool column_index_ok_ = true;
  MinMax<V, Order> prev_page_mm_;
  bool ascending_ = true, descending_ = true;
};

template <PhysicalType P, typename Order>
std::unique_ptr<ColumnChunkWriter> make_typed(const ColumnDescriptor& d,
                                              const ColumnWriterOptions& o, Compressor* c) {
  return std::make_unique<TypedColumnWriter<P, Order>>(d, o, c);
}

}  // namespace

std::unique_ptr<ColumnChunkWriter> ColumnChunkWriter::make(const ColumnDescriptor& desc,
                                                           const ColumnWriterOptions& options,
                                                           Compressor* compressor) {
  const auto& f = *desc.field;
  bool is_unsigned = f.logical == LogicalType::kUInt8 || f.logical == LogicalType::kUInt16 ||
                     f.logical == LogicalType::kUInt32 || f.logical == LogicalType::kUInt64;
  switch (f.physical) {
    case PhysicalType::kBoolean:
      return make_typed<PhysicalType::kBoolean, SignedOrder>(desc, options, compressor);
    case PhysicalType::kInt32:
      return is_unsigned
                 ? make_typed<PhysicalType::kInt32, UnsignedOrder>(desc, options, compressor)
                 : make_typed<PhysicalType::kInt32, SignedOrder>(desc, options, compressor);
    case PhysicalType::kInt64:
      return is_unsigned
                 ? make_typed<PhysicalType::kInt64, UnsignedOrder>(desc, options, compressor)
                 : make_typed<PhysicalType::kInt64, SignedOrder>(desc, options, compressor);
    case PhysicalType::kFloat:
      return make_typed<PhysicalType::kFloat, SignedOrder>(desc, options, compressor);
    case PhysicalType::kDouble:
      return make_typed<PhysicalType::kDouble, SignedOrder>(desc, options, compressor);
    case PhysicalType::kByteArray:
      return f.logical == LogicalType::kDecimal
                 ? make_typed<PhysicalType::kByteArray, DecimalBytesOrder>(desc, options,
                                                                           compressor)
                 : make_typed<PhysicalType::kByteArray, BytesOrder>(desc, options, compressor);
    case PhysicalType::kFixedLenByteArray:
      return f.logical == LogicalType::kDecimal
                 ? make_typed<PhysicalType::kFixedLenByteArray, DecimalBytesOrder>(desc, options,
                                                                                   compressor)
                 : make_typed<PhysicalType::kFixedLenByteArray, BytesOrder>(desc, options,
                                                                            compressor);
  }
  return nullptr;
}

}  // namespace lakestream::parquet
