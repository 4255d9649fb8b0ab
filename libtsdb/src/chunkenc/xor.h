// Gorilla XOR chunks, byte-identical to Prometheus' chunkenc.XORChunk:
//   2 bytes big-endian sample count, then a bit stream:
//   sample 0: varint t, 64-bit value; sample 1: uvarint t delta, XOR value;
//   later samples: delta-of-delta timestamps in 0/14/17/20/64-bit buckets and
//   XOR-compressed values (5-bit leading zeros capped at 31, 6-bit length).
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "promlite/tsdb/sample.h"
#include "chunkenc/bstream.h"

namespace promlite::tsdb::chunkenc {

enum class Encoding : uint8_t { kNone = 0, kXOR = 1, kHistogram = 2, kFloatHistogram = 3 };

// Prometheus cuts head chunks at this many samples (and on time boundaries).
inline constexpr int kSamplesPerChunk = 120;

// The sample count stored in a chunk's first two bytes.
inline uint16_t XorNumSamples(const uint8_t* b, size_t n) {
  return n < 2 ? 0 : static_cast<uint16_t>((b[0] << 8) | b[1]);
}

// Appends samples to a chunk held in a byte vector. Only chunks started by an
// appender are appended to: after a restart the head rebuilds its open chunk
// by replaying the WAL, as Prometheus does.
class XorAppender {
 public:
  XorAppender() = default;
  // Starts a new, empty chunk in *bytes (cleared).
  static XorAppender New(std::vector<uint8_t>* bytes);

  void Append(Timestamp t, double v);
  uint16_t num_samples() const { return num_; }

 private:
  void WriteValue(double v);

  std::vector<uint8_t>* b_ = nullptr;
  BitWriter w_{nullptr};
  uint16_t num_ = 0;
  Timestamp t_ = 0;
  uint64_t t_delta_ = 0;
  uint64_t v_bits_ = 0;
  uint8_t leading_ = 0xff;
  uint8_t trailing_ = 0;
};

// Decoder state, kept in one struct so the batch loop can hold a local copy
// in registers.
struct XorState {
  BitReader r;
  Timestamp t = 0;
  int64_t t_delta = 0;
  uint64_t v_bits = 0;
  uint8_t leading = 0;
  uint8_t trailing = 0;

  // Decodes one sample after the first two. Returns false on truncation.
  inline bool DecodeSteady() {
    r.Fill();
    if (r.valid() >= 57) {
      // Fast path: the timestamp part needs at most 4 + 20 bits unless it is
      // a 64-bit delta-of-delta, so it can be taken from the buffer unchecked.
      uint64_t b = r.peek();
      if ((b >> 63) == 0) {
        r.consume(1);
      } else {
        int ones = __builtin_clzll(~b);
        if (ones >= 4) return DecodeSteadySlow();
        static constexpr int kSizes[4] = {0, 14, 17, 20};
        int sz = kSizes[ones];
        uint64_t bits = (b << (ones + 1)) >> (64 - sz);
        r.consume(ones + 1 + sz);
        if (bits > (uint64_t{1} << (sz - 1))) bits -= uint64_t{1} << sz;
        t_delta += static_cast<int64_t>(bits);
      }
      t += t_delta;
      return DecodeValueFast();
    }
    return DecodeSteadySlow();
  }

  inline bool DecodeValueFast() {
    if (r.valid() < 2 + 11) r.Fill();
    if (r.valid() < 2 + 11) return DecodeValue();
    uint64_t b = r.peek();
    if ((b >> 63) == 0) {
      r.consume(1);
      return true;
    }
    if ((b >> 62) == 0b11) {
      uint64_t lead = (b >> 57) & 31, sig = (b >> 51) & 63;
      if (sig == 0) sig = 64;
      if (lead + sig > 64) return false;
      leading = static_cast<uint8_t>(lead);
      trailing = static_cast<uint8_t>(64 - lead - sig);
      r.consume(13);
    } else {
      r.consume(2);
    }
    uint64_t bits;
    if (!r.ReadBits(64 - leading - trailing, &bits)) return false;
    v_bits ^= bits << trailing;
    return true;
  }

  bool DecodeSteadySlow() {
    int ones;
    if (!r.ReadOnesPrefix(4, &ones)) return false;
    if (ones != 0) {
      static constexpr int kSizes[5] = {0, 14, 17, 20, 64};
      int sz = kSizes[ones];
      uint64_t bits;
      if (!r.ReadBits(sz, &bits)) return false;
      if (sz != 64 && bits > (uint64_t{1} << (sz - 1))) {
        // Negative numbers come back as large unsigned ones.
        bits -= uint64_t{1} << sz;
      }
      t_delta += static_cast<int64_t>(bits);
    }
    t += t_delta;
    return DecodeValue();
  }

  inline bool DecodeValue() {
    bool bit;
    if (!r.ReadBit(&bit)) return false;
    if (!bit) return true;  // value unchanged
    if (!r.ReadBit(&bit)) return false;
    if (bit) {
      uint64_t hdr;
      if (!r.ReadBits(11, &hdr)) return false;
      uint64_t lead = hdr >> 6, sig = hdr & 63;
      if (sig == 0) sig = 64;
      if (lead + sig > 64) return false;
      leading = static_cast<uint8_t>(lead);
      trailing = static_cast<uint8_t>(64 - lead - sig);
    }
    uint64_t bits;
    if (!r.ReadBits(64 - leading - trailing, &bits)) return false;
    v_bits ^= bits << trailing;
    return true;
  }
};

// Iterates a chunk's samples. Cheap to construct; keeps a view of the bytes.
class XorIterator {
 public:
  XorIterator() = default;
  XorIterator(const uint8_t* b, size_t n) { Reset(b, n); }
  void Reset(const uint8_t* b, size_t n);

  bool Next() {
    if (num_read_ >= num_total_) return false;
    if (num_read_ >= 2) {
      if (!s_.DecodeSteady()) return Fail("XOR chunk: truncated sample");
      num_read_++;
      return true;
    }
    return NextFirst();
  }
  // Moves to the first sample with timestamp >= t (never backwards).
  bool Seek(Timestamp t);
  Timestamp t() const { return s_.t; }
  double v() const { return std::bit_cast<double>(s_.v_bits); }
  uint16_t num_samples() const { return num_total_; }
  const absl::Status& err() const { return err_; }

  // Decodes every remaining sample with t <= maxt into out. The first sample
  // after maxt is consumed (the iterator is positioned on it).
  void ReadUntil(Timestamp maxt, std::vector<Sample>* out);

 private:
  bool NextFirst();
  bool Fail(const char* what);

  XorState s_;
  uint16_t num_total_ = 0;
  uint16_t num_read_ = 0;
  absl::Status err_;
};

}  // namespace promlite::tsdb::chunkenc
