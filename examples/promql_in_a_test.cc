// Testing PromQL expressions (alerting and recording rules) in a C++ unit
// test of a host project, with Catch2.
//
// Series are written in the `load` notation of Prometheus' test scripts
// (`0+10x20` is 0, 10, 20, ... one value per interval) and the expected result
// like the body of an `eval`: one line per series, labels matched exactly,
// values within a relative 1e-6. A mismatch fails with both the expected and
// the actual result in the message.
//
//   promql_in_a_test            (a Catch2 test binary; add_test it in CMake)
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

#include "promlite/promql/engine.h"
#include "promlite/promql/promqltest.h"
#include "promlite/tsdb/db.h"
#include "promlite/tsdb/duration.h"

namespace pt = promlite::promql::promqltest;

namespace {

// The alerting expression under test: more than 5% of a job's requests fail.
constexpr const char* kHighErrorRate = R"(
    sum by (job) (rate(http_requests_total{code=~"5.."}[5m]))
  /
    sum by (job) (rate(http_requests_total[5m]))
  > 0.05)";

// Times are milliseconds since the epoch; the load notation starts at 0.
int64_t At(const char* duration) { return *promlite::tsdb::ParseDuration(duration); }

// Twenty minutes of two jobs: "api" fails 10% of its requests, "web" 1%.
std::unique_ptr<promlite::tsdb::DB> Fixture() {
  auto db = promlite::tsdb::DB::OpenInMemory();
  auto st = pt::LoadSeries(*db, R"(
    load 1m
      http_requests_total{job="api", code="200"} 0+90x20
      http_requests_total{job="api", code="500"} 0+10x20
      http_requests_total{job="web", code="200"} 0+99x20
      http_requests_total{job="web", code="503"} 0+1x20
  )");
  INFO(st.ToString());
  REQUIRE(st.ok());
  return db;
}

}  // namespace

TEST_CASE("HighErrorRate fires for the job failing 10% of its requests, and only for it") {
  auto db = Fixture();
  promlite::promql::Engine engine;
  auto st = pt::CheckInstantQuery(engine, *db, kHighErrorRate, At("10m"), R"(
    {job="api"} 0.1
  )");
  INFO(st.ToString());
  CHECK(st.ok());
}

TEST_CASE("HighErrorRate is quiet before any data") {
  auto db = Fixture();
  promlite::promql::Engine engine;
  // No expected series: the result must be empty.
  auto st = pt::CheckInstantQuery(engine, *db, kHighErrorRate, 0, "");
  INFO(st.ToString());
  CHECK(st.ok());
}

TEST_CASE("the job:http_requests:rate5m recording rule over a range") {
  auto db = Fixture();
  promlite::promql::Engine engine;
  // One value per step from 5m to 10m: 100 and 100 requests a minute.
  auto st = pt::CheckRangeQuery(engine, *db, "sum by (job) (rate(http_requests_total[5m]))", At("5m"), At("10m"),
                                At("1m"), R"(
    {job="api"} 1.6666666666666667x5
    {job="web"} 1.6666666666666667x5
  )");
  INFO(st.ToString());
  CHECK(st.ok());
}
