#include "chunkenc/xor.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <new>

namespace promlite::tsdb::chunkenc {
XorAppender XorAppender::New(std::vector<uint8_t>* bytes) {
  bytes->assign({0, 0});
  XorAppender a;
  a.b_ = bytes;
  a.w_ = BitWriter(bytes, 0);
  return a;
}

void XorAppender::Append(Timestamp t, double v) {
  enc_.Append(w_, t, v);
  uint16_t n = enc_.num();
  (*b_)[0] = static_cast<uint8_t>(n >> 8);
  (*b_)[1] = static_cast<uint8_t>(n);
}

namespace {

inline uint64_t LoadBE64(const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return __builtin_bswap64(w);
}

inline void Store(Sample* d, Timestamp t, uint64_t v) {
  d->t = t;
  d->v = std::bit_cast<double>(v);
}
inline void Store(XorSlot* d, Timestamp t, uint64_t v) {
  d->t = t;
  d->v = v;
}

// ---------------------------------------------------------------------------
// The steady-state decoder (samples 2 and later).
//
// Bits are read MSB first through a 64-bit buffer with BitReader's layout:
// `buf` holds the next bits, the top `valid` of them are valid, and the byte
// at `p` follows them. A refill ORs in the 8 bytes at `p` and advances `p` by
// whole bytes, leaving 56..63 valid bits. The address of that load depends
// only on the previous refill, so the load is issued long before its bits
// are needed and stays off the per-sample dependency chain.
//
// A sample is a timestamp field then a value field:
//   timestamp  '0' (dod 0) | '10' + 14 bits | '110' + 17 | '1110' + 20 |
//              '1111' + 64
//   value      '0' (same) | '10' + meaningful bits (previous window) |
//              '11' + 5 bits leading zeros + 6 bits length + bits
// On jittered scrape data the timestamp is '0' or '10' at random (about 1
// in 7 is '0'), and the value is '0', '10' or '11' depending on the data.
// Branching on those forms mispredicts often, so the common forms ('0'/'10'
// timestamps, '0'/'10' values) are decoded together without branches: both
// alternatives are computed and one is picked with a conditional move. Only
// the '11' value form (a new window, needing a few more fields) and samples
// too long for the buffer branch; the wide timestamp forms go to a slow path.

// Conditional moves for data-dependent choices. A plain ?: is often compiled
// to a jump here, which is what this decoder avoids.
#if defined(__x86_64__) && defined(__GNUC__)
// c < 0 ? a : b
__attribute__((always_inline)) inline uint64_t IfNeg(uint64_t c, uint64_t a, uint64_t b) {
  asm("test %[c], %[c]\n\tcmovs %[a], %[r]" : [r] "+r"(b) : [c] "r"(c), [a] "r"(a) : "cc");
  return b;
}
// c >= 0 ? a : b
__attribute__((always_inline)) inline uint64_t IfNotNeg(uint64_t c, uint64_t a, uint64_t b) {
  asm("test %[c], %[c]\n\tcmovns %[a], %[r]" : [r] "+r"(b) : [c] "r"(c), [a] "r"(a) : "cc");
  return b;
}
// if (c < 0) { *b1 = a1; *b2 = a2; } with one test.
__attribute__((always_inline)) inline void IfNeg2(uint64_t c, uint64_t a1, uint64_t* b1, uint64_t a2, uint64_t* b2) {
  asm("test %[c], %[c]\n\tcmovs %[a1], %[r1]\n\tcmovs %[a2], %[r2]"
      : [r1] "+r"(*b1), [r2] "+r"(*b2)
      : [c] "r"(c), [a1] "r"(a1), [a2] "r"(a2)
      : "cc");
}
#else
inline uint64_t IfNeg(uint64_t c, uint64_t a, uint64_t b) { return static_cast<int64_t>(c) < 0 ? a : b; }
inline uint64_t IfNotNeg(uint64_t c, uint64_t a, uint64_t b) { return static_cast<int64_t>(c) >= 0 ? a : b; }
inline void IfNeg2(uint64_t c, uint64_t a1, uint64_t* b1, uint64_t a2, uint64_t* b2) {
  if (static_cast<int64_t>(c) < 0) {
    *b1 = a1;
    *b2 = a2;
  }
}
#endif

// Top two bits of a word both set: the '11' value header, or the start of
// the wide timestamp forms.
constexpr uint64_t kTop2 = uint64_t{3} << 62;

// Bytes that must be readable from `p` (the value at the start of a sample)
// for the unchecked decode of one sample: the refill reads 8 bytes at p,
// a long sample 8 more after the refilled ones (p + 15), and a wide sample
// (at most 4+64 + 13+64 bits) up to p + 27 (see WideSample). After one
// sample `p` has moved at most 26 bytes.
constexpr ptrdiff_t kSlack1 = 28;
constexpr ptrdiff_t kSlack2 = 26 + kSlack1;  // two samples per check
// The zero-padded copy of the last bytes (fewer than kSlack1 + 8): decoding
// there may read up to kSlack1 bytes past the real data, and a damaged
// sample runs into the zeros before it is rejected.
constexpr size_t kTailBuf = 128;
constexpr ptrdiff_t kTailCopy = 48;  // >= kSlack1 + 8: covers the buffered bits
static_assert(kTailCopy + 8 + kSlack1 <= static_cast<ptrdiff_t>(kTailBuf));

// The 64 bits at bit `pos` of `q`; 9 bytes must be readable at q + pos / 8.
inline uint64_t Peek64(const uint8_t* q, uint64_t pos) {
  const uint64_t s = pos & 7;
  return (LoadBE64(q + (pos >> 3)) << s) | (uint64_t{q[(pos >> 3) + 8]} >> (8 - s));
}

// The decoder's registers, for the slow path. The XOR window is kept as
// two shift counts: the meaningful bits, at the top of a word, land in place
// after >> ssh (64 - length) and << tz (trailing zeros). len10 is the size of
// a '10' value (2 + length).
struct SteadyRegs {
  const uint8_t* p;
  uint64_t buf, valid, t, t_delta, v_bits, ssh, tz, len10;
};

// Repositions the bit buffer at bit `pos` of `q` (8 bytes readable at
// q + pos / 8): 56 - pos % 8 valid bits, then the byte at p.
inline void Reposition(SteadyRegs* r, const uint8_t* q, uint64_t pos) {
  const uint8_t* at = q + (pos >> 3);
  const uint64_t s = pos & 7;
  r->buf = LoadBE64(at) << s;
  r->valid = 56 - s;
  r->p = at + 7;
}

// A sample with a '110', '1110' or '1111' timestamp (rare: a scrape delay of
// more than 8 seconds), read field by field at absolute bit positions from
// the byte where the buffered bits start. Returns false on a damaged value
// header. Reads up to 27 bytes from the entry value of r->p minus 8.
__attribute__((noinline)) bool WideSample(SteadyRegs* r) {
  const uint8_t* q = r->p - ((r->valid + 7) >> 3);
  uint64_t pos = ((r->valid + 7) & ~uint64_t{7}) - r->valid;  // 0..7
  const uint64_t w = Peek64(q, pos);
  const uint64_t ones = static_cast<uint64_t>(__builtin_clzll(~w | (uint64_t{1} << 59)));  // 2..4
  uint64_t tsl;
  if (ones < 4) {
    // The buckets hold [-(2^(sz-1)-1), 2^(sz-1)]: the field minus one,
    // sign-extended, plus one.
    const uint64_t shift = 53 - 3 * ones;  // 64 - sz
    r->t_delta += static_cast<uint64_t>(static_cast<int64_t>((w << (ones + 1)) - (uint64_t{1} << shift)) >> shift) + 1;
    tsl = 4 * ones + 12;
  } else {
    r->t_delta += Peek64(q, pos + 4);
    tsl = 68;
  }
  r->t += r->t_delta;
  const uint64_t vw = Peek64(q, pos + tsl);
  uint64_t len = tsl + 1;
  if (static_cast<int64_t>(vw) < 0) {
    uint64_t hdr = 2;
    if (vw >= kTop2) {
      const uint64_t lead = (vw >> 57) & 31;
      const uint64_t f = ((vw >> 51) - 1) & 63;  // length - 1
      if (f + 1 + lead > 64) return false;
      r->ssh = 63 - f;
      r->tz = 63 - f - lead;
      r->len10 = f + 3;
      hdr = 13;
    }
    r->v_bits ^= (Peek64(q, pos + tsl + hdr) >> r->ssh) << r->tz;
    len = tsl + hdr + 64 - r->ssh;
  }
  Reposition(r, q, pos + len);
  return true;
}

// Decodes up to `cap` samples (past the first two) from *st into dst.
// Stops after the first sample with t > maxt (it is written and counted).
// Returns the number of samples written; *failed says the sample after them
// is truncated or damaged. All state lives in locals (registers) meanwhile.
template <bool kCheckMaxt, class S>
__attribute__((always_inline)) inline size_t DecodeSteadyImpl(XorDecodeState* st, S* dst, size_t cap,
                                                               Timestamp maxt, bool* failed) {
  const uint8_t* p = st->p;
  uint64_t buf = st->buf;
  uint64_t valid = st->valid;
  uint64_t ssh = 64 - st->sig;
  uint64_t tz = 64 - st->leading - st->sig;
  uint64_t len10 = 2 + st->sig;
  // Wrapping arithmetic (as Go's int64): damaged chunks can overflow.
  uint64_t t = static_cast<uint64_t>(st->t);
  uint64_t t_delta = static_cast<uint64_t>(st->t_delta);
  uint64_t v_bits = st->v_bits;

  // One sample; false on a damaged value header.
  auto step = [&]() __attribute__((always_inline)) -> bool {
    buf |= LoadBE64(p) >> valid;
    p += (63 - valid) >> 3;
    valid |= 56;
    const uint64_t w = buf;
    if (static_cast<int64_t>(w & (w << 1)) < 0) [[unlikely]] {  // '11..' timestamp
      SteadyRegs r{p, buf, valid, t, t_delta, v_bits, ssh, tz, len10};
      const bool ok = WideSample(&r);
      p = r.p, buf = r.buf, valid = r.valid, t = r.t, t_delta = r.t_delta;
      v_bits = r.v_bits, ssh = r.ssh, tz = r.tz, len10 = r.len10;
      return ok;
    }
    // Timestamp: '0', or '10' and 14 bits (w's top bit says which). The
    // delta-of-delta is the field minus one, sign-extended, plus one: the
    // bucket holds [-8191, 8192].
    uint64_t tsl = 1;  // bits of the timestamp field
    const uint64_t dod = static_cast<uint64_t>(static_cast<int64_t>((w << 2) - (uint64_t{1} << 50)) >> 50) + 1;
    IfNeg2(w, 16, &tsl, t_delta + dod, &t_delta);
    t += t_delta;
    // Value, with its header at the top of vw.
    const uint64_t vw = w << tsl;
    uint64_t at, len;  // where the meaningful bits start; sample size
    if (vw >= kTop2) [[unlikely]] {
      // '11': 5 bits of leading zeros, 6 bits of length (0 means 64).
      const uint64_t lead = (vw >> 57) & 31;
      const uint64_t f = ((vw >> 51) - 1) & 63;  // length - 1
      if (f + 1 + lead > 64) return false;
      ssh = 63 - f;
      tz = 63 - f - lead;
      len10 = f + 3;
      at = tsl + 13;
      len = at + f + 1;
    } else {
      // '10' (or '0', top bit clear: one bit, no change).
      at = tsl + 2;
      len = IfNotNeg(vw, tsl + 1, tsl + len10);
    }
    if (len > valid) [[unlikely]] {
      // The sample runs past the buffer (at most 29 + 64 bits; 56 or more
      // are buffered): the rest is in the 8 bytes at p.
      const uint64_t next = LoadBE64(p);
      const uint64_t bits = (w << at) | (next >> (valid - at));
      v_bits ^= IfNotNeg(vw, 0, (bits >> ssh) << tz);
      buf = next << (len - valid);
      valid += 64 - len;
      p += 8;
      return true;
    }
    v_bits ^= IfNotNeg(vw, 0, ((w << at) >> ssh) << tz);
    buf = w << len;
    valid -= len;
    return true;
  };

  S* d = dst;
  S* const dend = dst + cap;
  bool bad = false, stopped = false;
  // Decodes and stores one sample; false when decoding must stop.
  auto one = [&]() __attribute__((always_inline)) {
    if (!step()) [[unlikely]] {
      bad = true;
      return false;
    }
    Store(d++, static_cast<Timestamp>(t), v_bits);
    if (kCheckMaxt && static_cast<Timestamp>(t) > maxt) [[unlikely]] {
      stopped = true;
      return false;
    }
    return true;
  };
  // Unchecked while far from the end, two samples per bounds check. (As
  // integers: end - kSlack2 may lie before the chunk.)
  const uint8_t* const end = st->end;
  const uintptr_t end_u = reinterpret_cast<uintptr_t>(end);
  const uintptr_t plim2 = end_u > kSlack2 ? end_u - kSlack2 : 0;
  const uintptr_t plim1 = end_u > kSlack1 ? end_u - kSlack1 : 0;
  while (dend - d >= 2 && reinterpret_cast<uintptr_t>(p) < plim2) {
    if (!one() || !one()) break;
  }
  while (!bad && !stopped && d < dend && reinterpret_cast<uintptr_t>(p) < plim1) {
    if (!one()) break;
  }
  // `base` and `p` address the same bytes (the real ones, or their copy).
  const uint8_t* real = p;  // where `p` points in the real data
  alignas(16) uint8_t tail[kTailBuf];
  const uint8_t* base = p;
  if (d < dend && !bad && !stopped) {
    // The last bytes: decode from a zero-padded copy and check that each
    // sample ended within the real data. The copy is of the last kTailCopy
    // bytes (all of a shorter chunk), which include where the buffered bits
    // start: `p` is within kSlack1 bytes of the end here.
    const uint8_t* from = p - ((valid + 7) >> 3);
    std::memset(tail, 0, sizeof(tail));
    if (end - st->begin >= kTailCopy) {
      from = end - kTailCopy;
      std::memcpy(tail, from, kTailCopy);
    } else {
      std::memcpy(tail, from, static_cast<size_t>(end - from));
    }
    const ptrdiff_t rem = end - from;  // real bytes in the copy
    real = from;
    base = tail;
    p = tail + (p - from);
    while (d < dend) {
      if (!step() || (p - tail) * 8 - static_cast<ptrdiff_t>(valid) > rem * 8) {
        bad = true;
        break;
      }
      Store(d++, static_cast<Timestamp>(t), v_bits);
      if (kCheckMaxt && static_cast<Timestamp>(t) > maxt) break;
    }
  }
  if (!bad) {
    // Save in BitReader's layout, keeping only the rest of a partly read
    // byte buffered (so `p` never points past the chunk).
    const uint8_t* at = p - ((valid + 7) >> 3);  // byte of the bit position
    const uint64_t s = ((valid + 7) & ~uint64_t{7}) - valid;  // bits of it read
    st->p = real + (at - base) + (s != 0);
    st->buf = s ? buf & (~uint64_t{0} << (56 + s)) : 0;
    st->valid = s ? static_cast<uint32_t>(8 - s) : 0;
    st->leading = static_cast<uint32_t>(ssh - tz);
    st->sig = static_cast<uint32_t>(64 - ssh);
    st->t = static_cast<Timestamp>(t);
    st->t_delta = static_cast<int64_t>(t_delta);
    st->v_bits = v_bits;
  }
  *failed = bad;
  return static_cast<size_t>(d - dst);
}

// The decoder built twice: for CPUs with BMI1/BMI2/LZCNT (flag-free
// variable shifts, one-cycle leading-zero count) and for baseline x86-64.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(PROMLITE_XOR_NO_DISPATCH)
#define PROMLITE_XOR_DISPATCH 1
template <bool kCheckMaxt, class S>
__attribute__((target("bmi,bmi2,lzcnt,movbe"), noinline)) size_t DecodeSteadyBmi2(XorDecodeState* st, S* dst,
                                                                                  size_t cap, Timestamp maxt,
                                                                                  bool* failed) {
  return DecodeSteadyImpl<kCheckMaxt>(st, dst, cap, maxt, failed);
}
bool HasBmi2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("lzcnt") &&
         __builtin_cpu_supports("movbe");
}
const bool kHasBmi2 = HasBmi2();
#endif

template <bool kCheckMaxt, class S>
__attribute__((noinline)) size_t DecodeSteadyBase(XorDecodeState* st, S* dst, size_t cap, Timestamp maxt,
                                                  bool* failed) {
  return DecodeSteadyImpl<kCheckMaxt>(st, dst, cap, maxt, failed);
}

template <class S>
size_t DecodeSteady(XorDecodeState* st, S* dst, size_t cap, Timestamp maxt, bool* failed) {
  // No sample is after kMaxTime: skip the per-sample check.
#ifdef PROMLITE_XOR_DISPATCH
  if (kHasBmi2) {
    return maxt == kMaxTime ? DecodeSteadyBmi2<false>(st, dst, cap, maxt, failed)
                            : DecodeSteadyBmi2<true>(st, dst, cap, maxt, failed);
  }
#endif
  return maxt == kMaxTime ? DecodeSteadyBase<false>(st, dst, cap, maxt, failed)
                          : DecodeSteadyBase<true>(st, dst, cap, maxt, failed);
}

// The 7-bit groups of a little-endian word's 8 bytes, packed together (56
// bits): pairs of groups first, then pairs of pairs, then the two halves.
inline uint64_t Pack7(uint64_t w) {
  uint64_t x = w & 0x7f7f7f7f7f7f7f7f;
  x = (x & 0x007f007f007f007f) | ((x >> 1) & 0x3f803f803f803f80);
  x = (x & 0x00003fff00003fff) | ((x >> 2) & 0x0fffc0000fffc000);
  x = (x & 0x000000000fffffff) | ((x >> 4) & 0x00fffffff0000000);
  return x;
}

// Go's binary.Uvarint over whole bytes (the stream is byte-aligned where
// the varints are): false when truncated or longer than 64 bits.
inline bool ReadUvarintBytes(const uint8_t** p, const uint8_t* end, uint64_t* out) {
  const uint8_t* q = *p;
  if (end - q >= 8) {
    // Up to 8 bytes from one word: the first byte with its top bit clear
    // ends the number.
    uint64_t w;
    std::memcpy(&w, q, 8);
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    const uint64_t stop = ~w & 0x8080808080808080;
    if (stop != 0) {
      const int len = (std::countr_zero(stop) >> 3) + 1;
      *out = Pack7(w) & ((uint64_t{1} << (7 * len)) - 1);
      *p = q + len;
      return true;
    }
  }
  uint64_t x = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (q == end) return false;
    const uint64_t b = *q++;
    if (shift == 63 && b > 1) return false;
    x |= (b & 0x7f) << shift;
    if (b < 0x80) {
      *out = x;
      *p = q;
      return true;
    }
  }
  return false;
}

// The value of sample 1 ('0', '10' or '11' form), with a BitReader: only
// used within 16 bytes of the end.
bool DecodeValueSlow(BitReader* r, XorDecodeState* s) {
  bool bit;
  if (!r->ReadBit(&bit)) return false;
  if (!bit) return true;  // value unchanged
  if (!r->ReadBit(&bit)) return false;
  if (bit) {
    uint64_t hdr;
    if (!r->ReadBits(11, &hdr)) return false;
    uint64_t lead = hdr >> 6, sig = hdr & 63;
    if (sig == 0) sig = 64;
    if (lead + sig > 64) return false;
    s->leading = static_cast<uint32_t>(lead);
    s->sig = static_cast<uint32_t>(sig);
  }
  uint64_t bits;
  if (!r->ReadBits(static_cast<int>(s->sig), &bits)) return false;
  s->v_bits ^= bits << (64 - s->leading - s->sig);
  return true;
}

// Samples 0 and 1, which have their own formats: a varint timestamp and a
// raw 64-bit value, then a uvarint delta and an XOR value. Everything up to
// that last value is byte-aligned (valid == 0 on entry). Decodes sample `i`
// into *s; false with *fail set on truncated or damaged data.
bool DecodeHeadSample(XorDecodeState* s, int i, const char** fail) {
  const uint8_t* p = s->p;
  const uint8_t* const end = s->end;
  if (i == 0) {
    uint64_t ut;
    if (!ReadUvarintBytes(&p, end, &ut)) {
      *fail = "XOR chunk: truncated first timestamp";
      return false;
    }
    if (end - p < 8) {
      *fail = "XOR chunk: truncated first value";
      return false;
    }
    s->t = static_cast<Timestamp>((ut >> 1) ^ (uint64_t{0} - (ut & 1)));  // zig-zag, as Go's Varint
    s->v_bits = LoadBE64(p);
    s->p = p + 8;
    return true;
  }
  uint64_t delta;
  if (!ReadUvarintBytes(&p, end, &delta)) {
    *fail = "XOR chunk: truncated timestamp delta";
    return false;
  }
  s->t_delta = static_cast<int64_t>(delta);
  s->t = static_cast<Timestamp>(static_cast<uint64_t>(s->t) + delta);
  uint64_t used;  // bits of the value field
  if (end - p >= 16) {
    const uint64_t w = LoadBE64(p);
    used = 1;
    if (static_cast<int64_t>(w) < 0) {
      uint64_t hdr = 2;
      if (w >= kTop2) {
        const uint64_t lead = (w >> 57) & 31;
        const uint64_t sig = (((w >> 51) - 1) & 63) + 1;  // 0 means 64
        if (lead + sig > 64) {
          *fail = "XOR chunk: truncated value";
          return false;
        }
        s->leading = static_cast<uint32_t>(lead);
        s->sig = static_cast<uint32_t>(sig);
        hdr = 13;
      }
      s->v_bits ^= (Peek64(p, hdr) >> (64 - s->sig)) << (64 - s->leading - s->sig);
      used = hdr + s->sig;
    }
  } else {
    BitReader r(p, static_cast<size_t>(end - p));
    if (!DecodeValueSlow(&r, s)) {
      *fail = "XOR chunk: truncated value";
      return false;
    }
    used = static_cast<uint64_t>(r.raw_pos() - p) * 8 - static_cast<uint64_t>(r.valid());
  }
  // BitReader's layout, the rest of a partly read byte buffered.
  p += used >> 3;
  const uint64_t rest = used & 7;
  s->buf = rest ? (uint64_t{*p} << (56 + rest)) : 0;
  s->valid = rest ? static_cast<uint32_t>(8 - rest) : 0;
  s->p = p + (rest != 0);
  return true;
}

}  // namespace

XorIterator& XorIterator::operator=(const XorIterator& o) {
  if (this == &o) return *this;
  s_ = o.s_;
  cur_ = o.cur_;
  num_total_ = o.num_total_;
  num_read_ = o.num_read_;
  pos_ = o.pos_;
  cnt_ = o.cnt_;
  pending_fail_ = o.pending_fail_;
  err_ = o.err_;
  if (pos_ < cnt_) {
    if (!blk_) blk_.reset(new XorSlot[kBlock]);
    std::copy(o.blk_.get() + pos_, o.blk_.get() + cnt_, blk_.get() + pos_);
  }
  return *this;
}

void XorIterator::Reset(const uint8_t* b, size_t n) {
  num_total_ = XorNumSamples(b, n);
  num_read_ = 0;
  pos_ = cnt_ = 0;
  cur_ = XorSlot{0, 0};
  pending_fail_ = nullptr;
  s_ = XorDecodeState();
  if (n >= 2) {
    s_.begin = b;
    s_.p = b + 2;
    s_.end = b + n;
    err_ = absl::OkStatus();
  } else {
    err_ = absl::DataLossError("XOR chunk shorter than its 2-byte header");
  }
}

bool XorIterator::Fail(const char* what) {
  err_ = absl::DataLossError(what);
  num_total_ = num_read_;  // stop iterating
  pending_fail_ = nullptr;
  return false;
}

// Decodes up to `cap` of the remaining samples into dst, stopping after the
// first one past maxt. *fail is set when decoding stopped on damaged data.
template <class S>
size_t XorIterator::Decode(S* dst, size_t cap, Timestamp maxt, const char** fail) {
  size_t k = 0;
  while (num_read_ < 2) {
    if (k == cap) return k;
    if (!DecodeHeadSample(&s_, num_read_, fail)) return k;
    Store(dst + k++, s_.t, s_.v_bits);
    num_read_++;
    if (s_.t > maxt) return k;
  }
  if (k == cap) return k;
  bool failed;
  size_t m = DecodeSteady(&s_, dst + k, cap - k, maxt, &failed);
  num_read_ = static_cast<uint16_t>(num_read_ + m);
  if (failed) *fail = "XOR chunk: truncated sample";
  return k + m;
}

bool XorIterator::NextBlock() {
  if (pending_fail_ != nullptr) return Fail(pending_fail_);
  if (num_read_ >= num_total_ || !err_.ok()) return false;
  if (!blk_) blk_.reset(new XorSlot[kBlock]);
  size_t want = std::min<size_t>(kBlock, num_total_ - num_read_);
  const char* fail = nullptr;
  size_t k = Decode(blk_.get(), want, kMaxTime, &fail);
  if (k == 0) return Fail(fail);
  pending_fail_ = fail;
  cur_ = blk_[0];
  pos_ = 1;
  cnt_ = static_cast<uint16_t>(k);
  return true;
}

bool XorIterator::Seek(Timestamp t) {
  if (num_read_ > 0 && this->t() >= t) return true;
  while (Next()) {
    if (this->t() >= t) return true;
  }
  return false;
}

void XorIterator::ReadUntil(Timestamp maxt, std::vector<Sample>* out) {
  // Samples already decoded into the block buffer first.
  while (pos_ < cnt_) {
    cur_ = blk_[pos_++];
    if (cur_.t > maxt) return;
    out->push_back(Sample{cur_.t, std::bit_cast<double>(cur_.v)});
  }
  if (pending_fail_ != nullptr) {
    Fail(pending_fail_);
    return;
  }
  // Decode in blocks into a buffer on the stack and append each with one
  // copy: resize() would first construct (zero) every new Sample, and so
  // would a Sample array; raw bytes start the Samples' lifetimes implicitly
  // (they are implicit-lifetime types) without writing anything.
  alignas(Sample) unsigned char raw[sizeof(Sample) * kBlock];
  Sample* const tmp = std::launder(reinterpret_cast<Sample*>(raw));
  while (err_.ok() && num_read_ < num_total_) {
    const size_t want = std::min<size_t>(kBlock, num_total_ - num_read_);
    const char* fail = nullptr;
    const size_t k = Decode(tmp, want, maxt, &fail);
    size_t keep = k;
    if (k > 0) {
      // The last decoded sample becomes the current one.
      cur_ = XorSlot{tmp[k - 1].t, std::bit_cast<uint64_t>(tmp[k - 1].v)};
      if (cur_.t > maxt) keep = k - 1;  // consumed, but not emitted
    }
    out->insert(out->end(), tmp, tmp + keep);
    if (fail != nullptr) {
      Fail(fail);
      return;
    }
    if (keep < k || k < want) return;  // past maxt
  }
}

}  // namespace promlite::tsdb::chunkenc
