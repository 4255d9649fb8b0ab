// Block benchmarks and figures:
//  - bytes per sample on disk for a realistic dataset (10k series x 2h at
//    15s: counters, gauges, classic histograms), for promlite's block and,
//    when /usr/bin/promtool exists, for a block Prometheus 2.42 writes from
//    the same samples (promtool tsdb create-blocks-from openmetrics);
//  - compaction throughput (three 2h blocks into one);
//  - query latency over a block vs over the head;
//  - startup time after SIGKILL (WAL + chunks_head replay), series count
//    from PROMLITE_BENCH_SERIES (default 100000; the README figure uses 1M).
//
//   cmake --build build --target bench_blocks && build/bench/bench_blocks
#include <benchmark/benchmark.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fileutil/fileutil.h"
#include "promlite/tsdb/db.h"

using namespace promlite::tsdb;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kT0 = 1700000000000;

struct SeriesGen {
  Labels labels;
  int kind;  // 0 counter, 1 gauge, 2 histogram bucket
  double v = 0;
  double rate = 1;
};

// 10k series shaped like node_exporter/app metrics: a third counters, a
// third gauges, a third histogram buckets (8 buckets per histogram).
std::vector<SeriesGen> Dataset(int n) {
  std::vector<SeriesGen> out;
  std::mt19937 rng(7);
  static const char* les[] = {"0.005", "0.01", "0.05", "0.1", "0.5", "1", "5", "+Inf"};
  for (int i = 0; i < n; i++) {
    SeriesGen g;
    g.kind = i % 3;
    std::string inst = "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":9100";
    if (g.kind == 0) {
      g.labels = Labels{{"__name__", "node_network_receive_bytes_total"}, {"instance", inst}, {"job", "node"},
                        {"device", "eth" + std::to_string(i % 4)}};
      g.rate = i % 10 < 3 ? 0 : 1 + rng() % 2000;  // idle devices never move
    } else if (g.kind == 1) {
      g.labels = Labels{{"__name__", "node_memory_MemAvailable_bytes"}, {"instance", inst}, {"job", "node"},
                        {"zone", std::to_string(i % 8)}};
      g.v = 4e9 + rng() % 1000000000;
    } else {
      g.labels = Labels{{"__name__", "http_request_duration_seconds_bucket"}, {"instance", inst}, {"job", "api"},
                        {"le", les[i % 8]}, {"handler", "/api/v" + std::to_string(i % 5)}};
      g.rate = 1 + (i % 8) * 3;
    }
    out.push_back(std::move(g));
  }
  return out;
}

double Next(SeriesGen& g, std::mt19937& rng) {
  switch (g.kind) {
    case 0:
      if (g.rate > 0) g.v += std::poisson_distribution<int>(g.rate * 15)(rng);
      break;
    case 1:
      // Most gauges hold still between scrapes; some move by whole pages.
      if (rng() % 4 == 0) g.v += (static_cast<double>(rng() % 2001) - 1000) * 4096;
      break;
    default: g.v += std::poisson_distribution<int>(g.rate)(rng); break;
  }
  return g.v;
}

// Writes `hours` of the dataset into db (and optionally an OpenMetrics file).
uint64_t Fill(DB& db, std::vector<SeriesGen>& gens, Timestamp t0, int64_t hours, std::ofstream* om) {
  std::mt19937 rng(11);
  auto app = db.NewAppender();
  std::vector<SeriesRef> refs(gens.size(), 0);
  uint64_t n = 0;
  std::vector<std::vector<std::pair<Timestamp, double>>> om_rows(om ? gens.size() : 0);
  for (Timestamp t = t0 + 7; t < t0 + hours * kHour; t += 15000) {
    for (size_t i = 0; i < gens.size(); i++) {
      Timestamp ts = t + static_cast<Timestamp>(i % 1000);  // scrape offsets differ per target
      double v = Next(gens[i], rng);
      auto r = app->Append(refs[i], gens[i].labels, ts, v);
      if (r.ok()) refs[i] = *r;
      if (om) om_rows[i].push_back({ts, v});
      n++;
    }
    (void)app->Commit();
  }
  if (om) {
    for (size_t i = 0; i < gens.size(); i++) {
      // OpenMetrics: name{a="b",c="d"} without spaces.
      std::string l(gens[i].labels.MetricName());
      l += "{";
      bool first = true;
      for (const Label& x : gens[i].labels) {
        if (x.name == "__name__") continue;
        l += (first ? "" : ",") + std::string(x.name) + "=\"" + std::string(x.value) + "\"";
        first = false;
      }
      l += "}";
      for (const auto& [ts, v] : om_rows[i]) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %.17g %lld.%03lld\n", v, static_cast<long long>(ts / 1000),
                      static_cast<long long>(ts % 1000));
        *om << l << buf;
      }
    }
    *om << "# EOF\n";
  }
  return n;
}

Options BenchOpts() {
  Options o;
  o.logger = NewNopLogger();
  o.compaction_interval_ms = 0;
  o.wal_compression = WalCompression::kSnappy;
  return o;
}

uint64_t BlockBytes(const std::string& dir) {
  uint64_t b = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (fileutil::IsULID(n)) b += fileutil::DirSize(e.path().string());
  }
  return b;
}

void BM_BytesPerSample(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::string base = fs::temp_directory_path() / ("promlite-bench-bps-" + std::to_string(getpid()));
  for (auto _ : state) {
    fs::remove_all(base);
    auto gens = Dataset(n);
    std::ofstream om(base + ".om");
    uint64_t samples;
    {
      auto db = DB::Open(base + "/ours", BenchOpts());
      samples = Fill(**db, gens, kT0, 2, &om);
      om.close();
      (void)(*db)->Snapshot(base + "/snap", true);  // the head written as one block
    }
    uint64_t ours = BlockBytes(base + "/snap");
    state.counters["samples"] = static_cast<double>(samples);
    state.counters["promlite_bytes_per_sample"] = static_cast<double>(ours) / static_cast<double>(samples);
    if (::access("/usr/bin/promtool", X_OK) == 0) {
      std::string cmd = "/usr/bin/promtool tsdb create-blocks-from openmetrics " + base + ".om " + base +
                        "/prom > /dev/null 2>&1";
      if (std::system(cmd.c_str()) == 0) {
        uint64_t theirs = BlockBytes(base + "/prom");
        state.counters["prometheus_bytes_per_sample"] = static_cast<double>(theirs) / static_cast<double>(samples);
      }
    }
  }
  fs::remove_all(base);
  fs::remove(base + ".om");
}
BENCHMARK(BM_BytesPerSample)->Arg(10000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_CompactBlocks(benchmark::State& state) {
  std::string base = fs::temp_directory_path() / ("promlite-bench-compact-" + std::to_string(getpid()));
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(base);
    auto gens = Dataset(static_cast<int>(state.range(0)));
    Options o = BenchOpts();
    auto db = DB::Open(base, o);
    uint64_t samples = Fill(**db, gens, kT0, 8, nullptr);
    state.ResumeTiming();
    auto t0 = std::chrono::steady_clock::now();
    (void)(*db)->Compact();  // head -> 3 x 2h blocks -> one 6h block
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.counters["samples_per_second"] = static_cast<double>(samples) * 6 / 8 / s;
    state.counters["blocks"] = static_cast<double>((*db)->Blocks().size());
  }
  fs::remove_all(base);
}
BENCHMARK(BM_CompactBlocks)->Arg(3000)->Iterations(1)->Unit(benchmark::kMillisecond);

void Query(benchmark::State& state, bool from_block) {
  std::string base = fs::temp_directory_path() / ("promlite-bench-query-" + std::to_string(getpid()));
  fs::remove_all(base);
  auto gens = Dataset(3000);
  auto db = DB::Open(base, BenchOpts());
  Fill(**db, gens, kT0, 2, nullptr);
  std::unique_ptr<DB> snap;
  if (from_block) {
    (void)(*db)->Snapshot(base + "/snap", true);
    snap = std::move(*DB::Open(base + "/snap", BenchOpts()));
  }
  DB& q = from_block ? *snap : **db;
  auto m = Matcher::MustMake(MatchType::kEqual, "__name__", "node_network_receive_bytes_total");
  size_t samples = 0;
  std::vector<Sample> buf;
  for (auto _ : state) {
    auto qr = q.NewQuerier(kT0, kT0 + 2 * kHour);
    auto ss = (*qr)->Select(true, nullptr, {m});
    while (ss->Next()) {
      buf.clear();
      ss->At().Iterator()->ReadUntil(kMaxTime, &buf);
      samples += buf.size();
    }
  }
  state.counters["samples_per_second"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
  fs::remove_all(base);
}
void BM_QueryHead(benchmark::State& state) { Query(state, false); }
void BM_QueryBlock(benchmark::State& state) { Query(state, true); }
BENCHMARK(BM_QueryHead)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_QueryBlock)->Unit(benchmark::kMillisecond);

// A child writes N series x 150 samples (one full chunk each in chunks_head
// plus an open chunk) and is killed; the parent times DB::Open.
void BM_StartupAfterKill(benchmark::State& state) {
  const char* env = std::getenv("PROMLITE_BENCH_SERIES");
  const int n = env ? std::atoi(env) : 100000;
  std::string base = fs::temp_directory_path() / ("promlite-bench-startup-" + std::to_string(getpid()));
  for (auto _ : state) {
    state.PauseTiming();
    fs::remove_all(base);
    int pipefd[2];
    if (pipe(pipefd) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
      auto db = DB::Open(base, BenchOpts());
      auto app = (*db)->NewAppender();
      std::vector<SeriesRef> refs(static_cast<size_t>(n), 0);
      for (int k = 0; k < 150; k++) {
        for (int i = 0; i < n; i++) {
          if (refs[static_cast<size_t>(i)] == 0) {
            Labels l{{"__name__", "m" + std::to_string(i % 100)}, {"instance", "h" + std::to_string(i / 100)},
                     {"job", "node"}};
            refs[static_cast<size_t>(i)] = *app->Append(0, l, kT0 + k * 15000, i + k);
          } else {
            (void)app->Append(refs[static_cast<size_t>(i)], Labels(), kT0 + k * 15000, i + k);
          }
          if (i % 10000 == 9999) (void)app->Commit();
        }
        (void)app->Commit();
      }
      (void)!write(pipefd[1], "x", 1);
      pause();
      _exit(0);
    }
    char c;
    (void)!read(pipefd[0], &c, 1);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    close(pipefd[0]);
    close(pipefd[1]);
    state.ResumeTiming();
    auto t0 = std::chrono::steady_clock::now();
    auto db = DB::Open(base, BenchOpts());
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.PauseTiming();
    auto st = (*db)->Stats();
    state.counters["series"] = static_cast<double>(st.head_series);
    state.counters["open_seconds"] = s;
    state.counters["wal_bytes"] = static_cast<double>(fileutil::DirSize(base + "/wal"));
    state.counters["chunks_head_bytes"] = static_cast<double>(fileutil::DirSize(base + "/chunks_head"));
    db->reset();
    state.ResumeTiming();
  }
  fs::remove_all(base);
}
BENCHMARK(BM_StartupAfterKill)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
