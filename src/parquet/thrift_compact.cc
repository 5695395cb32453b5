#include "parquet/thrift_compact.h"

namespace lakestream::parquet::thrift {

void put_uvarint(Buffer& out, uint64_t v) {
  uint8_t* p = out.prepare(10);
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<uint8_t>(v) | 0x80;
    v >>= 7;
  }
  p[n++] = static_cast<uint8_t>(v);
  out.commit(n);
}

void CompactWriter::field_header(int16_t id, CType t) {
  int delta = id - last_id_;
  if (delta > 0 && delta <= 15) {
    out_->push_back(static_cast<uint8_t>((delta << 4) | static_cast<uint8_t>(t)));
  } else {
    out_->push_back(static_cast<uint8_t>(t));
    put_uvarint(*out_, zigzag(id));
  }
  last_id_ = id;
}

void CompactWriter::list_header(CType elem, size_t size) {
  if (size < 15) {
    out_->push_back(static_cast<uint8_t>((size << 4) | static_cast<uint8_t>(elem)));
  } else {
    out_->push_back(static_cast<uint8_t>(0xF0 | static_cast<uint8_t>(elem)));
    put_uvarint(*out_, size);
  }
}

namespace {

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> d) : d_(d) {}
  size_t pos() const { return pos_; }

  Status read_struct(ThriftValue* out, int depth) {
    if (depth > 64) return invalid_data("thrift: nesting too deep");
    out->type = CType::kStruct;
    int16_t last = 0;
    while (true) {
      uint8_t b = 0;
      LS_RETURN_IF_ERROR(byte(&b));
      if (b == 0) return Status();
      auto t = static_cast<CType>(b & 0x0F);
      int16_t id;
      if ((b >> 4) != 0) {
        id = static_cast<int16_t>(last + (b >> 4));
      } else {
        int64_t v;
        LS_RETURN_IF_ERROR(svarint(&v));
        id = static_cast<int16_t>(v);
      }
      last = id;
      ThriftValue v;
      v.id = id;
      if (t == CType::kTrue || t == CType::kFalse) {
        v.type = CType::kTrue;
        v.i = t == CType::kTrue ? 1 : 0;
      } else {
        LS_RETURN_IF_ERROR(read_value(t, &v, depth));
      }
      out->elems.push_back(std::move(v));
    }
  }

 private:
  Status byte(uint8_t* b) {
    if (pos_ >= d_.size())
      return invalid_data("thrift: truncated at offset " + std::to_string(pos_));
    *b = d_[pos_++];
    return Status();
  }
  Status uvarint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t b = 0;
      LS_RETURN_IF_ERROR(byte(&b));
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (!(b & 0x80)) {
        *out = v;
        return Status();
      }
    }
    return invalid_data("thrift: varint too long at offset " + std::to_string(pos_));
  }
  Status svarint(int64_t* out) {
    uint64_t u;
    LS_RETURN_IF_ERROR(uvarint(&u));
    *out = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    return Status();
  }
  Status size_check(uint64_t n, size_t min_each) {
    if (n > (d_.size() - pos_) / (min_each ? min_each : 1) + (min_each ? 0 : 0))
      return invalid_data("thrift: container size " + std::to_string(n) + " exceeds input");
    return Status();
  }
  Status read_value(CType t, ThriftValue* v, int depth) {
    v->type = t;
    switch (t) {
      case CType::kTrue:
      case CType::kFalse: {  // list element bool
        uint8_t b = 0;
        LS_RETURN_IF_ERROR(byte(&b));
        v->type = CType::kTrue;
        v->i = b == 1;
        return Status();
      }
      case CType::kByte: {
        uint8_t b = 0;
        LS_RETURN_IF_ERROR(byte(&b));
        v->i = static_cast<int8_t>(b);
        return Status();
      }
      case CType::kI16:
      case CType::kI32:
      case CType::kI64:
        return svarint(&v->i);
      case CType::kDouble: {
        if (d_.size() - pos_ < 8) return invalid_data("thrift: truncated double");
        std::memcpy(&v->d, d_.data() + pos_, 8);
        pos_ += 8;
        return Status();
      }
      case CType::kBinary: {
        uint64_t n;
        LS_RETURN_IF_ERROR(uvarint(&n));
        if (n > d_.size() - pos_) return invalid_data("thrift: binary length exceeds input");
        v->bin.assign(reinterpret_cast<const char*>(d_.data() + pos_), n);
        pos_ += n;
        return Status();
      }
      case CType::kList:
      case CType::kSet: {
        if (depth > 64) return invalid_data("thrift: nesting too deep");
        uint8_t h;
        LS_RETURN_IF_ERROR(byte(&h));
        uint64_t n = h >> 4;
        auto et = static_cast<CType>(h & 0x0F);
        if (n == 15) LS_RETURN_IF_ERROR(uvarint(&n));
        LS_RETURN_IF_ERROR(size_check(n, 1));
        v->elems.resize(n);
        for (auto& e : v->elems) LS_RETURN_IF_ERROR(read_value(et, &e, depth + 1));
        return Status();
      }
      case CType::kMap: {
        if (depth > 64) return invalid_data("thrift: nesting too deep");
        uint64_t n;
        LS_RETURN_IF_ERROR(uvarint(&n));
        if (n == 0) return Status();
        uint8_t kv;
        LS_RETURN_IF_ERROR(byte(&kv));
        LS_RETURN_IF_ERROR(size_check(n, 2));
        v->elems.resize(2 * n);
        for (size_t k = 0; k < 2 * n; k += 2) {
          LS_RETURN_IF_ERROR(read_value(static_cast<CType>(kv >> 4), &v->elems[k], depth + 1));
          LS_RETURN_IF_ERROR(
              read_value(static_cast<CType>(kv & 0x0F), &v->elems[k + 1], depth + 1));
        }
        return Status();
      }
      case CType::kStruct:
        return read_struct(v, depth + 1);
      default:
        return invalid_data("thrift: unknown type " + std::to_string(static_cast<int>(t)) +
                            " at offset " + std::to_string(pos_));
    }
  }

  std::span<const uint8_t> d_;
  size_t pos_ = 0;
};

}  // namespace

Result<ThriftValue> read_struct(std::span<const uint8_t> data, size_t* consumed) {
  Reader r(data);
  ThriftValue v;
  LS_RETURN_IF_ERROR(r.read_struct(&v, 0));
  if (consumed) *consumed = r.pos();
  return v;
}

}  // namespace lakestream::parquet::thrift
