// Byte-level encoding of Prometheus' TSDB files: big-endian fixed-width
// integers, (zig-zag) varints, length-prefixed strings. Decoding keeps a
// sticky error so a caller checks once after a sequence of reads; a
// truncated or garbled input can never read out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace promlite::tsdb::index {

class Encbuf {
 public:
  void Reset() { b_.clear(); }
  std::string& str() { return b_; }
  const std::string& str() const { return b_; }
  size_t size() const { return b_.size(); }

  void PutByte(uint8_t c) { b_.push_back(static_cast<char>(c)); }
  void PutBE32(uint32_t v) {
    char t[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                 static_cast<char>(v)};
    b_.append(t, 4);
  }
  void PutBE64(uint64_t v) {
    PutBE32(static_cast<uint32_t>(v >> 32));
    PutBE32(static_cast<uint32_t>(v));
  }
  void PutUvarint(uint64_t v) {
    while (v >= 0x80) {
      b_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    b_.push_back(static_cast<char>(v));
  }
  void PutVarint(int64_t v) { PutUvarint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void PutUvarintStr(std::string_view s) {
    PutUvarint(s.size());
    b_.append(s.data(), s.size());
  }
  void PutBytes(std::string_view s) { b_.append(s.data(), s.size()); }

 private:
  std::string b_;
};

inline uint32_t BE32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline uint64_t BE64(const uint8_t* p) { return (uint64_t{BE32(p)} << 32) | BE32(p + 4); }
inline void PutBE32At(std::string* s, size_t pos, uint32_t v) {
  (*s)[pos] = static_cast<char>(v >> 24);
  (*s)[pos + 1] = static_cast<char>(v >> 16);
  (*s)[pos + 2] = static_cast<char>(v >> 8);
  (*s)[pos + 3] = static_cast<char>(v);
}

class Decbuf {
 public:
  Decbuf() = default;
  Decbuf(const uint8_t* p, size_t n) : p_(p), n_(n) {}
  explicit Decbuf(std::string_view s) : p_(reinterpret_cast<const uint8_t*>(s.data())), n_(s.size()) {}

  bool ok() const { return ok_; }
  size_t len() const { return n_; }
  const uint8_t* ptr() const { return p_; }
  void Fail() {
    ok_ = false;
    n_ = 0;
  }

  uint8_t Byte() {
    if (n_ < 1) return Fail(), 0;
    uint8_t v = *p_;
    Advance(1);
    return v;
  }
  uint32_t Be32() {
    if (n_ < 4) return Fail(), 0;
    uint32_t v = BE32(p_);
    Advance(4);
    return v;
  }
  uint64_t Be64() {
    if (n_ < 8) return Fail(), 0;
    uint64_t v = BE64(p_);
    Advance(8);
    return v;
  }
  uint64_t Uvarint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (n_ == 0) return Fail(), 0;
      uint8_t c = *p_;
      Advance(1);
      if (shift == 63 && c > 1) return Fail(), 0;
      v |= uint64_t{c & 0x7fu} << shift;
      if (c < 0x80) return v;
    }
    return Fail(), 0;
  }
  int64_t Varint() {
    uint64_t u = Uvarint();
    return static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  }
  std::string_view UvarintStr() {
    uint64_t l = Uvarint();
    if (!ok_ || l > n_) return Fail(), std::string_view();
    std::string_view s(reinterpret_cast<const char*>(p_), static_cast<size_t>(l));
    Advance(static_cast<size_t>(l));
    return s;
  }
  void Skip(size_t l) {
    if (l > n_) return Fail();
    Advance(l);
  }

 private:
  void Advance(size_t k) {
    p_ += k;
    n_ -= k;
  }
  const uint8_t* p_ = nullptr;
  size_t n_ = 0;
  bool ok_ = true;
};

inline size_t UvarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

}  // namespace promlite::tsdb::index
