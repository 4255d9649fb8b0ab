// PromQL engine benchmarks on the figures of the engine issue: 10k series
// holding 2h of 15s data, each query run as a 2h range query at 60s steps.
//
//   BM_SumRate            sum by (job) (rate(x[5m]))
//   BM_HistogramQuantile  histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))
//   BM_BinaryOn           x / on() group_left() max(x)
//
// Each runs with 1 and 2 evaluation threads (EngineOptions::parallelism).
// Counters: ms per query and samples/s (samples read from storage per
// second of wall time).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>

#include "promlite/promql/engine.h"
#include "promlite/tsdb/db.h"
#include "promlite/tsdb/runtime.h"

namespace {

using promlite::promql::Engine;
using promlite::promql::EngineOptions;
using promlite::tsdb::DB;
using promlite::tsdb::Labels;

constexpr int kSeries = 10000;
constexpr int64_t kScrape = 15 * 1000;
constexpr int64_t kSpan = 2 * 3600 * 1000;
constexpr int64_t kStep = 60 * 1000;

// x{job, instance}: 10 jobs x 1000 instances of a counter.
// h_bucket{instance, le}: 1000 histograms x 10 buckets.
DB* Data() {
  static DB* db = [] {
    promlite::tsdb::DisableMutexDeadlockDetection();
    auto d = DB::OpenInMemory();
    std::vector<Labels> x, h;
    static const char* kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"};
    for (int i = 0; i < kSeries; i++) {
      std::string job = "job" + std::to_string(i % 10), inst = "host" + std::to_string(i / 10);
      x.push_back(Labels{{"__name__", "x"}, {"job", job}, {"instance", inst}});
      h.push_back(Labels{{"__name__", "h_bucket"}, {"instance", "host" + std::to_string(i / 10)}, {"le", kLe[i % 10]}});
    }
    std::vector<uint64_t> xref(kSeries, 0), href(kSeries, 0);
    for (int64_t t = 0; t <= kSpan; t += kScrape) {
      auto app = d->NewAppender();
      for (int i = 0; i < kSeries; i++) {
        double step = static_cast<double>(t / kScrape);
        auto r = app->Append(xref[i], x[i], t, step * (1 + i % 7));
        if (r.ok()) xref[i] = *r;
        // Cumulative bucket counts grow with the bucket index.
        auto q = app->Append(href[i], h[i], t, step * (1 + i % 10));
        if (q.ok()) href[i] = *q;
      }
      (void)app->Commit();
    }
    return d.release();
  }();
  return db;
}

void RunRange(benchmark::State& state, const std::string& query) {
  DB* db = Data();
  EngineOptions opts;
  opts.parallelism = static_cast<int>(state.range(0));
  Engine engine(opts);
  int64_t samples = 0;
  double seconds = 0;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    auto q = engine.NewRangeQuery(db, query, 0, kSpan, kStep);
    if (!q.ok()) {
      state.SkipWithError(std::string(q.status().message()).c_str());
      return;
    }
    auto res = (*q)->Exec();
    if (!res.status.ok()) {
      state.SkipWithError(std::string(res.status.message()).c_str());
      return;
    }
    samples += (*q)->Stats().total_samples;
    benchmark::DoNotOptimize(res.value);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  state.counters["ms"] = seconds * 1e3 / static_cast<double>(state.iterations());
  state.counters["samples/s"] = static_cast<double>(samples) / seconds;
}

void BM_SumRate(benchmark::State& s) { RunRange(s, "sum by (job) (rate(x[5m]))"); }
void BM_HistogramQuantile(benchmark::State& s) {
  RunRange(s, "histogram_quantile(0.9, sum by (le) (rate(h_bucket[5m])))");
}
void BM_BinaryOn(benchmark::State& s) { RunRange(s, "x / on() group_left() max(x)"); }

BENCHMARK(BM_SumRate)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HistogramQuantile)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_BinaryOn)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
