#include <bit>
#include <cmath>
#include <limits>
#include <random>

#include <catch2/catch.hpp>

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
  const double specials[] = {std::numeric_limits<double>::quiet_NaN(),
                             std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(),
                             StaleNaN(),
                             0.0,
                             -0.0,
                             std::numeric_limits<double>::max(),
                             std::numeric_limits<double>::denorm_min(),
                             -1e300};
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
