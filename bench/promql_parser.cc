// Parse throughput of the PromQL parser on a realistic mix of queries
// (dashboard panels, alerting rules, recording rules), plus printing.
// Reports queries/s (items) and MB/s (bytes).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "promlite/promql/parser.h"
#include "promlite/promql/printer.h"

namespace {

const std::vector<std::string>& Mix() {
  static const std::vector<std::string> kQueries = {
      "up",
      "up{job=\"prometheus\"} == 0",
      "rate(http_requests_total[5m])",
      "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / sum by (job) (rate(http_requests_total[5m]))",
      "histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{env=\"prod\"}[5m])))",
      "100 * (1 - avg by (instance) (irate(node_cpu_seconds_total{mode=\"idle\"}[5m])))",
      "node_filesystem_avail_bytes{fstype!~\"tmpfs|overlay\"} / node_filesystem_size_bytes < 0.1",
      "predict_linear(node_filesystem_free_bytes{job=\"node\"}[6h], 4 * 3600) < 0",
      "topk(10, sum without (instance, pod) (container_memory_working_set_bytes{namespace=~\"team-.*\"}))",
      "increase(kube_pod_container_status_restarts_total[1h]) > 3",
      "sum(rate(container_cpu_usage_seconds_total{container!=\"\", image!=\"\"}[5m])) by (namespace, pod)",
      "max_over_time(rate(http_requests_total[1m])[1h:1m] offset 1d)",
      "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
      "count by (version) (count_values(\"version\", build_info))",
      "(sum(rate(a_total[5m])) or vector(0)) + on() group_left sum(rate(b_total[5m] @ end()))",
      "avg_over_time(probe_success{job=\"blackbox\"}[30m]) * 100 < 99.9",
      "absent(up{job=\"critical-service\"} == 1)",
      "sum by (cluster) (kube_node_status_allocatable{resource=\"cpu\"}) - "
      "sum by (cluster) (kube_pod_container_resource_requests{resource=\"cpu\"})",
  };
  return kQueries;
}

size_t MixBytes() {
  size_t n = 0;
  for (const auto& q : Mix()) n += q.size();
  return n;
}

void BM_ParseMix(benchmark::State& state) {
  const auto& qs = Mix();
  for (auto _ : state) {
    for (const auto& q : qs) {
      auto e = promlite::promql::ParseExpr(q);
      benchmark::DoNotOptimize(e);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * qs.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * MixBytes()));
}
BENCHMARK(BM_ParseMix);

void BM_ParseLargeQuery(benchmark::State& state) {
  // A generated dashboard query: a long `or` chain of selectors.
  std::string q;
  for (int i = 0; i < 200; i++) {
    if (i) q += " or ";
    q += "rate(metric_" + std::to_string(i) + "_total{job=\"j\",instance=~\"host-" + std::to_string(i) + ".*\"}[5m])";
  }
  for (auto _ : state) {
    auto e = promlite::promql::ParseExpr(q);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * q.size()));
}
BENCHMARK(BM_ParseLargeQuery);

void BM_FormatMix(benchmark::State& state) {
  std::vector<promlite::promql::ExprPtr> exprs;
  for (const auto& q : Mix()) exprs.push_back(*promlite::promql::ParseExpr(q));
  for (auto _ : state) {
    for (const auto& e : exprs) {
      auto s = promlite::promql::Format(*e);
      benchmark::DoNotOptimize(s);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * exprs.size()));
}
BENCHMARK(BM_FormatMix);

}  // namespace

BENCHMARK_MAIN();
