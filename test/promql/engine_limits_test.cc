// Query limits: the sample budget, the timeout, cancellation; deep and
// large queries fail cleanly; parallel evaluation gives the same answers.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "engine_testutil.h"

namespace promlite::promql::enginetest {
namespace {

void AddMany(TestDB& db, int series, int points) {
  for (int i = 0; i < series; i++) {
    db.Add({"m{i=\"" + std::to_string(i) + "\", j=\"" + std::to_string(i % 7) + "\"}", 0, 15 * 1000,
            Ramp(i, 1 + i % 5, points)});
  }
}

TEST_CASE("engine limits: too many samples", "[engine]") {
  TestDB db;
  AddMany(db, 100, 200);
  EngineOptions o = TestOptions();
  o.max_samples = 1000;
  Engine e(o);
  // 100 series x 121 steps do not fit in 1000 samples.
  Result r = Range(e, db.db(), "m", 0, 30 * kMin, 15 * 1000);
  CHECK(r.status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(r.status.message() == "query processing would load too many samples into memory in query execution");
  // An instant query of the same series fits.
  CHECK(Instant(e, db.db(), "m", 30 * kMin).status.ok());
  // A window larger than the budget fails even though the result is small.
  CHECK(Instant(e, db.db(), "count_over_time(m{i=\"1\"}[1h])", 50 * kMin).status.ok());
  o.max_samples = 100;
  Engine small(o);
  CHECK(Instant(small, db.db(), "count_over_time(m{i=\"1\"}[1h])", 50 * kMin).status.code() ==
        absl::StatusCode::kResourceExhausted);
}

TEST_CASE("engine limits: timeout", "[engine]") {
  TestDB db;
  AddMany(db, 10, 10);
  EngineOptions o = TestOptions();
  o.timeout = absl::Nanoseconds(1);
  Engine e(o);
  Result r = Instant(e, db.db(), "sum(m)", kMin);
  CHECK(r.status.code() == absl::StatusCode::kDeadlineExceeded);
  CHECK(r.status.message() == "query timed out in query execution");
}

TEST_CASE("engine limits: cancellation", "[engine]") {
  TestDB db;
  AddMany(db, 200, 400);
  Engine e(TestOptions());
  auto q = e.NewInstantQuery(db.db(), "sum(m)", kMin);
  REQUIRE(q.ok());
  (*q)->Cancel();
  Result r = (*q)->Exec();
  CHECK(r.status.code() == absl::StatusCode::kCancelled);
  CHECK(r.status.message() == "query was canceled in query execution");
  // A query can only run once.
  CHECK((*q)->Exec().status.code() == absl::StatusCode::kFailedPrecondition);

  // Cancelling from another thread while a long query runs.
  EngineOptions big = TestOptions();
  big.max_samples = 50000000;
  Engine e2(big);
  auto q2 = e2.NewRangeQuery(db.db(), "sum_over_time(m[1h:1s])", 0, 100 * kMin, 1000);
  REQUIRE(q2.ok());
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (*q2)->Cancel();
  });
  Result r2 = (*q2)->Exec();
  canceller.join();
  CHECK(r2.status.code() == absl::StatusCode::kCancelled);
  CHECK(r2.status.message() == "query was canceled in expression evaluation");
}

TEST_CASE("engine limits: deep and large queries fail without crashing", "[engine]") {
  TestDB db;
  db.Add({"m", 0, kMin, {1}});
  Engine e(TestOptions());
  // Nested just below the parser's depth limit: evaluates.
  std::string q = "m";
  for (int i = 0; i < 400; i++) q = "-(" + q + ")";
  CHECK(Show(Instant(e, db.db(), q, 0)) == "{} 1\n");
  // Deeper: rejected by the parser, not by the stack.
  std::string deep = "m";
  for (int i = 0; i < 5000; i++) deep = "(" + deep + ")";
  CHECK(Instant(e, db.db(), deep, 0).status.code() == absl::StatusCode::kInvalidArgument);
  std::string chain = "m";
  for (int i = 0; i < 5000; i++) chain += " + m";
  CHECK(!Instant(e, db.db(), chain, 0).status.ok());
}

TEST_CASE("engine limits: parallel evaluation gives identical results", "[engine][concurrency]") {
  TestDB db;
  AddMany(db, 3000, 240);
  EngineOptions one = TestOptions(), four = TestOptions();
  one.max_samples = four.max_samples = 50000000;
  four.parallelism = 4;
  Engine e1(one), e4(four);
  for (const char* q : {"sum by (j) (rate(m[5m]))", "m", "max_over_time(m[10m])", "m / on() group_left() max(m)",
                        "quantile_over_time(0.3, m[7m])"}) {
    INFO(q);
    std::string a = Show(Range(e1, db.db(), q, 0, 60 * kMin, kMin));
    std::string b = Show(Range(e4, db.db(), q, 0, 60 * kMin, kMin));
    CHECK(a.size() > 100);
    CHECK(a == b);
  }
}

TEST_CASE("engine limits: concurrent queries on one engine", "[engine][concurrency]") {
  TestDB db;
  AddMany(db, 2000, 120);
  EngineOptions o = TestOptions();
  o.max_samples = 50000000;
  o.parallelism = 2;
  Engine e(o);
  const std::string want = Show(Range(e, db.db(), "sum by (j) (rate(m[5m]))", 0, 30 * kMin, 15 * 1000));
  REQUIRE(want.size() > 100);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&] {
      for (int i = 0; i < 3; i++) {
        if (Show(Range(e, db.db(), "sum by (j) (rate(m[5m]))", 0, 30 * kMin, 15 * 1000)) != want) mismatches++;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches.load() == 0);
}

}  // namespace
}  // namespace promlite::promql::enginetest
