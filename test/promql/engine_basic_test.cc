// Engine behaviour on small, hand-checked data: lookback and staleness,
// offsets and @, range queries, result types and ordering, name dropping.
#include <catch2/catch.hpp>

#include "engine_testutil.h"

namespace promlite::promql::enginetest {
namespace {

TEST_CASE("engine: instant selector uses the lookback delta and staleness markers", "[engine]") {
  TestDB db;
  db.Add({"m{a=\"1\"}", 0, kMin, {1, 2, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                                     std::nullopt, 3, tsdb::StaleNaN()}});
  Engine e(TestOptions());
  CHECK(Show(Instant(e, db.db(), "m", 1 * kMin)) == "m{a=\"1\"} 2\n");
  // The last sample at 1m is still visible 5m later, but not exactly 5m later.
  CHECK(Show(Instant(e, db.db(), "m", 6 * kMin - 1)) == "m{a=\"1\"} 2\n");
  CHECK(Show(Instant(e, db.db(), "m", 6 * kMin)) == "");
  CHECK(Show(Instant(e, db.db(), "m", 8 * kMin)) == "m{a=\"1\"} 3\n");
  // A staleness marker hides the series at once.
  CHECK(Show(Instant(e, db.db(), "m", 9 * kMin)) == "");
  CHECK(Show(Instant(e, db.db(), "m", 10 * kMin)) == "");
}

TEST_CASE("engine: per-query lookback delta", "[engine]") {
  TestDB db;
  db.Add({"m", 0, kMin, {1}});
  Engine e(TestOptions());
  QueryOptions qo;
  qo.lookback_delta_ms = 30 * 1000;
  auto q = e.NewInstantQuery(db.db(), "m", 40 * 1000, qo);
  REQUIRE(q.ok());
  CHECK(Show((*q)->Exec()) == "");
  CHECK(Show(Instant(e, db.db(), "m", 40 * 1000)) == "m 1\n");
}

TEST_CASE("engine: range query evaluates every step and sorts series by labels", "[engine]") {
  TestDB db;
  db.Add({"m{a=\"2\"}", 0, kMin, Ramp(0, 10, 10)});
  db.Add({"m{a=\"1\"}", 0, kMin, Ramp(0, 1, 10)});
  Engine e(TestOptions());
  CHECK(Show(Range(e, db.db(), "m * 2", 0, 3 * kMin, kMin)) ==
        "{a=\"1\"} 0@0 2@60 4@120 6@180\n{a=\"2\"} 0@0 20@60 40@120 60@180\n");
  CHECK(Show(Range(e, db.db(), "rate(m[2m])", 2 * kMin, 4 * kMin, kMin)) ==
        "{a=\"1\"} 0.016666666666666666@120 0.016666666666666666@180 0.016666666666666666@240\n"
        "{a=\"2\"} 0.16666666666666666@120 0.16666666666666666@180 0.16666666666666666@240\n");
  // A scalar range query is a matrix with one unlabelled series.
  CHECK(Show(Range(e, db.db(), "time()", 0, 2 * kMin, kMin)) == "{} 0@0 60@60 120@120\n");
}

TEST_CASE("engine: offset and @ modifiers", "[engine]") {
  TestDB db;
  db.Add({"m", 0, kMin, Ramp(0, 1, 20)});
  Engine e(TestOptions());
  CHECK(Show(Instant(e, db.db(), "m offset 5m", 10 * kMin)) == "m 5\n");
  CHECK(Show(Instant(e, db.db(), "m offset -5m", 10 * kMin)) == "m 15\n");
  CHECK(Show(Instant(e, db.db(), "m @ 120", 10 * kMin)) == "m 2\n");
  CHECK(Show(Instant(e, db.db(), "m @ 120 offset 1m", 10 * kMin)) == "m 1\n");
  CHECK(Show(Range(e, db.db(), "m @ end()", 0, 2 * kMin, kMin)) == "m 2@0 2@60 2@120\n");
  CHECK(Show(Range(e, db.db(), "m @ start()", 1 * kMin, 3 * kMin, kMin)) == "m 1@60 1@120 1@180\n");
  CHECK(Show(Range(e, db.db(), "timestamp(m @ 300)", 0, 2 * kMin, kMin)) == "{} 300@0 300@60 300@120\n");
  CHECK(Show(Instant(e, db.db(), "sum_over_time(m[3m] @ 600)", 20 * kMin)) == "{} 27\n");
}

TEST_CASE("engine: subqueries", "[engine]") {
  TestDB db;
  db.Add({"m", 0, kMin, Ramp(0, 1, 20)});
  Engine e(TestOptions());
  CHECK(Show(Instant(e, db.db(), "max_over_time(m[5m:1m])", 10 * kMin)) == "{} 10\n");
  CHECK(Show(Instant(e, db.db(), "count_over_time(m[5m:1m])", 10 * kMin)) == "{} 5\n");
  CHECK(Show(Instant(e, db.db(), "m[3m:1m]", 10 * kMin)) == "m 8@480 9@540 10@600\n");
  CHECK(Show(Instant(e, db.db(), "sum_over_time(m[3m:1m] offset 2m)", 10 * kMin)) == "{} 21\n");
}

TEST_CASE("engine: result types", "[engine]") {
  TestDB db;
  db.Add({"m", 0, kMin, {1, 2, 3}});
  Engine e(TestOptions());
  CHECK(Show(Instant(e, db.db(), "1 + 2", 0)) == "scalar 3\n");
  CHECK(Show(Instant(e, db.db(), "\"hello\"", 0)) == "string hello\n");
  CHECK(Show(Instant(e, db.db(), "m[2m]", 2 * kMin)) == "m 2@60 3@120\n");
  CHECK(Show(Instant(e, db.db(), "vector(1)", 0)) == "{} 1\n");
  CHECK(Show(Instant(e, db.db(), "scalar(m)", 2 * kMin)) == "scalar 3\n");
  CHECK(Show(Instant(e, db.db(), "scalar(nope)", 2 * kMin)) == "scalar NaN\n");
}

TEST_CASE("engine: instant results keep the order of sort, sort_desc, topk and bottomk", "[engine]") {
  TestDB db;
  db.Add({"m{i=\"a\"}", 0, kMin, {3}});
  db.Add({"m{i=\"b\"}", 0, kMin, {1}});
  db.Add({"m{i=\"c\"}", 0, kMin, {2}});
  db.Add({"m{i=\"d\"}", 0, kMin, {std::numeric_limits<double>::quiet_NaN()}});
  Engine e(TestOptions());
  CHECK(Show(Instant(e, db.db(), "sort(m)", 0)) == "m{i=\"b\"} 1\nm{i=\"c\"} 2\nm{i=\"a\"} 3\nm{i=\"d\"} NaN\n");
  CHECK(Show(Instant(e, db.db(), "sort_desc(m)", 0)) == "m{i=\"a\"} 3\nm{i=\"c\"} 2\nm{i=\"b\"} 1\nm{i=\"d\"} NaN\n");
  CHECK(Show(Instant(e, db.db(), "topk(2, m)", 0)) == "m{i=\"a\"} 3\nm{i=\"c\"} 2\n");
  CHECK(Show(Instant(e, db.db(), "bottomk(2, m)", 0)) == "m{i=\"b\"} 1\nm{i=\"c\"} 2\n");
  CHECK(Show(Instant(e, db.db(), "sort_by_label_desc(m, \"i\")", 0)) ==
        "m{i=\"d\"} NaN\nm{i=\"c\"} 2\nm{i=\"b\"} 1\nm{i=\"a\"} 3\n");
}

TEST_CASE("engine: delayed name removal keeps __name__ until the end", "[engine]") {
  TestDB db;
  db.Add({"a_total{x=\"1\"}", 0, kMin, Ramp(0, 60, 10)});
  db.Add({"b_total{x=\"1\"}", 0, kMin, Ramp(0, 120, 10)});
  EngineOptions delayed = TestOptions();
  EngineOptions eager = TestOptions();
  eager.enable_delayed_name_removal = false;
  Engine ed(delayed), ee(eager);
  // label_replace can still read the name of a rate()'d series.
  const char* q = "label_replace(rate(a_total[5m]), \"n\", \"$1\", \"__name__\", \"(.*)\")";
  CHECK(Show(Instant(ed, db.db(), q, 10 * kMin)) == "{n=\"a_total\", x=\"1\"} 1\n");
  CHECK(Show(Instant(ee, db.db(), q, 10 * kMin)) == "{x=\"1\"} 1\n");
  // Both modes end with the same label sets for plain cases.
  for (Engine* e : {&ed, &ee}) {
    CHECK(Show(Instant(*e, db.db(), "a_total * 2", 10 * kMin)) == "{x=\"1\"} 1200\n");
    CHECK(Show(Instant(*e, db.db(), "a_total > 10", 10 * kMin)) == "a_total{x=\"1\"} 600\n");
    CHECK(Show(Instant(*e, db.db(), "a_total > bool 10", 10 * kMin)) == "{x=\"1\"} 1\n");
    CHECK(Show(Instant(*e, db.db(), "last_over_time(a_total[5m])", 10 * kMin)) == "a_total{x=\"1\"} 600\n");
  }
  // Without delayed removal the name is gone before the aggregation sees it.
  CHECK(Show(Instant(ed, db.db(), "sum by (__name__) (a_total)", 10 * kMin)) == "a_total 600\n");
  CHECK(Show(Instant(ee, db.db(), "sum by (__name__) (rate(a_total[5m]))", 10 * kMin)) == "{} 1\n");
  // Two series that only differ by name collide once the name is dropped.
  CHECK(Show(Instant(ed, db.db(), "{__name__=~\"a_total|b_total\"} * 1", 10 * kMin)) ==
        "error: vector cannot contain metrics with the same labelset");
  CHECK(Show(Instant(ee, db.db(), "{__name__=~\"a_total|b_total\"} * 1", 10 * kMin)) ==
        "error: vector cannot contain metrics with the same labelset");
}

TEST_CASE("engine: vector matching", "[engine]") {
  TestDB db;
  db.Add({"req{job=\"a\", code=\"200\"}", 0, kMin, {10}});
  db.Add({"req{job=\"a\", code=\"500\"}", 0, kMin, {2}});
  db.Add({"req{job=\"b\", code=\"200\"}", 0, kMin, {5}});
  db.Add({"total{job=\"a\"}", 0, kMin, {12}});
  db.Add({"total{job=\"b\"}", 0, kMin, {5}});
  Engine e(TestOptions());
  CHECK(Show(Range(e, db.db(), "req / on(job) group_left total", 0, 0, kMin)) ==
        "{code=\"200\", job=\"a\"} 0.83333333333333337@0\n{code=\"200\", job=\"b\"} 1@0\n"
        "{code=\"500\", job=\"a\"} 0.16666666666666666@0\n");
  CHECK(Show(Instant(e, db.db(), "total and on(job) req{code=\"500\"}", 0)) == "total{job=\"a\"} 12\n");
  CHECK(Show(Instant(e, db.db(), "total unless on(job) req{code=\"500\"}", 0)) == "total{job=\"b\"} 5\n");
  CHECK(Show(Instant(e, db.db(), "sum by (job) (req{code=\"500\"}) + fill(0) sum by (job) (req{code=\"200\"})", 0)) ==
        "{job=\"a\"} 12\n{job=\"b\"} 5\n");
}

}  // namespace
}  // namespace promlite::promql::enginetest
