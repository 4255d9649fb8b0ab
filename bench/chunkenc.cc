// XOR chunk encode/decode throughput on realistic counter and gauge data.
#include <algorithm>
#include <random>

#include <benchmark/benchmark.h>

#include "chunkenc/xor.h"

using namespace promlite::tsdb;
using namespace promlite::tsdb::chunkenc;

namespace {

// 120-sample chunks at a 15s interval. Kinds: 0 = counter with a few ms of
// scrape jitter, 1 = 2-decimal random-walk gauge with jitter, 2 = counter on
// exact 15s steps (timestamps aligned, as Prometheus' scrape alignment gives).
std::vector<std::vector<Sample>> MakeSeries(int64_t kind, int chunks) {
  bool counter = kind != 1;
  int64_t jitter = kind == 2 ? 0 : 7;
  std::mt19937_64 rng(42);
  std::vector<std::vector<Sample>> out(chunks);
  for (auto& c : out) {
    Timestamp t = 1700000000000;
    double v = counter ? static_cast<double>(rng() % 100000) : 50.0;
    for (int i = 0; i < kSamplesPerChunk; i++) {
      t += 15000 + (jitter ? static_cast<int64_t>(rng() % jitter) - 3 : 0);
      if (counter) {
        v += static_cast<double>(rng() % 50);  // integer increments, like request counts
      } else {
        v = static_cast<double>(static_cast<int64_t>(v * 100 + static_cast<double>(rng() % 201) - 100)) / 100.0;
      }
      c.push_back({t, v});
    }
  }
  return out;
}

const char* const kKindNames[] = {"counter, jittered ts", "gauge, jittered ts", "counter, aligned ts"};

void BM_XorEncode(benchmark::State& state) {
  auto series = MakeSeries(state.range(0), 256);
  std::vector<uint8_t> b;
  size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (const auto& c : series) {
      XorAppender a = XorAppender::New(&b);
      for (const auto& s : c) a.Append(s.t, s.v);
      bytes += b.size();
      benchmark::DoNotOptimize(b.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * 256 * kSamplesPerChunk);
  state.counters["bytes_per_sample"] = static_cast<double>(bytes) / (256.0 * kSamplesPerChunk);
  state.SetLabel(kKindNames[state.range(0)]);
}

std::vector<std::vector<uint8_t>> EncodeAll(const std::vector<std::vector<Sample>>& series) {
  std::vector<std::vector<uint8_t>> chunks(series.size());
  for (size_t i = 0; i < series.size(); i++) {
    XorAppender a = XorAppender::New(&chunks[i]);
    for (const auto& s : series[i]) a.Append(s.t, s.v);
  }
  return chunks;
}

void BM_XorDecode(benchmark::State& state) {
  auto chunks = EncodeAll(MakeSeries(state.range(0), 256));
  for (auto _ : state) {
    double sum = 0;
    for (const auto& c : chunks) {
      XorIterator it(c.data(), c.size());
      while (it.Next()) sum += it.v();
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * 256 * kSamplesPerChunk);
  state.SetLabel(kKindNames[state.range(0)]);
}

// Whole chunks decoded into one sample buffer with ReadUntil(maxt).
void DecodeBatch(benchmark::State& state, bool finite_maxt) {
  auto series = MakeSeries(state.range(0), 256);
  auto chunks = EncodeAll(series);
  Timestamp maxt = kMaxTime;
  if (finite_maxt) {
    maxt = 0;
    for (const auto& s : series) maxt = std::max(maxt, s.back().t);
  }
  std::vector<Sample> buf;
  buf.reserve(256 * kSamplesPerChunk);
  for (auto _ : state) {
    buf.clear();
    for (const auto& c : chunks) {
      XorIterator it(c.data(), c.size());
      it.ReadUntil(maxt, &buf);
    }
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(state.iterations() * 256 * kSamplesPerChunk);
  state.SetLabel(kKindNames[state.range(0)]);
}

// The query engine's path: a whole chunk decoded into a sample buffer.
void BM_XorDecodeBatch(benchmark::State& state) { DecodeBatch(state, false); }

// With a finite maxt (past every sample), as the query engine passes one:
// the decoder then checks each timestamp.
void BM_XorDecodeBatchMaxt(benchmark::State& state) { DecodeBatch(state, true); }

}  // namespace

BENCHMARK(BM_XorEncode)->DenseRange(0, 2);
BENCHMARK(BM_XorDecode)->DenseRange(0, 2);
BENCHMARK(BM_XorDecodeBatch)->DenseRange(0, 2);
BENCHMARK(BM_XorDecodeBatchMaxt)->DenseRange(0, 2);
BENCHMARK_MAIN();
