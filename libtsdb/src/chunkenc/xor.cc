#include "chunkenc/xor.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

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

// Bytes of input that must remain at `p` for the unchecked decode of one
// sample: a sample takes at most 4+64 + 2+11+64 = 145 bits (19 bytes), `p`
// runs at most 8 bytes ahead of the bit position, and a refill loads 8 bytes.
constexpr ptrdiff_t kSlack = 40;
// The zero-padded copy of the last < kSlack bytes: a damaged sample read
// there may run past the real data (into zeros) before it is rejected.
constexpr size_t kTailBuf = 128;

// Decodes up to `cap` samples (past the first two) from *st into dst.
// Stops after the first sample with t > maxt (it is written and counted).
// Returns the number of samples written; *failed says the sample after them
// is truncated or damaged. All state lives in locals (registers) meanwhile.
//
// The bit buffer is refilled once per sample (branch-free, 56..63 valid
// bits); the common sample then fits: its fields are cut from that one word
// at offsets that, for regular data, the branch predictor already knows, so
// the loop-carried dependency is little more than the shift of the buffer.
template <bool kCheckMaxt, class S>
__attribute__((always_inline)) inline size_t DecodeSteadyImpl(XorDecodeState* st, S* dst, size_t cap,
                                                               Timestamp maxt, bool* failed) {
  const uint8_t* p = st->p;
  uint64_t buf = st->buf;
  uint64_t valid = st->valid;
  // The XOR window: the meaningful bits, shifted right by `leading`, land in
  // place once masked with `wmask`.
  uint64_t sig = st->sig;
  uint64_t leading = st->leading;
  uint64_t wmask = (~uint64_t{0} >> leading) & (~uint64_t{0} << (64 - leading - sig));
  // Wrapping arithmetic (as Go's int64): damaged chunks can overflow.
  uint64_t t = static_cast<uint64_t>(st->t);
  uint64_t t_delta = static_cast<uint64_t>(st->t_delta);
  uint64_t v_bits = st->v_bits;

  // Tops the buffer up to 56..63 valid bits; 8 bytes at p must be readable.
#define PROMLITE_XOR_REFILL()    \
  do {                           \
    buf |= LoadBE64(p) >> valid; \
    p += 7 - (valid >> 3);       \
    valid |= 56;                 \
  } while (0)
#define PROMLITE_XOR_CONSUME(n) \
  do {                          \
    buf <<= (n);                \
    valid -= (n);               \
  } while (0)

  // One sample; false on a damaged value header.
  auto step = [&]() __attribute__((always_inline)) -> bool {
    PROMLITE_XOR_REFILL();
    // Timestamp: '0' | '10'+14 | '110'+17 | '1110'+20 | '1111'+64 bits.
    const uint64_t w = buf;
    uint64_t used;  // bits of w taken by the timestamp
    if (static_cast<int64_t>(w) >= 0) {
      used = 1;  // delta-of-delta 0
    } else if (static_cast<int64_t>(w << 1) >= 0) {
      // '10': 14 bits. The buckets hold [-(2^(sz-1)-1), 2^(sz-1)], i.e. the
      // field minus one, sign-extended, plus one.
      t_delta += static_cast<uint64_t>(static_cast<int64_t>((w << 2) - (uint64_t{1} << 50)) >> 50) + 1;
      used = 16;
    } else {
      uint64_t ones = static_cast<uint64_t>(__builtin_clzll(~w | (uint64_t{1} << 59)));  // 2..4
      if (ones < 4) {
        uint64_t shift = 53 - 3 * ones;  // 64 - sz
        t_delta += static_cast<uint64_t>(static_cast<int64_t>((w << (ones + 1)) - (uint64_t{1} << shift)) >> shift) + 1;
        used = 4 * ones + 12;
      } else {
        PROMLITE_XOR_CONSUME(4);
        uint64_t hi = buf >> 32;
        PROMLITE_XOR_CONSUME(32);
        PROMLITE_XOR_REFILL();
        uint64_t lo = buf >> 32;
        PROMLITE_XOR_CONSUME(32);
        t_delta += (hi << 32) | lo;
        PROMLITE_XOR_REFILL();
        used = 0;
      }
    }
    t += t_delta;
    // Value: '0' same | '10' previous window | '11' 5b leading, 6b length.
    // At least 24 bits are buffered past `used`.
    const uint64_t vw = buf << used;
    if (static_cast<int64_t>(vw) >= 0) [[unlikely]] {
      PROMLITE_XOR_CONSUME(used + 1);
      return true;
    }
    uint64_t hdr = 2;
    if (static_cast<int64_t>(vw << 1) < 0) {
      uint64_t lead = (vw >> 57) & 31;
      uint64_t n = (((vw >> 51) - 1) & 63) + 1;  // 0 means 64
      if (lead + n > 64) [[unlikely]]
        return false;
      sig = n;
      leading = lead;
      wmask = (~uint64_t{0} >> lead) & (~uint64_t{0} << (64 - lead - n));
      hdr = 13;
    }
    uint64_t x;
    uint64_t need = used + hdr + sig;
    if (need <= valid) [[likely]] {
      x = (vw << hdr) >> leading;
      PROMLITE_XOR_CONSUME(need);
    } else {
      PROMLITE_XOR_CONSUME(used + hdr);
      PROMLITE_XOR_REFILL();
      if (sig <= 56) {
        x = buf >> leading;
        PROMLITE_XOR_CONSUME(sig);
      } else {
        x = buf >> 32;
        PROMLITE_XOR_CONSUME(32);
        PROMLITE_XOR_REFILL();
        uint64_t rest = sig - 32;
        x = ((x << rest) | (buf >> (64 - rest))) << (64 - leading - sig);
        PROMLITE_XOR_CONSUME(rest);
      }
    }
    v_bits ^= x & wmask;
    return true;
  };

  S* d = dst;
  S* const dend = dst + cap;
  bool bad = false, stopped = false;
  const uint8_t* end = st->end;
  // Unchecked while far from the end, two samples per bounds check. (As
  // integers: end - 2 * kSlack may lie before the chunk.)
  const uintptr_t end_u = reinterpret_cast<uintptr_t>(end);
  const uintptr_t plim2 = end_u > 2 * kSlack ? end_u - 2 * kSlack : 0;
  const uintptr_t plim = end_u > kSlack ? end_u - kSlack : 0;
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
  while (dend - d >= 2 && reinterpret_cast<uintptr_t>(p) < plim2) {
    if (!one() || !one()) break;
  }
  while (!bad && !stopped && d < dend && reinterpret_cast<uintptr_t>(p) < plim) {
    if (!one()) break;
  }
  if (d < dend && !bad && !stopped) {
    // The last bytes: decode from a zero-padded copy and check each sample
    // ended within the real data. After an earlier tail decode `p` may
    // already be past the end (by the lookahead bytes): `rem` < 0.
    alignas(16) uint8_t tail[kTailBuf];
    std::memset(tail, 0, sizeof(tail));
    const uint8_t* real = p;
    ptrdiff_t rem = end - p;
    if (rem > 0) std::memcpy(tail, p, static_cast<size_t>(rem));
    p = tail;
    while (d < dend) {
      if (!step() || (p - tail) * 8 - static_cast<ptrdiff_t>(valid) > rem * 8) {
        bad = true;
        break;
      }
      Store(d++, static_cast<Timestamp>(t), v_bits);
      if (kCheckMaxt && static_cast<Timestamp>(t) > maxt) break;
    }
    p = real + (p - tail);
  }
#undef PROMLITE_XOR_REFILL
#undef PROMLITE_XOR_CONSUME
  if (!bad) {
    st->p = p;
    st->buf = buf;
    st->valid = static_cast<uint32_t>(valid);
    st->leading = static_cast<uint32_t>(leading);
    st->sig = static_cast<uint32_t>(sig);
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

// Reads the value of sample 1 ('0', '10' or '11' form) with a BitReader.
static bool DecodeValueSlow(BitReader* r, XorDecodeState* s) {
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

// Samples 0 and 1, which have their own formats, one at a time.
bool XorIterator::DecodeFirst() {
  BitReader r(s_.p, s_.end, s_.buf, static_cast<int>(s_.valid));
  if (num_read_ == 0) {
    int64_t t;
    uint64_t v;
    if (!r.ReadVarint(&t)) return Fail("XOR chunk: truncated first timestamp");
    if (!r.ReadBits(64, &v)) return Fail("XOR chunk: truncated first value");
    s_.t = t;
    s_.v_bits = v;
  } else {
    uint64_t d;
    if (!r.ReadUvarint(&d)) return Fail("XOR chunk: truncated timestamp delta");
    s_.t_delta = static_cast<int64_t>(d);
    s_.t = static_cast<Timestamp>(static_cast<uint64_t>(s_.t) + d);
    if (!DecodeValueSlow(&r, &s_)) return Fail("XOR chunk: truncated value");
  }
  s_.p = r.raw_pos();
  s_.buf = r.raw_buf();
  s_.valid = static_cast<uint32_t>(r.valid());
  num_read_++;
  cur_ = XorSlot{s_.t, s_.v_bits};
  return true;
}

bool XorIterator::NextBlock() {
  if (pending_fail_ != nullptr) return Fail(pending_fail_);
  if (num_read_ >= num_total_ || !err_.ok()) return false;
  if (num_read_ < 2) return DecodeFirst();
  if (!blk_) blk_.reset(new XorSlot[kBlock]);
  size_t want = std::min<size_t>(kBlock, num_total_ - num_read_);
  bool failed;
  size_t k = DecodeSteady(&s_, blk_.get(), want, kMaxTime, &failed);
  num_read_ = static_cast<uint16_t>(num_read_ + k);
  if (failed) pending_fail_ = "XOR chunk: truncated sample";
  if (k == 0) return Fail(pending_fail_);
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
  while (num_read_ < 2) {
    if (!Next()) return;
    if (t() > maxt) return;
    out->push_back(Sample{t(), v()});
  }
  if (pending_fail_ != nullptr) {
    Fail(pending_fail_);
    return;
  }
  if (!err_.ok() || num_read_ >= num_total_) return;
  size_t remaining = num_total_ - num_read_;
  size_t base = out->size();
  out->resize(base + remaining);
  Sample* dst = out->data() + base;
  bool failed;
  size_t k = DecodeSteady(&s_, dst, remaining, maxt, &failed);
  num_read_ = static_cast<uint16_t>(num_read_ + k);
  size_t keep = k;
  if (k > 0) {
    // The last decoded sample becomes the current one.
    cur_ = XorSlot{dst[k - 1].t, std::bit_cast<uint64_t>(dst[k - 1].v)};
    if (cur_.t > maxt) keep = k - 1;  // consumed, but not emitted
  }
  out->resize(base + keep);
  if (failed) Fail("XOR chunk: truncated sample");
}

}  // namespace promlite::tsdb::chunkenc
