// The Gorilla XOR encoder's per-sample step, written once for every place
// that produces XOR chunks (see xor.h for the format). The bit destination is
// a template parameter: anything with
//   void Put(uint64_t bits, int n);   // 1 <= n <= 64
// that appends the low `n` bits of `bits`, most significant first. Callers
// always pass `bits` with nothing set above bit n-1.
#pragma once

#include <bit>
#include <cstdint>

#include "promlite/tsdb/sample.h"

namespace promlite::tsdb::chunkenc {

// Whether x fits the delta-of-delta bucket of `nbits` bits. The range is
// asymmetric, [-(2^(n-1)-1), 2^(n-1)], as in Prometheus' encoder.
inline bool XorDodFits(int64_t x, int nbits) {
  return -((int64_t{1} << (nbits - 1)) - 1) <= x && x <= (int64_t{1} << (nbits - 1));
}

// Encoder state after `num` samples, without the last sample itself: the
// head keeps that in its series (as the newest time and value), so the open
// chunk does not store it twice. XorEncoder below adds it back.
struct XorEncoderCore {
  uint64_t t_delta = 0;    // last time delta
  uint16_t num = 0;        // samples so far
  uint8_t leading = 0xff;  // XOR window of the last '11' value (0xff: none yet)
  uint8_t trailing = 0;

  // User-provided, so a class deriving from this one may place its own small
  // fields in the tail padding (the head's open chunk does).
  XorEncoderCore() noexcept {}

  // Writes one sample after (prev_t, prev_vbits), which are ignored for the
  // first sample. The caller checks ts > prev_t; the sample count in the
  // chunk's first two bytes is the caller's to update.
  template <class Sink>
  void Append(Sink& s, Timestamp prev_t, uint64_t prev_vbits, Timestamp ts, double v) {
    uint64_t vb = std::bit_cast<uint64_t>(v);
    if (num == 0) {
      PutVarint(s, ts);
      s.Put(vb, 64);
    } else if (num == 1) {
      t_delta = static_cast<uint64_t>(ts - prev_t);
      PutUvarint(s, t_delta);
      PutValue(s, prev_vbits, vb);
    } else {
      uint64_t delta = static_cast<uint64_t>(ts - prev_t);
      int64_t dod = static_cast<int64_t>(delta - t_delta);
      if (dod == 0) {
        s.Put(0, 1);
      } else if (XorDodFits(dod, 14)) {
        s.Put((uint64_t{0b10} << 14) | (static_cast<uint64_t>(dod) & 0x3fff), 16);
      } else if (XorDodFits(dod, 17)) {
        s.Put((uint64_t{0b110} << 17) | (static_cast<uint64_t>(dod) & 0x1ffff), 20);
      } else if (XorDodFits(dod, 20)) {
        s.Put((uint64_t{0b1110} << 20) | (static_cast<uint64_t>(dod) & 0xfffff), 24);
      } else {
        s.Put(0b1111, 4);
        s.Put(static_cast<uint64_t>(dod), 64);
      }
      t_delta = delta;
      PutValue(s, prev_vbits, vb);
    }
    num++;
  }

 private:
  template <class Sink>
  void PutValue(Sink& s, uint64_t prev_vbits, uint64_t vb) {
    uint64_t delta = vb ^ prev_vbits;
    if (delta == 0) {
      s.Put(0, 1);
      return;
    }
    uint8_t lead = static_cast<uint8_t>(std::countl_zero(delta));
    uint8_t trail = static_cast<uint8_t>(std::countr_zero(delta));
    // Five bits hold the leading-zero count, so it is capped at 31.
    if (lead >= 32) lead = 31;
    if (leading != 0xff && lead >= leading && trail >= trailing) {
      // The meaningful bits fit the previous window: '10' then the bits.
      int sig = 64 - leading - trailing;
      if (sig <= 62) {
        s.Put((uint64_t{0b10} << sig) | (delta >> trailing), sig + 2);
      } else {
        s.Put(0b10, 2);
        s.Put(delta >> trailing, sig);
      }
      return;
    }
    leading = lead;
    trailing = trail;
    // '11', 5 bits of leading zeros, 6 bits of length (0 stands for 64: a
    // zero-length window never occurs because delta != 0), then the bits.
    int sig = 64 - lead - trail;
    uint64_t header = (uint64_t{0b11} << 11) | (uint64_t{lead} << 6) | static_cast<uint64_t>(sig & 63);
    if (sig <= 51) {
      s.Put((header << sig) | (delta >> trail), 13 + sig);
    } else {
      s.Put(header, 13);
      s.Put(delta >> trail, sig);
    }
  }

  // Go's binary.PutUvarint / PutVarint.
  template <class Sink>
  static void PutUvarint(Sink& s, uint64_t x) {
    while (x >= 0x80) {
      s.Put((x & 0x7f) | 0x80, 8);
      x >>= 7;
    }
    s.Put(x, 8);
  }
  template <class Sink>
  static void PutVarint(Sink& s, int64_t x) {
    uint64_t ux = static_cast<uint64_t>(x) << 1;
    if (x < 0) ux = ~ux;
    PutUvarint(s, ux);
  }
};

// The encoder with the last sample kept alongside (for chunks built outside
// the head).
struct XorEncoder {
  XorEncoderCore core;
  Timestamp t = 0;
  uint64_t v_bits = 0;

  template <class Sink>
  void Append(Sink& s, Timestamp ts, double v) {
    core.Append(s, t, v_bits, ts, v);
    t = ts;
    v_bits = std::bit_cast<uint64_t>(v);
  }
  uint16_t num() const { return core.num; }
};

}  // namespace promlite::tsdb::chunkenc
