#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "tsdb/special_values.h"

#include "chunkenc/xor.h"

using namespace promlite::tsdb;
using namespace promlite::tsdb::chunkenc;

namespace {

std::vector<Sample> Decode(const std::vector<uint8_t>& b) {
  std::vector<Sample> out;
  XorIterator it(b.data(), b.size());
  while (it.Next()) out.push_back({it.t(), it.v()});
  REQUIRE(it.err().ok());
  return out;
}

void RequireSame(const std::vector<Sample>& want, const std::vector<Sample>& got) {
  REQUIRE(want.size() == got.size());
  for (size_t i = 0; i < want.size(); i++) {
    INFO("sample " << i);
    REQUIRE(want[i].t == got[i].t);
    // Bit-exact, so NaN payloads (staleness markers) survive too.
    REQUIRE(std::bit_cast<uint64_t>(want[i].v) == std::bit_cast<uint64_t>(got[i].v));
  }
}

}  // namespace

TEST_CASE("XOR chunk bytes match Prometheus' encoding", "[chunkenc]") {
  std::vector<uint8_t> b;
  XorAppender a = XorAppender::New(&b);
  a.Append(1000, 1.0);
  a.Append(2000, 1.0);
  a.Append(3000, 2.0);
  // Worked out by hand from the format: header, varint t, raw value, uvarint
  // delta, '0' (same value), '0' (dod 0), new window (lead 1, 11 bits).
  std::vector<uint8_t> want = {0x00, 0x03, 0xD0, 0x0F, 0x3F, 0xF0, 0x00, 0x00, 0x00,
                               0x00, 0x00, 0x00, 0xE8, 0x07, 0x30, 0x97, 0xFF, 0xC0};
  CHECK(b == want);
  RequireSame({{1000, 1.0}, {2000, 1.0}, {3000, 2.0}}, Decode(b));
}

TEST_CASE("XOR chunk round trips random data", "[chunkenc]") {
  const auto specials = testing::SpecialValues();
  for (uint32_t seed = 1; seed <= 300; seed++) {
    std::mt19937_64 rng(seed);
    std::vector<Sample> in;
    Timestamp t = static_cast<int64_t>(rng() % 2000000000000ull) - 1000000000000ll;
    double v = 0;
    int n = 1 + static_cast<int>(rng() % 240);
    for (int i = 0; i < n; i++) {
      switch (rng() % 6) {
        case 0: t += 15000; break;                                    // regular
        case 1: t += 15000 + static_cast<int64_t>(rng() % 200) - 100; break;  // jitter
        case 2: t += static_cast<int64_t>(rng() % (1ull << 40)); break;      // huge gap
        case 3: t += 1; break;
        case 4: t += static_cast<int64_t>(rng() % 1000000); break;
        default: t += static_cast<int64_t>(rng() % (1ull << 19)); break;
      }
      switch (rng() % 6) {
        case 0: break;                                   // unchanged
        case 1: v += static_cast<double>(rng() % 100); break;  // counter
        case 2: v = std::bit_cast<double>(rng()); break;  // anything, NaNs too
        case 3: v = specials[rng() % std::size(specials)]; break;
        case 4: v = -v * 1.5; break;
        default: v = static_cast<double>(static_cast<int64_t>(rng() % 2000) - 1000) / 100.0; break;
      }
      in.push_back({t, v});
    }
    std::vector<uint8_t> b;
    XorAppender a = XorAppender::New(&b);
    for (const auto& s : in) a.Append(s.t, s.v);
    INFO("seed " << seed);
    RequireSame(in, Decode(b));
  }
}

TEST_CASE("XOR chunk handles negative and extreme timestamp deltas", "[chunkenc]") {
  // Timestamps must increase in the head, but the encoding itself supports
  // any int64 deltas, including negative delta-of-delta at every bucket edge.
  std::vector<Sample> in;
  int64_t deltas[] = {1,         8192,     8193,      -8191 + 10000, 65536,     65537,  524288,
                      524289,    1LL << 40, 1,        (1LL << 62),  3,         8191,   -1,
                      100,       100,       99,       101,          1 << 13,   1 << 16, 1 << 19};
  Timestamp t = std::numeric_limits<int64_t>::min() / 2;
  for (int64_t d : deltas) {
    t += d;
    in.push_back({t, static_cast<double>(d)});
  }
  std::vector<uint8_t> b;
  XorAppender a = XorAppender::New(&b);
  for (const auto& s : in) a.Append(s.t, s.v);
  RequireSame(in, Decode(b));
}

TEST_CASE("XOR iterator seeks forward only", "[chunkenc]") {
  std::vector<uint8_t> b;
  XorAppender a = XorAppender::New(&b);
  for (int i = 0; i < 120; i++) a.Append(i * 1000, i);
  XorIterator it(b.data(), b.size());
  REQUIRE(it.Seek(50500));
  CHECK(it.t() == 51000);
  CHECK(it.v() == 51);
  REQUIRE(it.Seek(10000));  // already past: stays
  CHECK(it.t() == 51000);
  REQUIRE(it.Next());
  CHECK(it.t() == 52000);
  CHECK(!it.Seek(200000));
  CHECK(it.err().ok());
}

TEST_CASE("XOR iterator reports truncated and garbage chunks without crashing", "[chunkenc]") {
  std::vector<uint8_t> b;
  XorAppender a = XorAppender::New(&b);
  for (int i = 0; i < 120; i++) a.Append(i * 15000 + (i % 3), i * 1.25);
  for (size_t cut = 0; cut < b.size(); cut++) {
    std::vector<uint8_t> t(b.begin(), b.begin() + static_cast<long>(cut));
    XorIterator it(t.data(), t.size());
    int n = 0;
    while (it.Next()) n++;
    INFO("cut at " << cut);
    CHECK(!it.err().ok());
    CHECK(n < 120);
  }
  std::mt19937 rng(7);
  for (int round = 0; round < 2000; round++) {
    std::vector<uint8_t> g(2 + rng() % 64);
    for (auto& c : g) c = static_cast<uint8_t>(rng());
    XorIterator it(g.data(), g.size());
    int n = 0;
    while (it.Next()) n++;
    CHECK(n <= 0xffff);
  }
}

namespace {

// A random series in the style of the round-trip test above, up to `max_n`
// samples: regular and jittered steps, huge gaps, counters, random bits,
// NaNs and infinities, so every timestamp bucket and value form occurs.
std::vector<Sample> RandomSeries(std::mt19937_64& rng, int max_n) {
  std::vector<Sample> in;
  Timestamp t = static_cast<int64_t>(rng() % 2000000000000ull) - 1000000000000ll;
  double v = static_cast<double>(rng() % 1000);
  int n = 1 + static_cast<int>(rng() % static_cast<uint64_t>(max_n));
  for (int i = 0; i < n; i++) {
    switch (rng() % 7) {
      case 0: t += 15000; break;
      case 1: t += 15000 + static_cast<int64_t>(rng() % 7) - 3; break;
      case 2: t += static_cast<int64_t>(rng() % (1ull << 40)); break;
      case 3: t += static_cast<int64_t>(rng() % (1ull << 21)); break;
      case 4: t -= static_cast<int64_t>(rng() % 100000); break;  // the format allows it
      default: t += 1000; break;
    }
    switch (rng() % 7) {
      case 0: break;
      case 1: v += static_cast<double>(rng() % 50); break;
      case 2: v = std::bit_cast<double>(rng()); break;
      case 3: v = std::numeric_limits<double>::quiet_NaN(); break;
      case 4: v = static_cast<double>(static_cast<int64_t>(v * 100 + static_cast<double>(rng() % 201) - 100)) / 100.0; break;
      case 5: v = -v; break;
      default: v = StaleNaN(); break;
    }
    in.push_back({t, v});
  }
  return in;
}

std::vector<uint8_t> Encode(const std::vector<Sample>& in) {
  std::vector<uint8_t> b;
  XorAppender a = XorAppender::New(&b);
  for (const auto& s : in) a.Append(s.t, s.v);
  return b;
}

struct Decoded {
  std::vector<Sample> samples;
  bool ok = true;
  std::string err;
};

Decoded DecodeBatch(const std::vector<uint8_t>& b) {
  Decoded d;
  XorIterator it(b.data(), b.size());
  it.ReadUntil(kMaxTime, &d.samples);
  CHECK(!it.Next());
  d.ok = it.err().ok();
  d.err = std::string(it.err().message());
  return d;
}

bool SameSample(const Sample& a, const Sample& b) {
  return a.t == b.t && std::bit_cast<uint64_t>(a.v) == std::bit_cast<uint64_t>(b.v);
}

void RequireSameDecode(const Decoded& a, const Decoded& b) {
  REQUIRE(a.samples.size() == b.samples.size());
  for (size_t i = 0; i < a.samples.size(); i++) {
    INFO("sample " << i);
    REQUIRE(SameSample(a.samples[i], b.samples[i]));
  }
  REQUIRE(a.ok == b.ok);
  REQUIRE(a.err == b.err);
}

}  // namespace

TEST_CASE("XOR chunk round trips long chunks (more than one decode block)", "[chunkenc]") {
  for (uint64_t seed = 1; seed <= 40; seed++) {
    std::mt19937_64 rng(seed);
    auto in = RandomSeries(rng, 2000);
    auto b = Encode(in);
    INFO("seed " << seed << ", " << in.size() << " samples");
    RequireSame(in, Decode(b));
    Decoded batch = DecodeBatch(b);
    REQUIRE(batch.ok);
    RequireSame(in, batch.samples);
  }
}

TEST_CASE("XOR iterator: ReadUntil, Next and Seek agree at any position", "[chunkenc]") {
  for (uint64_t seed = 1; seed <= 300; seed++) {
    std::mt19937_64 rng(seed * 7919);
    std::vector<Sample> in;
    // Increasing timestamps, as in the head, so maxt cuts are meaningful.
    Timestamp t = 1700000000000;
    double v = 0;
    int n = 1 + static_cast<int>(rng() % 300);
    for (int i = 0; i < n; i++) {
      t += 1 + static_cast<int64_t>(rng() % (rng() % 2 ? 30000 : (1u << 22)));
      v += static_cast<double>(rng() % 10);
      in.push_back({t, v});
    }
    auto b = Encode(in);
    INFO("seed " << seed);
    // Step a random number of samples with Next, then ReadUntil a random
    // maxt, then Next again; compare with the plain sample list.
    XorIterator it(b.data(), b.size());
    size_t pos = 0;  // samples consumed
    size_t first = rng() % (in.size() + 1);
    for (; pos < first; pos++) {
      REQUIRE(it.Next());
      REQUIRE(SameSample({it.t(), it.v()}, in[pos]));
    }
    Timestamp maxt = in[rng() % in.size()].t + static_cast<int64_t>(rng() % 3) - 1;
    if (rng() % 5 == 0) maxt = kMaxTime;
    std::vector<Sample> got = {{-1, -1}};  // ReadUntil appends
    it.ReadUntil(maxt, &got);
    REQUIRE(it.err().ok());
    size_t want_end = pos;
    while (want_end < in.size() && in[want_end].t <= maxt) want_end++;
    REQUIRE(got.size() == 1 + want_end - pos);
    for (size_t i = pos; i < want_end; i++) REQUIRE(SameSample(got[1 + i - pos], in[i]));
    pos = want_end;
    if (pos < in.size()) {
      // The first sample after maxt was consumed and is current.
      REQUIRE(SameSample({it.t(), it.v()}, in[pos]));
      pos++;
    } else {
      REQUIRE(SameSample({it.t(), it.v()}, in.back()));
    }
    // Seek forward to a random later timestamp, then Next to the end.
    if (pos < in.size() && rng() % 2) {
      size_t target = pos + rng() % (in.size() - pos);
      REQUIRE(it.Seek(in[target].t));
      REQUIRE(SameSample({it.t(), it.v()}, in[target]));
      REQUIRE(it.Seek(in[target].t - 1000000));  // never backwards
      REQUIRE(SameSample({it.t(), it.v()}, in[target]));
      pos = target + 1;
    }
    for (; pos < in.size(); pos++) {
      REQUIRE(it.Next());
      REQUIRE(SameSample({it.t(), it.v()}, in[pos]));
    }
    REQUIRE(!it.Next());
    REQUIRE(it.err().ok());
  }
}

TEST_CASE("XOR iterator survives random truncation and bit flips", "[chunkenc]") {
  // Damaged chunks must end in an error (or a clean end when the damage
  // still decodes), never read out of bounds or crash; the batch path must
  // agree with Next() sample for sample. Run under ASan/UBSan to check the
  // bounds properly.
  int errors = 0, decoded_ok = 0;
  for (uint64_t seed = 1; seed <= 400; seed++) {
    std::mt19937_64 rng(seed * 104729);
    auto in = RandomSeries(rng, seed % 4 == 0 ? 600 : 150);
    const auto orig = Encode(in);
    for (int round = 0; round < 25; round++) {
      // Copy into an exactly-sized heap buffer so ASan sees any overread.
      std::vector<uint8_t> b;
      bool flipped = false;
      size_t cut = orig.size();
      int kind = static_cast<int>(rng() % 3);
      if (kind != 1) cut = rng() % (orig.size() + 1);  // truncate
      b.assign(orig.begin(), orig.begin() + static_cast<long>(cut));
      if (kind != 0 && !b.empty()) {  // flip 1..4 bits, sometimes in the header
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; f++) {
          size_t at = rng() % 4 == 0 ? rng() % std::min<size_t>(b.size(), 4) : rng() % b.size();
          b[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
        }
        flipped = true;
      }
      std::unique_ptr<uint8_t[]> exact(new uint8_t[b.size() + 1]);  // +1: data() of empty
      if (!b.empty()) std::memcpy(exact.get(), b.data(), b.size());
      INFO("seed " << seed << " round " << round << " cut " << cut << " of " << orig.size());
      Decoded next;
      {
        XorIterator it(exact.get(), b.size());
        while (it.Next()) next.samples.push_back({it.t(), it.v()});
        next.ok = it.err().ok();
        next.err = std::string(it.err().message());
        REQUIRE(next.samples.size() <= XorNumSamples(exact.get(), b.size()));
        if (next.ok) REQUIRE(next.samples.size() == XorNumSamples(exact.get(), b.size()));
      }
      Decoded batch;
      {
        XorIterator it(exact.get(), b.size());
        it.ReadUntil(kMaxTime, &batch.samples);
        batch.ok = it.err().ok();
        batch.err = std::string(it.err().message());
      }
      RequireSameDecode(next, batch);
      if (!flipped) {
        // Truncation only: a prefix of the original, and an error unless
        // nothing was cut.
        REQUIRE(next.samples.size() <= in.size());
        for (size_t i = 0; i < next.samples.size(); i++) REQUIRE(SameSample(next.samples[i], in[i]));
        if (cut < orig.size()) {
          REQUIRE(!next.ok);
          REQUIRE(next.samples.size() < in.size());
        } else {
          REQUIRE(next.ok);
          REQUIRE(next.samples.size() == in.size());
        }
      }
      (next.ok ? decoded_ok : errors)++;
    }
  }
  CHECK(errors > 0);
  CHECK(decoded_ok > 0);
}

TEST_CASE("XOR iterator copies carry their position and buffered samples", "[chunkenc]") {
  std::mt19937_64 rng(99);
  auto in = RandomSeries(rng, 400);
  while (in.size() < 300) in = RandomSeries(rng, 400);
  auto b = Encode(in);
  XorIterator it(b.data(), b.size());
  for (int i = 0; i < 37; i++) REQUIRE(it.Next());
  XorIterator copy = it;  // mid-block
  XorIterator assigned;
  assigned = it;
  XorIterator moved = XorIterator(it);
  for (size_t i = 37; i < in.size(); i++) {
    INFO("sample " << i);
    REQUIRE(it.Next());
    REQUIRE(copy.Next());
    REQUIRE(assigned.Next());
    REQUIRE(moved.Next());
    REQUIRE(SameSample({it.t(), it.v()}, in[i]));
    REQUIRE(SameSample({copy.t(), copy.v()}, in[i]));
    REQUIRE(SameSample({assigned.t(), assigned.v()}, in[i]));
    REQUIRE(SameSample({moved.t(), moved.v()}, in[i]));
  }
  REQUIRE(!it.Next());
  REQUIRE(!copy.Next());
  REQUIRE(copy.err().ok());
}

namespace {

// A deliberately plain XOR decoder, one bit at a time, written from the
// format's rules (Prometheus' tsdb/chunkenc/xor.go semantics) and sharing no
// code with XorIterator. It also rejects a '11' value header whose leading
// zeros and length exceed 64 bits, as XorIterator does.
class RefBits {
 public:
  RefBits(const uint8_t* b, size_t n) : b_(b), n_bits_(n * 8) {}
  bool Bit(uint64_t* out) {
    if (pos_ >= n_bits_) return false;
    *out = (b_[pos_ / 8] >> (7 - pos_ % 8)) & 1;
    pos_++;
    return true;
  }
  bool Bits(int k, uint64_t* out) {
    uint64_t x = 0, bit;
    for (int i = 0; i < k; i++) {
      if (!Bit(&bit)) return false;
      x = (x << 1) | bit;
    }
    *out = x;
    return true;
  }
  // Go's binary.Uvarint: at most 10 bytes, the 10th at most 1.
  bool Uvarint(uint64_t* out) {
    uint64_t x = 0, byte;
    for (int i = 0; i < 10; i++) {
      if (!Bits(8, &byte)) return false;
      if (i == 9 && byte > 1) return false;
      x |= (byte & 0x7f) << (7 * i);
      if (byte < 0x80) {
        *out = x;
        return true;
      }
    }
    return false;
  }

 private:
  const uint8_t* b_;
  size_t n_bits_;
  size_t pos_ = 0;
};

Decoded RefDecode(const uint8_t* b, size_t n) {
  Decoded d;
  if (n < 2) {
    d.ok = false;
    return d;
  }
  const size_t total = (size_t{b[0]} << 8) | b[1];
  RefBits r(b + 2, n - 2);
  uint64_t t = 0, delta = 0, v = 0, leading = 0, sig = 64;
  // The value field of samples 1 and later.
  auto value = [&]() {
    uint64_t bit, x;
    if (!r.Bit(&bit)) return false;
    if (bit == 0) return true;
    if (!r.Bit(&bit)) return false;
    if (bit == 1) {
      if (!r.Bits(5, &leading) || !r.Bits(6, &sig)) return false;
      if (sig == 0) sig = 64;
      if (leading + sig > 64) return false;
    }
    if (!r.Bits(static_cast<int>(sig), &x)) return false;
    v ^= x << (64 - leading - sig);
    return true;
  };
  for (size_t i = 0; i < total; i++) {
    bool good;
    if (i == 0) {
      uint64_t zz;
      good = r.Uvarint(&zz) && r.Bits(64, &v);
      t = (zz >> 1) ^ (0 - (zz & 1));
    } else if (i == 1) {
      good = r.Uvarint(&delta);
      t += delta;
      good = good && value();
    } else {
      // Delta-of-delta: '0' | '10' 14 bits | '110' 17 | '1110' 20 | '1111' 64.
      int ones = 0;
      uint64_t bit = 1;
      while (ones < 4 && (good = r.Bit(&bit)) && bit == 1) ones++;
      if (!good) {
        d.ok = false;
        return d;
      }
      uint64_t dod = 0;
      if (ones == 4) {
        good = r.Bits(64, &dod);
      } else if (ones > 0) {
        const int sz = ones == 1 ? 14 : ones == 2 ? 17 : 20;
        good = r.Bits(sz, &dod);
        if (dod > (uint64_t{1} << (sz - 1))) dod -= uint64_t{1} << sz;
      }
      delta += dod;
      t += delta;
      good = good && value();
    }
    if (!good) {
      d.ok = false;
      return d;
    }
    d.samples.push_back({static_cast<Timestamp>(t), std::bit_cast<double>(v)});
  }
  return d;
}

}  // namespace

TEST_CASE("XOR iterator decodes damaged chunks exactly like a bit-at-a-time reference", "[chunkenc]") {
  // Any bytes with any sample count: the same samples, and an error exactly
  // when the reference runs out of bits or meets an impossible window.
  int errors = 0, decoded_ok = 0;
  for (uint64_t seed = 1; seed <= 600; seed++) {
    std::mt19937_64 rng(seed * 7919);
    auto in = RandomSeries(rng, seed % 5 == 0 ? 700 : 160);
    const auto orig = Encode(in);
    for (int round = 0; round < 20; round++) {
      std::vector<uint8_t> b = orig;
      switch (rng() % 4) {
        case 0:  // flip bits anywhere
          for (int f = 1 + static_cast<int>(rng() % 6); f > 0; f--) b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
        case 1:  // random bytes after a point
          for (size_t i = 2 + rng() % (b.size() - 1); i < b.size(); i++) b[i] = static_cast<uint8_t>(rng());
          break;
        case 2:  // claim more (or fewer) samples than are there
          b[0] = static_cast<uint8_t>(rng());
          b[1] = static_cast<uint8_t>(rng());
          break;
        default:  // truncate, then flip one bit
          b.resize(rng() % (b.size() + 1));
          if (!b.empty()) b[rng() % b.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
          break;
      }
      // An exactly-sized heap copy, so ASan sees any overread.
      std::unique_ptr<uint8_t[]> exact(new uint8_t[b.size() + 1]);
      if (!b.empty()) std::memcpy(exact.get(), b.data(), b.size());
      INFO("seed " << seed << " round " << round << " size " << b.size());
      const Decoded want = RefDecode(exact.get(), b.size());
      Decoded got;
      {
        XorIterator it(exact.get(), b.size());
        while (it.Next()) got.samples.push_back({it.t(), it.v()});
        got.ok = it.err().ok();
      }
      Decoded batch;
      {
        XorIterator it(exact.get(), b.size());
        it.ReadUntil(kMaxTime, &batch.samples);
        batch.ok = it.err().ok();
      }
      for (const Decoded* d : {&got, &batch}) {
        REQUIRE(d->samples.size() == want.samples.size());
        for (size_t i = 0; i < want.samples.size(); i++) {
          INFO("sample " << i);
          REQUIRE(SameSample(d->samples[i], want.samples[i]));
        }
        REQUIRE(d->ok == want.ok);
      }
      (want.ok ? decoded_ok : errors)++;
    }
  }
  CHECK(errors > 1000);
  CHECK(decoded_ok > 1000);
}
