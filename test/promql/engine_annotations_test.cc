// Annotations: Prometheus' texts and "(line:col)" positions.
#include <catch2/catch.hpp>

#include "engine_testutil.h"

namespace promlite::promql::enginetest {
namespace {

TEST_CASE("engine annotations: texts and positions", "[engine]") {
  TestDB db;
  db.Add({"x", 0, kMin, Ramp(0, 1, 10)});
  db.Add({"x_total", 0, kMin, Ramp(0, 1, 10)});
  db.Add({"h_bucket{le=\"1\"}", 0, kMin, {1}});
  db.Add({"h_bucket{le=\"+Inf\"}", 0, kMin, {3}});
  db.Add({"h_bucket{le=\"nope\"}", 0, kMin, {3}});
  Engine e(TestOptions());

  Result r = Instant(e, db.db(), "rate(x[5m])", 10 * kMin);
  REQUIRE(r.annotations.infos.size() == 1);
  CHECK(r.annotations.infos[0] ==
        "PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: \"x\" (1:6)");
  CHECK(r.annotations.warnings.empty());
  CHECK(Instant(e, db.db(), "rate(x_total[5m])", 10 * kMin).annotations.empty());

  // Positions count lines and bytes within the line.
  r = Instant(e, db.db(), "sum(\n  rate(x[5m])\n)", 10 * kMin);
  REQUIRE(r.annotations.infos.size() == 1);
  CHECK(r.annotations.infos[0].ends_with("\"x\" (2:8)"));

  r = Range(e, db.db(), "sort(x)", 0, kMin, kMin);
  REQUIRE(r.annotations.warnings.size() == 1);
  CHECK(r.annotations.warnings[0] ==
        "PromQL warning: sort is ineffective for range queries since results are always ordered by labels (1:1)");

  r = Instant(e, db.db(), "quantile(2, x)", 0);
  CHECK(r.annotations.warnings == std::vector<std::string>{
                                      "PromQL warning: quantile value should be between 0 and 1, got 2 (1:10)"});
  r = Instant(e, db.db(), "histogram_quantile(0.5, h_bucket)", 0);
  CHECK(r.annotations.warnings ==
        std::vector<std::string>{"PromQL warning: bucket label \"le\" is missing or has a malformed value of "
                                 "\"nope\" for metric name \"h_bucket\" (1:25)"});
  CHECK(Show(r) == "{} 1\n");
  r = Instant(e, db.db(), "limit_ratio(1.5, x)", 0);
  CHECK(r.annotations.warnings ==
        std::vector<std::string>{"PromQL warning: ratio value should be between -1 and 1, got 1.5, capping to 1 (1:13)"});
  r = Instant(e, db.db(), "x </ 2", 0);
  CHECK(r.annotations.infos == std::vector<std::string>{
                                   "PromQL info: incompatible sample types encountered for binary operator \"</\": "
                                   "float </ float (1:1)"});
}

TEST_CASE("engine annotations: histogram_quantile monotonicity", "[engine]") {
  TestDB db;
  db.Add({"h_bucket{le=\"1\"}", 0, kMin, {5, 5}});
  db.Add({"h_bucket{le=\"2\"}", 0, kMin, {3, 3}});
  db.Add({"h_bucket{le=\"+Inf\"}", 0, kMin, {6, 6}});
  Engine e(TestOptions());
  Result r = Range(e, db.db(), "histogram_quantile(0.5, h_bucket)", 0, kMin, kMin);
  REQUIRE(r.annotations.infos.size() == 1);
  CHECK(r.annotations.infos[0] ==
        "PromQL info: input to histogram_quantile needed to be fixed for monotonicity (see "
        "https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) for metric name "
        "\"h_bucket\", from buckets 2 to 2, with a max diff of 2, over 2 samples from 1970-01-01T00:00:00Z to "
        "1970-01-01T00:01:00Z (1:25)");
}

}  // namespace
}  // namespace promlite::promql::enginetest
