// The comparison rules of promqltest (tolerance, NaN and staleness markers,
// missing / extra / unordered series, matrices on a step grid, annotations)
// and the `@` rewrite of the hidden re-checks. No engine involved: results
// are built by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "promlite/promql/parser.h"
#include "promlite/tsdb/sample.h"
#include "promqltest/compare.h"
#include "promqltest/recheck.h"
#include "promqltest/script.h"

namespace pt = promlite::promql::promqltest;
using promlite::promql::Annotations;
using promlite::promql::FPoint;
using promlite::promql::Matrix;
using promlite::promql::Sample;
using promlite::promql::Scalar;
using promlite::promql::Series;
using promlite::promql::String;
using promlite::promql::Value;
using promlite::promql::Vector;
using promlite::tsdb::Labels;
using promlite::tsdb::StaleNaN;

namespace {

Labels L(std::string_view text) {
  Labels l;
  REQUIRE(Labels::Parse(text, &l).ok());
  return l;
}

// The expectation of an eval written in script form.
pt::EvalCommand Eval(std::string_view script) {
  auto s = pt::ParseScript(script, "t.test");
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  REQUIRE(s->commands.size() == 1);
  return std::get<pt::EvalCommand>(s->commands[0]);
}

std::string Cmp(std::string_view script, const Value& v) { return pt::CompareResult(Eval(script).expectation, v); }

}  // namespace

TEST_CASE("promqltest compare: almost equal", "[promqltest]") {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(pt::AlmostEqual(1, 1, 1e-6));
  CHECK(pt::AlmostEqual(1, 1 + 1e-7, 1e-6));
  CHECK(pt::AlmostEqual(1e20, 1.0000001e20, 1e-6));
  CHECK_FALSE(pt::AlmostEqual(1, 1.00001, 1e-6));
  CHECK_FALSE(pt::AlmostEqual(-1, 1, 1e-6));
  CHECK(pt::AlmostEqual(nan, nan, 1e-6));
  CHECK(pt::AlmostEqual(StaleNaN(), StaleNaN(), 1e-6));
  CHECK_FALSE(pt::AlmostEqual(StaleNaN(), nan, 1e-6));
  CHECK_FALSE(pt::AlmostEqual(nan, StaleNaN(), 1e-6));
  CHECK_FALSE(pt::AlmostEqual(nan, 1, 1e-6));
  CHECK(pt::AlmostEqual(inf, inf, 1e-6));
  CHECK_FALSE(pt::AlmostEqual(inf, -inf, 1e-6));
  CHECK_FALSE(pt::AlmostEqual(inf, 1e308, 1e-6));
  // Next to zero only (practically) exact equality counts.
  CHECK(pt::AlmostEqual(0, -0.0, 1e-6));
  CHECK_FALSE(pt::AlmostEqual(0, 1e-300, 1e-6));
  CHECK(pt::AlmostEqual(0, 5e-324, 1e-6));
}

TEST_CASE("promqltest compare: instant vectors", "[promqltest]") {
  const char* script = "eval instant at 1m foo\n  foo{a=\"1\"} 1\n  foo{a=\"2\"} 2\n";
  CHECK(Cmp(script, Vector{{L("foo{a=\"2\"}"), 0, 2.0000001}, {L("foo{a=\"1\"}"), 0, 1}}).empty());
  CHECK(Cmp(script, Vector{{L("foo{a=\"1\"}"), 0, 1}}) == "expected metric foo{a=\"2\"} with [2] not found");
  CHECK(Cmp(script, Vector{{L("foo{a=\"1\"}"), 0, 1}, {L("foo{a=\"2\"}"), 0, 2}, {L("foo{a=\"3\"}"), 0, 3}}) ==
        "unexpected metric foo{a=\"3\"} in result, has value 3");
  CHECK(Cmp(script, Vector{{L("foo{a=\"1\"}"), 0, 1}, {L("foo{a=\"2\"}"), 0, 2.1}}) ==
        "expected 2 for foo{a=\"2\"} but got 2.1");
  // Labels must match completely.
  CHECK(Cmp(script, Vector{{L("{a=\"1\"}"), 0, 1}, {L("foo{a=\"2\"}"), 0, 2}}) ==
        "unexpected metric {a=\"1\"} in result, has value 1");
  CHECK(Cmp("eval instant at 1m foo\n", Vector{}).empty());
  CHECK(Cmp("eval instant at 1m foo\n", Vector{{L("{}"), 0, 1}}) == "unexpected metric {} in result, has value 1");
  CHECK(Cmp("eval instant at 1m foo\n  {} 1\n", Scalar{0, 1}) ==
        "expected vector or matrix result, but got scalar 1");
}

TEST_CASE("promqltest compare: NaN, staleness markers and large values", "[promqltest]") {
  CHECK(Cmp("eval instant at 1m foo\n  foo NaN\n", Vector{{L("foo"), 0, std::nan("")}}).empty());
  CHECK_FALSE(Cmp("eval instant at 1m foo\n  foo NaN\n", Vector{{L("foo"), 0, 1}}).empty());
  CHECK(Cmp("eval instant at 1m foo\n  foo stale\n", Vector{{L("foo"), 0, StaleNaN()}}).empty());
  CHECK(Cmp("eval instant at 1m foo\n  foo stale\n", Vector{{L("foo"), 0, std::nan("")}}) ==
        "expected stale for foo but got NaN");
  CHECK(Cmp("eval instant at 1m foo\n  foo 1e6\n", Vector{{L("foo"), 0, 1e6}}).empty());
  CHECK(Cmp("eval instant at 1m foo\n  foo -Inf\n", Vector{{L("foo"), 0, -INFINITY}}).empty());
}

TEST_CASE("promqltest compare: expect ordered", "[promqltest]") {
  const char* script = "eval instant at 1m foo\n  expect ordered\n  foo{a=\"2\"} 2\n  foo{a=\"1\"} 1\n";
  CHECK(Cmp(script, Vector{{L("foo{a=\"2\"}"), 0, 2}, {L("foo{a=\"1\"}"), 0, 1}}).empty());
  CHECK(Cmp(script, Vector{{L("foo{a=\"1\"}"), 0, 1}, {L("foo{a=\"2\"}"), 0, 2}}) ==
        "expected metric foo{a=\"1\"} with [1] at position 2 but was at 1");
  CHECK(Cmp(script, Matrix{}) == "expected ordered result, but query returned a matrix");
}

TEST_CASE("promqltest compare: scalars and strings", "[promqltest]") {
  CHECK(Cmp("eval instant at 1m 1\n  1\n", Scalar{0, 1.0000001}).empty());
  CHECK(Cmp("eval instant at 1m 1\n  1\n", Scalar{0, 2}) == "expected scalar 1 but got 2");
  CHECK(Cmp("eval instant at 1m 1\n  1\n", Vector{}) == "expected scalar result, but got vector (empty vector)");
  CHECK(Cmp("eval instant at 1m \"a\"\n  expect string \"a\"\n", String{0, "a"}).empty());
  CHECK(Cmp("eval instant at 1m \"a\"\n  expect string \"a\"\n", String{0, "b"}) ==
        "expected string \"a\" but got \"b\"");
  CHECK(Cmp("eval instant at 1m foo\n", Value{}) == "the query returned no value");
}

TEST_CASE("promqltest compare: range results on the step grid", "[promqltest]") {
  const char* script = "eval range from 0 to 3m step 1m foo\n  foo{a=\"1\"} 1 _ 3\n  foo{a=\"2\"} 0+1x3\n";
  Series a{L("foo{a=\"1\"}"), {{0, 1}, {120000, 3}}};
  Series b{L("foo{a=\"2\"}"), {{0, 0}, {60000, 1}, {120000, 2}, {180000, 3}}};
  CHECK(Cmp(script, Matrix{a, b}).empty());
  CHECK(Cmp(script, Matrix{b, a}).find("matrix results should always be sorted by labels") == 0);
  Series a_moved{L("foo{a=\"1\"}"), {{0, 1}, {180000, 3}}};
  CHECK(Cmp(script, Matrix{a_moved, b}) ==
        "expected float value at index 1 for foo{a=\"1\"} to have timestamp 120000, but it had timestamp 180000 "
        "(result has 2 float points [1 @[0] 3 @[180000]] and 0 histogram points [])");
  Series a_extra{L("foo{a=\"1\"}"), {{0, 1}, {60000, 2}, {120000, 3}}};
  CHECK(Cmp(script, Matrix{a_extra, b}).find("expected 2 float points and 0 histogram points for foo{a=\"1\"}") == 0);
  Series a_wrong{L("foo{a=\"1\"}"), {{0, 1}, {120000, 4}}};
  CHECK(Cmp(script, Matrix{a_wrong, b}).find("expected float value at index 1 (t=120000) for foo{a=\"1\"} to be 3, "
                                             "but got 4") == 0);
  CHECK(Cmp(script, Matrix{a}) == "expected metric foo{a=\"2\"} not found");
  // More values than steps.
  CHECK(Cmp("eval range from 0 to 1m step 1m foo\n  foo 1 2 3\n", Matrix{Series{L("foo"), {{0, 1}}}}) ==
        "expected 3 points for foo, but query time range cannot return this many points");
  CHECK(Cmp(script, Scalar{0, 1}) == "expected vector or matrix result, but got scalar 1");
}

TEST_CASE("promqltest compare: instant query returning a range vector", "[promqltest]") {
  const char* rv = "eval instant at 1m foo[1m]\n  expect range vector from 30s to 1m step 30s\n  foo 1 2\n";
  CHECK(Cmp(rv, Matrix{Series{L("foo"), {{30000, 1}, {60000, 2}}}}).empty());
  // Without `expect range vector` an instant eval cannot expect matrix points.
  CHECK(Cmp("eval instant at 1m foo[1m]\n  foo 1\n", Matrix{Series{L("foo"), {{60000, 1}}}}) ==
        "expected 1 points for foo, but query time range cannot return this many points");
  CHECK(Cmp("eval instant at 1m foo[1m]\n", Matrix{}).empty());
}

TEST_CASE("promqltest compare: annotations", "[promqltest]") {
  auto check = [](std::string_view script, std::vector<std::string> warnings, std::vector<std::string> infos) {
    Annotations a;
    a.warnings = std::move(warnings);
    a.infos = std::move(infos);
    return pt::CheckAnnotations(Eval(script).annotations, a, "q");
  };
  const std::string w = "PromQL warning: something (1:1)";
  const std::string i = "PromQL info: other (1:5)";
  // Not checked without expect lines.
  CHECK(check("eval instant at 0 q\n", {w}, {i}).empty());
  CHECK(check("eval instant at 0 q\n  expect warn\n", {w}, {}).empty());
  CHECK(check("eval instant at 0 q\n  expect warn\n", {}, {}) == "expected warn annotations but none were found for query \"q\"");
  CHECK(check("eval instant at 0 q\n  expect warn msg: " + w + "\n", {w}, {i}).empty());
  CHECK(check("eval instant at 0 q\n  expect warn msg: PromQL warning: something\n", {w}, {}).find(
            "expected warn annotation matching message \"PromQL warning: something\" but no matching annotation") == 0);
  // Once a kind is expected, every annotation of that kind must be expected.
  CHECK(check("eval instant at 0 q\n  expect warn regex: something\n", {w, "PromQL warning: else (1:1)"}, {}) ==
        "unexpected warn annotation \"PromQL warning: else (1:1)\" found for query q");
  CHECK(check("eval instant at 0 q\n  expect no_warn\n", {w}, {}).find("unexpected warning annotations") == 0);
  CHECK(check("eval instant at 0 q\n  expect no_warn\n", {}, {i}).empty());
  CHECK(check("eval instant at 0 q\n  expect no_info\n", {}, {i}).find("unexpected info annotations") == 0);
  CHECK(check("eval instant at 0 q\n  expect info regex: other \\(1:5\\)\n", {}, {i}).empty());
  CHECK(check("eval_warn instant at 0 q\n", {}, {}) == "expected warnings evaluating query \"q\" but got none");
  CHECK(check("eval_info instant at 0 q\n", {}, {i}).empty());
}

TEST_CASE("promqltest compare: patterns see invalid UTF-8 as Go's regexp does", "[promqltest]") {
  // Go decodes each invalid byte as U+FFFD, which `.` matches.
  const std::string msg = "invalid destination label name in label_replace(): \xff";
  CHECK(pt::TextMatcher::Any().Matches(msg));
  std::string err;
  CHECK(pt::TextMatcher::Regex("label_replace\\(\\): .$", &err)->Matches(msg));
  CHECK(pt::TextMatcher::Regex("\\x{FFFD}", &err)->Matches(msg));
  CHECK_FALSE(pt::TextMatcher::Message("x").Matches(msg));
  CHECK(pt::TextMatcher::Message(msg).Matches(msg));
  CHECK_FALSE(pt::TextMatcher::Regex("(", &err).has_value());
}

TEST_CASE("promqltest compare: result formatting", "[promqltest]") {
  CHECK(pt::FormatValue(Vector{{L("a{b=\"c\"}"), 0, 1.5}, {L("{}"), 0, StaleNaN()}}) == "a{b=\"c\"} 1.5\n{} stale");
  CHECK(pt::FormatValue(Matrix{Series{L("a"), {{0, 1}, {90000, 1e21}}}}) == "a 1@0s 1e+21@1m30s");
  CHECK(pt::FormatValue(Scalar{0, -2}) == "-2");
  CHECK(pt::FormatValue(String{0, "x\"y"}) == "string \"x\\\"y\"");
  CHECK(pt::FormatValue(Vector{}) == "(empty vector)");
  CHECK(pt::FormatTime(-600000) == "-10m");
}

namespace {

std::vector<pt::AtRun> AtRuns(std::string_view query, int64_t t) {
  auto e = promlite::promql::ParseExpr(query, promlite::promql::ParseOptions::AllEnabled());
  REQUIRE(e.ok());
  return pt::AtModifierRuns(e->get(), t);
}

}  // namespace

TEST_CASE("promqltest re-checks: @ t on selectors and subqueries", "[promqltest]") {
  auto runs = AtRuns("rate(foo[5m]) + bar", 100000);
  REQUIRE(runs.size() == 5);
  CHECK(runs[0].expr == "rate(foo[5m] @ 100.000) + bar @ 100.000");
  CHECK(runs[0].time == -1000000);
  CHECK(runs[1].time == 0);
  CHECK(runs[2].time == 20000);
  CHECK(runs[3].time == 100000);
  CHECK(runs[4].time == 1000000);
  CHECK(runs[4].label == "10t");
  // Existing @ stays; subqueries get @ and their insides do not.
  CHECK(AtRuns("foo @ 50 + max_over_time(bar[5m:1m])", 60000)[0].expr ==
        "foo @ 50.000 + max_over_time(bar[5m:1m] @ 60.000)");
  CHECK(AtRuns("max_over_time(rate(bar[1m])[5m:1m] @ 10)", 60000)[0].expr ==
        "max_over_time(rate(bar[1m])[5m:1m] @ 10.000)");
  // @ start() is unresolved when upstream rewrites, so it becomes @ t.
  CHECK(AtRuns("foo @ start()", 60000)[0].expr == "foo @ 60.000");
  CHECK(AtRuns("foo offset 1m", 60000)[0].expr == "foo @ 60.000 offset 1m");
  // t = 0: -1s, 0, +1s.
  auto zero = AtRuns("foo", 0);
  REQUIRE(zero.size() == 3);
  CHECK(zero[0].time == -1000);
  CHECK(zero[2].time == 1000);
  CHECK(zero[0].expr == "foo @ 0.000");
  // Numbers only: the printed query is re-run at each time.
  CHECK(AtRuns("1 + 2", 60000).size() == 5);
}

TEST_CASE("promqltest re-checks: clock-dependent functions skip the @ runs", "[promqltest]") {
  for (const char* q : {"time()", "timestamp(foo)", "hour(foo)", "minute()", "month()", "year()", "day_of_week()",
                        "day_of_month()", "day_of_year()", "days_in_month()", "predict_linear(foo[5m], 60)",
                        "foo + time()"}) {
    INFO(q);
    CHECK(AtRuns(q, 60000).empty());
  }
  // Inside a subquery that gets @ they do not count (as upstream).
  CHECK(AtRuns("max_over_time(timestamp(foo)[5m:1m])", 60000).size() == 5);
}

TEST_CASE("promqltest re-checks: -10t and 10t beyond int64 are left out", "[promqltest]") {
  const int64_t big = std::numeric_limits<int64_t>::max() / 5;
  auto runs = AtRuns("foo", big);
  CHECK(runs.size() == 3);
}

TEST_CASE("promqltest re-checks: query-context functions skip the range re-check", "[promqltest]") {
  CHECK(pt::UsesQueryContextFunctions("foo[step()]"));
  CHECK(pt::UsesQueryContextFunctions("start()"));
  CHECK(pt::UsesQueryContextFunctions("foo offset range()"));
  CHECK_FALSE(pt::UsesQueryContextFunctions("foo{step=\"x\"}"));
  CHECK_FALSE(pt::UsesQueryContextFunctions("rate(foo[5m])"));
}
