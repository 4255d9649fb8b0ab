// Every error the engine reports, with Prometheus' text and the status code
// the HTTP API maps to its error type.
#include <catch2/catch.hpp>

#include "engine_testutil.h"

namespace promlite::promql::enginetest {
namespace {

struct Fixture {
  TestDB db;
  Engine e{TestOptions()};
  Fixture() {
    db.Add({"dup{l=\"a\"}", 0, kMin, {1, 1, 1}});
    db.Add({"dup{l=\"b\"}", 0, kMin, {2, 2, 2}});
    db.Add({"one{l=\"a\"}", 0, kMin, {3, 3, 3}});
    db.Add({"x{job=\"j\", instance=\"i\"}", 0, kMin, {1, 2, 3}});
    db.Add({"target_info{job=\"j\", instance=\"i\", env=\"prod\"}", 0, kMin, {1, 1, 1}});
    db.Add({"target_info{job=\"j\", instance=\"i\", env=\"dev\"}", 0, kMin, {1, 1, 1}});
  }
  absl::Status Run(std::string_view q) { return Instant(e, db.db(), q, 2 * kMin).status; }
};

TEST_CASE("engine errors: vector matching", "[engine]") {
  Fixture f;
  absl::Status st = f.Run("one + on() dup");
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(st.message() ==
        "found duplicate series for the match group {} on the right hand-side of the operation: "
        "[{__name__=\"dup\", l=\"a\"}, {__name__=\"dup\", l=\"b\"}];many-to-many matching not allowed: matching "
        "labels must be unique on one side");
  CHECK(f.Run("dup + on() group_right one").message() ==
        "found duplicate series for the match group {} on the left hand-side of the operation: "
        "[{__name__=\"dup\", l=\"a\"}, {__name__=\"dup\", l=\"b\"}];many-to-many matching not allowed: matching "
        "labels must be unique on one side");
  CHECK(f.Run("dup + on() one").message() ==
        "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
  CHECK(f.Run("dup * on() group_left(l) one").message() ==
        "multiple matches for labels: grouping labels must ensure unique matches");
  CHECK(f.Run("label_replace(dup, \"l\", \"x\", \"l\", \".*\")").message() ==
        "vector cannot contain metrics with the same labelset");
}

TEST_CASE("engine errors: aggregation parameters", "[engine]") {
  Fixture f;
  CHECK(f.Run("topk(NaN, dup)").message() == "Parameter value is NaN");
  CHECK(f.Run("limitk(NaN, dup)").message() == "Parameter value is NaN");
  CHECK(f.Run("limit_ratio(NaN, dup)").message() == "Ratio value is NaN");
  CHECK(f.Run("topk(1e300, dup)").message() == "Scalar value 1e+300 overflows int64");
  CHECK(Show(Instant(f.e, f.db.db(), "topk(-1, dup)", 0)) == "");  // k < 1: empty result
  CHECK(f.Run("count_values(\"a\\xc5z\", dup)").message() == "invalid label name \"a\\xc5z\"");
}

TEST_CASE("engine errors: functions", "[engine]") {
  Fixture f;
  CHECK(f.Run("label_replace(dup, \"dst\", \"\", \"src\", \"(\")").message() ==
        "invalid regular expression in label_replace(): (");
  CHECK(f.Run("label_replace(dup, \"\", \"\", \"src\", \"(.*)\")").message() ==
        "invalid destination label name in label_replace(): ");
  CHECK(f.Run("label_join(dup, \"dst\", \",\", \"\")").message() ==
        "invalid source label name in label_join(): ");
  CHECK(f.Run("double_exponential_smoothing(dup[5m], 1.5, 0.5)").message() ==
        "invalid smoothing factor. Expected: 0 < sf < 1, got: 1.500000");
  CHECK(f.Run("double_exponential_smoothing(dup[5m], 0.5, 0)").message() ==
        "invalid trend factor. Expected: 0 < tf < 1, got: 0.000000");
  CHECK(f.Run("max_over_time(dup[5m] anchored)").message() ==
        "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with max_over_time");
  CHECK(f.Run("changes(dup[5m] smoothed)").message() ==
        "smoothed modifier can only be used with: delta, increase, rate - not with changes");
}

TEST_CASE("engine errors: info()", "[engine]") {
  Fixture f;
  absl::Status st = f.Run("info(x)");
  CHECK(st.message().find("found duplicate series for info metric: existing ") == 0);
  CHECK(f.Run("info(x, {env=\"prod\"})").ok());
}

TEST_CASE("engine errors: found before evaluation are InvalidArgument", "[engine]") {
  Fixture f;
  auto q = f.e.NewInstantQuery(f.db.db(), "sum(", 0);
  REQUIRE(!q.ok());
  CHECK(q.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(q.status().message() == "1:5: parse error: unclosed left parenthesis");

  auto r = f.e.NewRangeQuery(f.db.db(), "dup[5m]", 0, kMin, kMin);
  CHECK(r.status().message() == "invalid expression type \"range vector\" for range query, must be Scalar or instant Vector");
  r = f.e.NewRangeQuery(f.db.db(), "\"s\"", 0, kMin, kMin);
  CHECK(r.status().message() == "invalid expression type \"string\" for range query, must be Scalar or instant Vector");
  r = f.e.NewRangeQuery(f.db.db(), "dup", 0, kMin, 0);
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  r = f.e.NewRangeQuery(f.db.db(), "dup", kMin, 0, kMin);
  CHECK(r.status().message() == "end timestamp must not be before start time");

  // Duration expressions resolve when the query is created.
  auto d = f.e.NewInstantQuery(f.db.db(), "rate(dup[5m - 5m])", 0);
  CHECK(d.status().message() == "9:16: duration must be greater than 0");
  // Constant divisions by zero are parse errors; step() makes them runtime ones.
  auto r2 = f.e.NewRangeQuery(f.db.db(), "dup offset (1m / (step() - 1m))", 0, kMin, kMin);
  CHECK(r2.status().message() == "12:29: division by zero");
  r2 = f.e.NewRangeQuery(f.db.db(), "dup offset (1m % (step() - 1m))", 0, kMin, kMin);
  CHECK(r2.status().message() == "12:29: modulo by zero");
  d = f.e.NewRangeQuery(f.db.db(), "count_over_time(dup[step() - 1m])", 0, kMin, kMin);
  CHECK(d.status().message() == "20:31: duration must be greater than 0");
}

}  // namespace
}  // namespace promlite::promql::enginetest
