// The head's open chunk (block chain + word-at-a-time bit sink) must produce
// exactly the bytes of the vector-backed XOR appender, at every length.
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tsdb/special_values.h"

#include "chunkenc/xor.h"
#include "head/open_chunk.h"

using namespace promlite::tsdb;
using promlite::tsdb::head::OpenChunk;

namespace {

// Sample streams that exercise every delta-of-delta bucket and value case.
std::vector<Sample> Stream(uint32_t seed, int n) {
  std::mt19937_64 rng(seed);
  const auto specials = testing::SpecialValues();
  std::vector<Sample> out;
  Timestamp t = static_cast<Timestamp>(rng() % 2000000000000) - 1000000000000;
  double v = 0;
  for (int i = 0; i < n; i++) {
    switch (rng() % 6) {
      case 0: t += 15000; break;                                                  // dod 0
      case 1: t += 15000 + static_cast<Timestamp>(rng() % 7) - 3; break;          // 14-bit
      case 2: t += 1 + static_cast<Timestamp>(rng() % 100000); break;             // 17/20-bit
      case 3: t += 1 + static_cast<Timestamp>(rng() % (int64_t{1} << 40)); break;  // 64-bit
      default: t += 1000; break;
    }
    switch (rng() % 5) {
      case 0: break;                                        // unchanged
      case 1: v += static_cast<double>(rng() % 1000); break; // counter
      case 2: v = std::bit_cast<double>(rng()); break;       // any bits
      case 3: v = specials[rng() % specials.size()]; break;
      default: v = std::round(v * 0.9 + 3.25); break;
    }
    out.push_back({t, v});
  }
  return out;
}

// Appends like the head does: the caller keeps the last sample.
struct Feeder {
  OpenChunk& oc;
  Timestamp t = 0;
  uint64_t vb = 0;
  void Append(const Sample& s) {
    oc.Append(t, vb, s.t, s.v);
    t = s.t;
    vb = std::bit_cast<uint64_t>(s.v);
  }
};

}  // namespace

TEST_CASE("Open chunk bytes equal the XOR appender's at every length", "[openchunk]") {
  for (uint32_t seed = 1; seed <= 60; seed++) {
    std::vector<Sample> samples = Stream(seed, 1 + static_cast<int>(seed * 7 % 300));
    std::vector<uint8_t> want;
    chunkenc::XorAppender app = chunkenc::XorAppender::New(&want);
    OpenChunk oc;
    oc.Start(samples[0].t);
    Feeder feed{oc};
    for (const Sample& s : samples) {
      app.Append(s.t, s.v);
      feed.Append(s);
      INFO("seed " << seed << " samples " << oc.num_samples());
      REQUIRE(oc.size() == want.size());
      REQUIRE(oc.ToVector() == want);
      // Every block but the last is full; up to 8 bytes wait in the word.
      auto blocks_for = [](size_t bytes) {
        return (bytes + OpenChunk::kBlockPayload - 1) / OpenChunk::kBlockPayload * OpenChunk::kBlockBytes;
      };
      REQUIRE(oc.allocated_bytes() >= blocks_for(want.size() < 8 ? 0 : want.size() - 8));
      REQUIRE(oc.allocated_bytes() <= blocks_for(want.size()));
    }
    REQUIRE(oc.mint() == samples[0].t);
    REQUIRE(oc.num_samples() == samples.size());
  }
}

TEST_CASE("Open chunk restarts and resets cleanly", "[openchunk]") {
  OpenChunk oc;
  REQUIRE(oc.num_samples() == 0);
  REQUIRE(oc.size() == 0);
  REQUIRE(oc.allocated_bytes() == 0);
  for (int round = 0; round < 3; round++) {
    oc.Start(1000);
    REQUIRE(oc.size() == 2);  // the sample count only
    REQUIRE(oc.ToVector() == std::vector<uint8_t>{0, 0});
    std::vector<uint8_t> want;
    chunkenc::XorAppender app = chunkenc::XorAppender::New(&want);
    Feeder feed{oc};
    for (const Sample& s : Stream(100 + round, 200)) {
      feed.Append(s);
      app.Append(s.t, s.v);
    }
    REQUIRE(oc.ToVector() == want);
    REQUIRE(oc.allocated_bytes() > 0);
  }
  oc.Reset();
  REQUIRE(oc.num_samples() == 0);
  REQUIRE(oc.size() == 0);
  REQUIRE(oc.allocated_bytes() == 0);
}

TEST_CASE("Open chunks on many threads share the block pool safely", "[openchunk]") {
  // Threads build, check and drop chunks while others do the same, so blocks
  // move between threads' pool shards (run under TSan/ASan builds too).
  std::vector<std::thread> threads;
  std::vector<int> bad(6, 0);
  for (int w = 0; w < 6; w++) {
    threads.emplace_back([w, &bad] {
      std::vector<OpenChunk> chunks(20);
      for (int round = 0; round < 30; round++) {
        for (size_t c = 0; c < chunks.size(); c++) {
          uint32_t seed = static_cast<uint32_t>(w * 100000 + round * 100 + c);
          std::vector<Sample> samples = Stream(seed, 50 + static_cast<int>(seed % 150));
          std::vector<uint8_t> want;
          chunkenc::XorAppender app = chunkenc::XorAppender::New(&want);
          chunks[c].Start(samples[0].t);
          Feeder feed{chunks[c]};
          for (const Sample& s : samples) {
            feed.Append(s);
            app.Append(s.t, s.v);
          }
          if (chunks[c].ToVector() != want) bad[w]++;
          if (c % 3 == 0) chunks[c].Reset();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int w = 0; w < 6; w++) CHECK(bad[w] == 0);
}
