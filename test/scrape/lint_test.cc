#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "promlite/scrape/lint.h"

using namespace promlite::scrape;

namespace {

std::vector<std::string> Lint(const std::string& body, Format f = Format::kPrometheusText) {
  auto r = LintExposition(body, f);
  REQUIRE(r.ok());
  std::vector<std::string> out;
  for (const auto& p : *r) out.push_back(p.metric + " " + p.text);
  return out;
}

}  // namespace

TEST_CASE("lint: promtool's rules", "[lint]") {
  CHECK(Lint("# HELP ok_total Fine.\n# TYPE ok_total counter\nok_total 1\n").empty());
  CHECK(Lint("# HELP c A.\n# TYPE c counter\nc 1\n") == std::vector<std::string>{"c counter metrics should have \"_total\" suffix"});
  CHECK(Lint("# HELP g_total A.\n# TYPE g_total gauge\ng_total 1\n") ==
        std::vector<std::string>{"g_total non-counter metrics should not have \"_total\" suffix"});
  CHECK(Lint("# TYPE nohelp gauge\nnohelp 1\n") == std::vector<std::string>{"nohelp no help text"});
  CHECK(Lint("untyped_without_anything 1\n") == std::vector<std::string>{"untyped_without_anything no help text"});
  CHECK(Lint("# HELP req_duration_milliseconds A.\n# TYPE req_duration_milliseconds gauge\nreq_duration_milliseconds 1\n") ==
        std::vector<std::string>{"req_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\""});
  CHECK(Lint("# HELP thermometers A.\n# TYPE thermometers gauge\nthermometers 1\n").empty());
  CHECK(Lint("# HELP x_kilobytes A.\n# TYPE x_kilobytes gauge\nx_kilobytes 1\n") ==
        std::vector<std::string>{"x_kilobytes use base unit \"bytes\" instead of \"kilobytes\""});
  CHECK(Lint("# HELP latency_ms A.\n# TYPE latency_ms gauge\nlatency_ms 1\n") ==
        std::vector<std::string>{"latency_ms metric names should not contain abbreviated units"});
  CHECK(Lint("# HELP x_gauge A.\n# TYPE x_gauge gauge\nx_gauge 1\n") ==
        std::vector<std::string>{"x_gauge metric name should not include type 'gauge'"});
  CHECK(Lint("# HELP a:b A.\n# TYPE a:b gauge\na:b 1\n") == std::vector<std::string>{"a:b metric names should not contain ':'"});
  CHECK(Lint("# HELP camelCase A.\n# TYPE camelCase gauge\ncamelCase{someLabel=\"x\"} 1\n") ==
        std::vector<std::string>{"camelCase label names should be written in 'snake_case' not 'camelCase'",
                                 "camelCase metric names should be written in 'snake_case' not 'camelCase'"});
  CHECK(Lint("# HELP x_bucket A.\n# TYPE x_bucket gauge\nx_bucket{le=\"1\"} 1\n") ==
        std::vector<std::string>{"x_bucket non-histogram metrics should not have \"_bucket\" suffix",
                                 "x_bucket non-histogram metrics should not have \"le\" label"});
  CHECK(Lint("# HELP y_count A.\n# TYPE y_count counter\ny_count{quantile=\"1\"} 1\n") ==
        std::vector<std::string>{"y_count counter metrics should have \"_total\" suffix",
                                 "y_count non-histogram and non-summary metrics should not have \"_count\" suffix",
                                 "y_count non-summary metrics should not have \"quantile\" label"});
  CHECK(Lint("# HELP t_timestamp_seconds A.\n# TYPE t_timestamp_seconds summary\nt_timestamp_seconds_sum 1\n") ==
        std::vector<std::string>{"t_timestamp_seconds non-gauge metrics should not have \"_timestamp_seconds\" suffix"});
  CHECK(Lint("# HELP d A.\n# TYPE d gauge\nd{a=\"1\"} 1\nd{a=\"1\"} 2\nd{a=\"2\"} 2\n") ==
        std::vector<std::string>{"d metric not unique"});
}

TEST_CASE("lint: histograms and summaries are families of several lines", "[lint]") {
  const std::string h =
      "# HELP rpc_duration_seconds RPC latency.\n"
      "# TYPE rpc_duration_seconds histogram\n"
      "rpc_duration_seconds_bucket{le=\"0.1\"} 1\n"
      "rpc_duration_seconds_bucket{le=\"+Inf\"} 2\n"
      "rpc_duration_seconds_sum 0.3\n"
      "rpc_duration_seconds_count 2\n"
      "# HELP go_gc_duration_seconds GC.\n"
      "# TYPE go_gc_duration_seconds summary\n"
      "go_gc_duration_seconds{quantile=\"0.5\"} 1\n"
      "go_gc_duration_seconds{quantile=\"1\"} 2\n"
      "go_gc_duration_seconds_sum 3\n"
      "go_gc_duration_seconds_count 2\n";
  CHECK(Lint(h).empty());
}

TEST_CASE("lint: OpenMetrics counters are named without _total", "[lint]") {
  CHECK(Lint("# TYPE req counter\n# HELP req Requests.\nreq_total 1\nreq_created 1\n# EOF\n", Format::kOpenMetrics).empty());
  CHECK(Lint("# TYPE req counter\nreq_total 1\n# EOF\n", Format::kOpenMetrics) ==
        std::vector<std::string>{"req_total no help text"});
}

TEST_CASE("lint: parse errors name line and byte; cardinalities", "[lint]") {
  auto r = LintExposition("a 1\nb{ 2\n", Format::kPrometheusText);
  REQUIRE(!r.ok());
  CHECK_THAT(std::string(r.status().message()), Catch::StartsWith("line 2, byte 4: expected label name"));
  auto c = MetricCardinalities("a{x=\"1\"} 1\na{x=\"2\"} 1\nb 1\na{x=\"1\"} 3\n", Format::kPrometheusText);
  REQUIRE(c.ok());
  REQUIRE(c->size() == 2);
  CHECK((*c)[0].metric == "a");
  CHECK((*c)[0].series == 2);
  CHECK((*c)[1].metric == "b");
}
