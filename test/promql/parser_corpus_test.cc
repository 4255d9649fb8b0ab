// Deterministic mutation testing of the parser: byte flips, inserts,
// deletions, duplications and truncations of valid queries, with fixed seeds.
// Every input must give a tree or an error (never a crash, hang or sanitizer
// report), and every tree must print to a query that parses back to the same
// printed form.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "promlite/promql/parser.h"
#include "promlite/promql/printer.h"

namespace promlite::promql {
namespace {

const char* const kSeeds[] = {
    "sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / ignoring(code) group_left sum(up)",
    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    "topk(3, sum without (instance) (node_cpu_seconds_total{mode!=\"idle\"} offset -1h))",
    "count_values(\"version\", build_info) > bool 1",
    "quantile_over_time(0.9, rate(x[1m])[10m:30s] @ start())",
    "label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\")",
    "a + on(b) group_left(c, \"d.e\") fill_left(-1) fill_right(2) d",
    "x[5m + step()] anchored",
    "rate(foo[max_of(range(), 5s)] smoothed)",
    "foo offset -(min_of(step(), 1s)) + 8000",
    "{\"my.metric\", \"a.b\"=\"x\", c!~'y|z'} unless on() vector(1)",
    "-(1 + 2) ^ -3 % 4 atan2 5",
    "limitk(2, x) or limit_ratio(0.5, y) and z",
    "info(rate(http_requests_total[5m]), {k8s_cluster_name=~\".+\"})",
    "sort_by_label(x, \"a\", \"b\") </ y >/ z",
    "time() - timestamp(up @ 1609746000)",
    "label_join(x, \"a\", \"esc\\u00e4\\x41\", `raw\\string`)",
    "abs(-x) # comment\n + 0x1F + 1e-3 + .5 + Inf - NaN",
    "sum(x) by (a) [5m:] offset 1m",
    "absent_over_time(nonexistent{job=\"myjob\"}[1h:5m] @ end())",
    "x[1h30m:1m] offset 2d @ -100.5",
    "max_over_time(deriv(x[5m])[(10m):(1m)])",
    "count by (\"foo bar\", instance) (up == 0)",
    "round(x, 0.1) * on(instance) group_right() y",
    "predict_linear(node_filesystem_free_bytes[1h], 4 * 3600) < 0",
};

std::vector<std::string> Mutate(const std::string& s, std::mt19937* rng, int n) {
  static const std::string kAlphabet = "(){}[],:=!~+-*/%^<>@'\"`#\\ \n\tabcxyz019._eE";
  std::vector<std::string> out;
  for (int i = 0; i < n; i++) {
    std::string m = s;
    const int edits = 1 + static_cast<int>((*rng)() % 4);
    for (int e = 0; e < edits; e++) {
      const size_t len = m.size();
      const size_t pos = len == 0 ? 0 : (*rng)() % len;
      switch ((*rng)() % 7) {
        case 0:  // flip a bit
          if (len) m[pos] = static_cast<char>(m[pos] ^ (1 << ((*rng)() % 8)));
          break;
        case 1:  // insert a token character
          m.insert(m.begin() + static_cast<std::ptrdiff_t>(pos), kAlphabet[(*rng)() % kAlphabet.size()]);
          break;
        case 2:  // delete a byte
          if (len) m.erase(pos, 1);
          break;
        case 3:  // truncate
          m.resize(pos);
          break;
        case 4:  // duplicate a slice
          if (len) m.insert(pos, m.substr(pos, 1 + (*rng)() % 8));
          break;
        case 5:  // random byte
          if (len) m[pos] = static_cast<char>((*rng)() % 256);
          break;
        case 6:  // splice in another seed's prefix
          m.insert(pos, std::string(kSeeds[(*rng)() % std::size(kSeeds)]).substr(0, (*rng)() % 20));
          break;
      }
    }
    out.push_back(std::move(m));
  }
  return out;
}

TEST_CASE("mutated queries never crash and trees round-trip", "[promql][parser][corpus]") {
  std::mt19937 rng(20260821);
  const ParseOptions all = ParseOptions::AllEnabled();
  const ParseOptions none;
  int inputs = 0, parsed = 0;
  for (const char* seed : kSeeds) {
    auto base = ParseExpr(seed, all);
    INFO("seed: " << seed);
    REQUIRE(base.ok());
    for (const std::string& q : Mutate(seed, &rng, 200)) {
      inputs++;
      for (const ParseOptions* opts : {&all, &none}) {
        ParseError details;
        auto r = ParseExpr(q, *opts, &details);
        if (!r.ok()) {
          // Every error lies within the query.
          for (const auto& e : details.errors) {
            if (e.range.start < 0 || e.range.start > e.range.end ||
                e.range.end > static_cast<int32_t>(q.size())) {
              FAIL_CHECK("error range out of the query: " << q << " -> " << e.message);
            }
          }
          continue;
        }
        parsed++;
        const std::string printed = Format(**r);
        auto again = ParseExpr(printed, *opts);
        if (!again.ok()) {
          FAIL_CHECK("printed form does not parse: " << q << " -> " << printed << " : " << again.status().message());
          continue;
        }
        CHECK(Format(**again) == printed);
        (void)Prettify(**r, 20);
      }
    }
  }
  WARN("corpus: " << inputs << " mutated queries, " << parsed << " parses");
  CHECK(inputs == 25 * 200);
}

}  // namespace
}  // namespace promlite::promql
