// CPU per scraped sample, end to end minus the network: parse + target
// labels + metric relabeling + append + commit, for 50 targets x 1000
// series, into the real TSDB head (DB::OpenInMemory) and into a no-op
// appender (the scrape side alone).
//
// Steady state is what a server spends its time on: every series is a cache
// hit. The first scrape of a target (labels built, relabeled, series created)
// is measured separately.
//
//   build/bench/bench_scrape_ingest --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "loop/ingester.h"
#include "loop/target.h"
#include "promlite/scrape/config.h"
#include "promlite/tsdb/db.h"

namespace {

using namespace promlite::scrape;
using namespace promlite::scrape::loop;
namespace tsdb = promlite::tsdb;

constexpr int kTargets = 50;
constexpr int kSeries = 1000;

// node_exporter-like: 20 families of 50 series with cpu/mode/device labels.
std::string Exposition(int target, int round) {
  std::string s;
  static const char* modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user", "guest", "nice2"};
  int n = 0;
  for (int f = 0; n < kSeries; f++) {
    std::string name = "node_family_" + std::to_string(f) + "_seconds_total";
    s += "# HELP " + name + " Seconds the things spent in each mode.\n# TYPE " + name + " counter\n";
    for (int i = 0; i < 50 && n < kSeries; i++, n++) {
      s += name + "{cpu=\"" + std::to_string(i / 10) + "\",device=\"sd" + static_cast<char>('a' + target % 26) +
           "\",mode=\"" + modes[i % 10] + "\"} " + std::to_string(1000.25 * (i + 1) + round * 15.5 + target) + "\n";
    }
  }
  return s;
}

std::shared_ptr<const ScrapeConfig> Config() {
  auto c = LoadConfig(
      "scrape_configs:\n- job_name: node\n  metric_relabel_configs:\n"
      "  - {source_labels: [__name__], regex: 'go_.*', action: drop}\n"
      "  - {regex: 'unused_.*', action: labeldrop}\n");
  return std::make_shared<ScrapeConfig>(c->scrape_configs[0]);
}

class NoopAppender : public tsdb::Appender {
 public:
  explicit NoopAppender(uint64_t* next) : next_(next) {}
  absl::StatusOr<tsdb::SeriesRef> Append(tsdb::SeriesRef ref, const tsdb::Labels&, tsdb::Timestamp, double) override {
    return ref ? ref : ++*next_;
  }
  absl::Status Commit() override { return absl::OkStatus(); }
  absl::Status Rollback() override { return absl::OkStatus(); }

 private:
  uint64_t* next_;
};

class NoopStorage : public tsdb::Appendable {
 public:
  std::unique_ptr<tsdb::Appender> NewAppender() override { return std::make_unique<NoopAppender>(&next_); }

 private:
  uint64_t next_ = 0;
};

struct Fleet {
  std::vector<std::unique_ptr<Ingester>> ingesters;
  std::vector<std::string> bodies[2];  // two rounds of values, alternated

  explicit Fleet(const std::shared_ptr<const ScrapeConfig>& cfg) {
    for (int t = 0; t < kTargets; t++) {
      std::string addr = "10.0." + std::to_string(t / 250) + "." + std::to_string(t % 250) + ":9100";
      auto pl = PopulateLabels(*cfg, LabelSet{{"__address__", addr}}, {});
      auto target = std::make_shared<Target>(pl->labels, pl->discovered, *cfg);
      ingesters.push_back(std::make_unique<Ingester>(cfg, target, std::make_shared<ScrapeCache>(), tsdb::NewNopLogger()));
      bodies[0].push_back(Exposition(t, 0));
      bodies[1].push_back(Exposition(t, 1));
    }
  }

  // One scrape of every target: one appender and one commit each.
  void ScrapeAll(tsdb::Appendable& st, int64_t ts, int round) {
    for (int t = 0; t < kTargets; t++) {
      auto app = st.NewAppender();
      IngestResult r = ingesters[t]->Ingest(*app, bodies[round & 1][t], "text/plain; version=0.0.4", ts);
      if (!r.status.ok() || r.total != kSeries) std::abort();
      (void)ingesters[t]->Report(*app, ts, 0.01, r, 0, r.status);
      (void)app->Commit();
    }
  }
};

void Steady(benchmark::State& state, tsdb::Appendable& st) {
  Fleet fleet(Config());
  int64_t ts = 1'700'000'000'000;
  fleet.ScrapeAll(st, ts, 0);  // first scrape: fills caches and creates series
  int round = 1;
  for (auto _ : state) {
    ts += 15'000;
    fleet.ScrapeAll(st, ts, round++);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kTargets * kSeries);
  state.counters["targets"] = kTargets;
  state.counters["series_per_target"] = kSeries;
}

void BM_IngestSteadyNoopStorage(benchmark::State& state) {
  NoopStorage st;
  Steady(state, st);
}

void BM_IngestSteadyTSDBHead(benchmark::State& state) {
  std::unique_ptr<tsdb::DB> db = tsdb::DB::OpenInMemory();
  Steady(state, *db);
}

void BM_IngestFirstScrapeTSDBHead(benchmark::State& state) {
  auto cfg = Config();
  for (auto _ : state) {
    state.PauseTiming();
    std::unique_ptr<tsdb::DB> db = tsdb::DB::OpenInMemory();
    auto fleet = std::make_unique<Fleet>(cfg);
    state.ResumeTiming();
    fleet->ScrapeAll(*db, 1'700'000'000'000, 0);
    state.PauseTiming();
    fleet.reset();
    db.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kTargets * kSeries);
}

BENCHMARK(BM_IngestSteadyNoopStorage)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IngestSteadyTSDBHead)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_IngestFirstScrapeTSDBHead)->Unit(benchmark::kMillisecond)->Iterations(5);

}  // namespace

BENCHMARK_MAIN();
