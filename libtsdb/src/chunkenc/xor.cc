#include "chunkenc/xor.h"

#include <bit>

namespace promlite::tsdb::chunkenc {
namespace {

// Whether x fits the dod bucket of `nbits` bits. The range is asymmetric,
// [-(2^(n-1)-1), 2^(n-1)], matching Prometheus' encoder.
inline bool BitRange(int64_t x, int nbits) {
  return -((int64_t{1} << (nbits - 1)) - 1) <= x && x <= (int64_t{1} << (nbits - 1));
}

}  // namespace

XorAppender XorAppender::New(std::vector<uint8_t>* bytes) {
  bytes->assign({0, 0});
  XorAppender a;
  a.b_ = bytes;
  a.w_ = BitWriter(bytes, 0);
  return a;
}

void XorAppender::Append(Timestamp t, double v) {
  uint64_t vb = std::bit_cast<uint64_t>(v);
  if (num_ == 0) {
    WriteVarint(&w_, t);
    w_.WriteBits(vb, 64);
    v_bits_ = vb;
  } else if (num_ == 1) {
    t_delta_ = static_cast<uint64_t>(t - t_);
    WriteUvarint(&w_, t_delta_);
    WriteValue(v);
  } else {
    uint64_t delta = static_cast<uint64_t>(t - t_);
    int64_t dod = static_cast<int64_t>(delta - t_delta_);
    if (dod == 0) {
      w_.WriteBit(false);
    } else if (BitRange(dod, 14)) {
      w_.WriteBits((uint64_t{0b10} << 14) | (static_cast<uint64_t>(dod) & 0x3fff), 16);
    } else if (BitRange(dod, 17)) {
      w_.WriteBits((uint64_t{0b110} << 17) | (static_cast<uint64_t>(dod) & 0x1ffff), 20);
    } else if (BitRange(dod, 20)) {
      w_.WriteBits((uint64_t{0b1110} << 20) | (static_cast<uint64_t>(dod) & 0xfffff), 24);
    } else {
      w_.WriteBits(0b1111, 4);
      w_.WriteBits(static_cast<uint64_t>(dod), 64);
    }
    t_delta_ = delta;
    WriteValue(v);
  }
  t_ = t;
  num_++;
  (*b_)[0] = static_cast<uint8_t>(num_ >> 8);
  (*b_)[1] = static_cast<uint8_t>(num_);
}

void XorAppender::WriteValue(double v) {
  uint64_t vb = std::bit_cast<uint64_t>(v);
  uint64_t delta = vb ^ v_bits_;
  v_bits_ = vb;
  if (delta == 0) {
    w_.WriteBit(false);
    return;
  }
  uint8_t lead = static_cast<uint8_t>(std::countl_zero(delta));
  uint8_t trail = static_cast<uint8_t>(std::countr_zero(delta));
  // Five bits hold the leading-zero count, so it is capped at 31.
  if (lead >= 32) lead = 31;
  if (leading_ != 0xff && lead >= leading_ && trail >= trailing_) {
    // The meaningful bits fit the previous window: '10' then the bits.
    int sig = 64 - leading_ - trailing_;
    if (sig <= 62) {
      w_.WriteBits((uint64_t{0b10} << sig) | (delta >> trailing_), sig + 2);
    } else {
      w_.WriteBits(0b10, 2);
      w_.WriteBits(delta >> trailing_, sig);
    }
    return;
  }
  leading_ = lead;
  trailing_ = trail;
  // '11', 5 bits of leading zeros, 6 bits of length (0 stands for 64: a
  // zero-length window never occurs because delta != 0), then the bits.
  int sig = 64 - lead - trail;
  uint64_t header = (uint64_t{0b11} << 11) | (uint64_t{lead} << 6) | static_cast<uint64_t>(sig & 63);
  if (sig <= 51) {
    w_.WriteBits((header << sig) | (delta >> trail), 13 + sig);
  } else {
    w_.WriteBits(header, 13);
    w_.WriteBits(delta >> trail, sig);
  }
}

void XorIterator::Reset(const uint8_t* b, size_t n) {
  num_total_ = XorNumSamples(b, n);
  num_read_ = 0;
  s_ = XorState();
  if (n >= 2) {
    s_.r = BitReader(b + 2, n - 2);
    err_ = absl::OkStatus();
  } else {
    err_ = absl::DataLossError("XOR chunk shorter than its 2-byte header");
  }
}

bool XorIterator::Fail(const char* what) {
  err_ = absl::DataLossError(what);
  num_total_ = num_read_;  // stop iterating
  return false;
}

bool XorIterator::NextFirst() {
  if (!err_.ok()) return false;
  if (num_read_ == 0) {
    int64_t t;
    uint64_t v;
    if (!s_.r.ReadVarint(&t)) return Fail("XOR chunk: truncated first timestamp");
    if (!s_.r.ReadBits(64, &v)) return Fail("XOR chunk: truncated first value");
    s_.t = t;
    s_.v_bits = v;
    num_read_ = 1;
    return true;
  }
  uint64_t d;
  if (!s_.r.ReadUvarint(&d)) return Fail("XOR chunk: truncated timestamp delta");
  s_.t_delta = static_cast<int64_t>(d);
  s_.t += s_.t_delta;
  if (!s_.DecodeValue()) return Fail("XOR chunk: truncated value");
  num_read_ = 2;
  return true;
}

bool XorIterator::Seek(Timestamp t) {
  if (num_read_ > 0 && s_.t >= t) return true;
  while (Next()) {
    if (s_.t >= t) return true;
  }
  return false;
}

void XorIterator::ReadUntil(Timestamp maxt, std::vector<Sample>* out) {
  while (num_read_ < 2) {
    if (!Next()) return;
    if (s_.t > maxt) return;
    out->push_back(Sample{s_.t, v()});
  }
  size_t remaining = num_total_ - num_read_;
  size_t base = out->size();
  out->resize(base + remaining);
  Sample* dst = out->data() + base;
  // A local copy lets the compiler keep the decoder state in registers.
  XorState st = s_;
  size_t i = 0;
  bool ok = true;
  while (i < remaining) {
    if (!st.DecodeSteady()) {
      ok = false;
      break;
    }
    if (st.t > maxt) {
      i++;  // consumed, but not emitted
      num_read_ = static_cast<uint16_t>(num_read_ + i);
      s_ = st;
      out->resize(base + i - 1);
      return;
    }
    dst[i].t = st.t;
    dst[i].v = std::bit_cast<double>(st.v_bits);
    i++;
  }
  num_read_ = static_cast<uint16_t>(num_read_ + i);
  s_ = st;
  out->resize(base + i);
  if (!ok) Fail("XOR chunk: truncated sample");
}

}  // namespace promlite::tsdb::chunkenc
