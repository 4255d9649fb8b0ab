// Bit streams for the Gorilla chunk encodings: most significant bit first,
// exactly as Prometheus' bstream, so chunks are byte-identical.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace promlite::tsdb::chunkenc {

// Appends bits to a byte vector. The last byte may be partially filled;
// `free_bits_` says how many of its low bits are still unused.
class BitWriter {
 public:
  explicit BitWriter(std::vector<uint8_t>* out, int free_bits = 0) : out_(out), free_bits_(free_bits) {}

  void WriteBit(bool bit) {
    if (free_bits_ == 0) {
      out_->push_back(0);
      free_bits_ = 8;
    }
    free_bits_--;
    if (bit) out_->back() |= static_cast<uint8_t>(1u << free_bits_);
  }

  // Writes the low `nbits` bits of `v`, most significant first.
  void WriteBits(uint64_t v, int nbits) {
    if (nbits == 0) return;
    if (nbits < 64) v &= (uint64_t{1} << nbits) - 1;
    // Fill the partial byte first.
    if (free_bits_ > 0) {
      int take = nbits < free_bits_ ? nbits : free_bits_;
      uint64_t part = v >> (nbits - take);
      free_bits_ -= take;
      out_->back() |= static_cast<uint8_t>(part << free_bits_);
      nbits -= take;
      if (nbits == 0) return;
      v &= nbits < 64 ? (uint64_t{1} << nbits) - 1 : ~uint64_t{0};
    }
    while (nbits >= 8) {
      nbits -= 8;
      out_->push_back(static_cast<uint8_t>(v >> nbits));
    }
    if (nbits > 0) {
      out_->push_back(static_cast<uint8_t>(v << (8 - nbits)));
      free_bits_ = 8 - nbits;
    }
  }

  void WriteByte(uint8_t b) { WriteBits(b, 8); }
  // The bit-sink interface of XorEncoder (chunkenc/xor_encoder.h).
  void Put(uint64_t v, int nbits) { WriteBits(v, nbits); }
  int free_bits() const { return free_bits_; }

 private:
  std::vector<uint8_t>* out_;
  int free_bits_;
};

// Reads bits MSB first from a byte range, buffering up to 64 bits so the
// common read is a shift and a mask. Bits of the buffer below `valid_` may
// hold the next input bits already: a refill ORs the same bits at the same
// position again, which leaves them unchanged.
class BitReader {
 public:
  BitReader() = default;
  BitReader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  // Resumes from raw state saved with the accessors below (see xor.cc's
  // register-resident decoder, which shares this buffer layout).
  BitReader(const uint8_t* p, const uint8_t* end, uint64_t buf, int valid)
      : p_(p), end_(end), buf_(buf), valid_(valid) {}
  const uint8_t* raw_pos() const { return p_; }
  const uint8_t* raw_end() const { return end_; }
  uint64_t raw_buf() const { return buf_; }

  bool ReadBit(bool* bit) {
    if (valid_ == 0) {
      Refill();
      if (valid_ == 0) return false;
    }
    *bit = (buf_ >> 63) != 0;
    buf_ <<= 1;
    valid_--;
    return true;
  }

  // Reads nbits (0..64) bits into the low bits of *v.
  bool ReadBits(int nbits, uint64_t* v) {
    if (nbits > 56) {
      uint64_t hi, lo;
      if (!ReadBits(nbits - 32, &hi) || !ReadBits(32, &lo)) return false;
      *v = (hi << 32) | lo;
      return true;
    }
    if (nbits == 0) {
      *v = 0;
      return true;
    }
    if (valid_ < nbits) {
      Refill();
      if (valid_ < nbits) return false;
    }
    *v = buf_ >> (64 - nbits);
    buf_ <<= nbits;
    valid_ -= nbits;
    return true;
  }

  // Counts leading one bits, up to `max` (<= 8), consuming them and the
  // terminating zero when fewer than `max` ones were seen.
  bool ReadOnesPrefix(int max, int* ones) {
    if (valid_ < max) {
      Refill();
      if (valid_ < max) return ReadOnesSlow(max, ones);
    }
    uint64_t inv = ~buf_;
    int n = inv == 0 ? 64 : __builtin_clzll(inv);
    int used;
    if (n >= max) {
      n = max;
      used = max;
    } else {
      used = n + 1;
    }
    buf_ <<= used;
    valid_ -= used;
    *ones = n;
    return true;
  }

  // Raw access for decoders with a hand-written fast path: after Fill(), at
  // least 56 bits are buffered unless the input is nearly exhausted.
  void Fill() {
    if (valid_ < 56) Refill();
  }
  int valid() const { return valid_; }
  uint64_t peek() const { return buf_; }
  void consume(int n) {
    buf_ <<= n;
    valid_ -= n;
  }

  // Reads a Go-style unsigned varint from the bit stream.
  bool ReadUvarint(uint64_t* out) {
    uint64_t x = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      uint64_t b;
      if (!ReadBits(8, &b)) return false;
      if (shift == 63 && b > 1) return false;  // overflow
      x |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = x;
        return true;
      }
    }
    return false;
  }

  bool ReadVarint(int64_t* out) {
    uint64_t ux;
    if (!ReadUvarint(&ux)) return false;
    int64_t x = static_cast<int64_t>(ux >> 1);
    if (ux & 1) x = ~x;
    *out = x;
    return true;
  }

 private:
  // Brings the buffer to 56..63 valid bits when enough input remains.
  void Refill() {
    if (end_ - p_ >= 8) {
      uint64_t w;
      std::memcpy(&w, p_, 8);
      w = __builtin_bswap64(w);
      buf_ |= w >> valid_;
      int bytes = (63 - valid_) >> 3;
      p_ += bytes;
      valid_ += bytes * 8;
      return;
    }
    // Stop below 64 valid bits: the word refill above (and xor.cc's decoder,
    // which resumes from this state) shifts by `valid_`.
    while (valid_ < 56 && p_ < end_) {
      buf_ |= static_cast<uint64_t>(*p_++) << (56 - valid_);
      valid_ += 8;
    }
  }

  bool ReadOnesSlow(int max, int* ones) {
    int n = 0;
    while (n < max) {
      bool bit;
      if (!ReadBit(&bit)) return false;
      if (!bit) break;
      n++;
    }
    *ones = n;
    return true;
  }

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t buf_ = 0;
  int valid_ = 0;
};

}  // namespace promlite::tsdb::chunkenc
