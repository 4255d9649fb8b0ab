// Running scripts end to end: pass/fail/skip accounting, failure reports,
// load errors, clear, expected failures, the hidden re-checks, and the C++
// helpers. Queries are plain selectors and literals so that these tests
// check the runner, not the engine's functions.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "promlite/promql/promqltest.h"
#include "promlite/tsdb/db.h"
#include "test_util.h"

namespace pt = promlite::promql::promqltest;

namespace {

pt::TestFileResult Run(std::string_view script, pt::TestRunOptions opts = {}) {
  auto r = pt::RunTestScript(script, "t.test", opts);
  INFO(r.status().ToString());
  REQUIRE(r.ok());
  return std::move(*r);
}

std::string Failures(const pt::TestFileResult& r) {
  std::string out;
  for (const auto& o : r.evals) {
    if (o.status != pt::EvalStatus::kPassed) out += pt::FormatOutcome(o) + "\n";
  }
  for (const auto& e : r.errors) out += e.message + "\n";
  return out;
}

}  // namespace

TEST_CASE("promqltest run: passing evals", "[promqltest]") {
  auto r = Run(R"(
load 1m
  up{job="a"} 0+1x10
  up{job="b"} 5 _ 7 stale

eval instant at 2m up
  up{job="a"} 2
  up{job="b"} 7

eval instant at 4m up
  up{job="a"} 4

eval range from 0 to 4m step 1m up
  up{job="a"} 0+1x4
  up{job="b"} 5 5 7

eval instant at 1m 1 + 1
  2

eval instant at 0 "hello"
  expect string "hello"

eval instant at 3m up{job="b"}[3m]
  expect range vector from 1m to 3m step 1m
  up{job="b"} _ 7
)");
  INFO(Failures(r));
  CHECK(r.passed() == 6);
  CHECK(r.failed() == 0);
  CHECK(r.skipped() == 0);
  CHECK(r.ok());
  CHECK(pt::FormatFileSummary(r) == "t.test: 6 passed, 0 failed, 0 skipped of 6 evals");
}

TEST_CASE("promqltest run: a failing eval is reported with file, line, query, expected and actual", "[promqltest]") {
  auto r = Run(R"(
load 1m
  up{job="a"} 0+1x10

eval instant at 2m up
  up{job="a"} 3
)");
  REQUIRE(r.evals.size() == 1);
  const auto& o = r.evals[0];
  CHECK(o.status == pt::EvalStatus::kFailed);
  CHECK(o.file == "t.test");
  CHECK(o.line == 5);
  CHECK(o.query == "up");
  CHECK(o.check == "instant query at 2m");
  CHECK(o.message == "expected 3 for up{job=\"a\"} but got 2");
  CHECK(o.expected == "up{job=\"a\"} 3");
  CHECK(o.actual == "up{job=\"a\"} 2");
  CHECK_FALSE(r.ok());
  const std::string report = pt::FormatOutcome(o);
  CHECK(report.find("t.test:5: FAIL up\n") == 0);
  CHECK(report.find("expected:\n      up{job=\"a\"} 3") != std::string::npos);
  CHECK(report.find("actual:\n      up{job=\"a\"} 2") != std::string::npos);
}

TEST_CASE("promqltest run: missing, extra and unparseable", "[promqltest]") {
  auto r = Run(R"(
load 1m
  up{job="a"} 1
  up{job="b"} 1

eval instant at 0 up
  up{job="a"} 1

eval instant at 0 up{job="a"}
  up{job="a"} 1
  up{job="c"} 1

eval instant at 0 sum(
  {} 1
)");
  REQUIRE(r.evals.size() == 3);
  CHECK(r.evals[0].message == "unexpected metric up{job=\"b\"} in result, has value 1");
  CHECK(r.evals[1].message == "expected metric up{job=\"c\"} with [1] not found");
  CHECK(r.evals[2].status == pt::EvalStatus::kFailed);
  CHECK(r.evals[2].message.find("the query does not parse: 1:5: parse error") == 0);
  CHECK(r.failed() == 3);
}

TEST_CASE("promqltest run: clear starts from an empty storage", "[promqltest]") {
  auto r = Run(R"(
load 1m
  up 1

clear

eval instant at 0 up
)");
  INFO(Failures(r));
  CHECK(r.passed() == 1);
}

TEST_CASE("promqltest run: expected failures", "[promqltest]") {
  auto r = Run(R"(
load 1m
  up 1

eval range from 0 to 1m step 0 up
  expect fail

eval range from 0 to 1m step 0 up
  expect fail regex: step width

eval range from 0 to 1m step 0 up
  expect fail msg: not the message

eval instant at 0 up
  expect fail
)");
  REQUIRE(r.evals.size() == 4);
  CHECK(r.evals[0].status == pt::EvalStatus::kPassed);
  CHECK(r.evals[1].status == pt::EvalStatus::kPassed);
  CHECK(r.evals[2].status == pt::EvalStatus::kFailed);
  // A creation error that is not the expected one is reported as such, as upstream does.
  CHECK(r.evals[2].message.find("error creating range query: ") == 0);
  CHECK(r.evals[3].status == pt::EvalStatus::kFailed);
  CHECK(r.evals[3].message == "expected error evaluating query but got none");
  CHECK(r.evals[3].actual == "up 1");
}

TEST_CASE("promqltest run: a refused load is an error of the file", "[promqltest]") {
  auto r = Run(R"(
load 1m
  up 1 2 3

load 1m
  up 5

eval instant at 2m up
  up 3
)");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].line == 5);
  CHECK(r.errors[0].message.find("load failed: line 6: appending up at 0s:") == 0);
  CHECK(r.passed() == 1);
  CHECK_FALSE(r.ok());
}

TEST_CASE("promqltest run: evals needing native histograms or start timestamps are skipped by cause",
          "[promqltest]") {
  auto r = Run(R"(
load 1m
  floats{a="1"} 1 2 3
  hist{a="1"} {{schema:0 sum:1 count:1}}x2
  counter@st _ -1m -1m
  counter 1 2 3

load_with_nhcb 1m
  classic_bucket{le="1"} 1 2 3
  classic_bucket{le="+Inf"} 2 3 4

eval instant at 2m floats
  floats{a="1"} 3

eval instant at 2m hist
  hist{a="1"} 1

eval instant at 2m {a="1"}
  floats{a="1"} 3

eval instant at 2m counter
  counter 3

eval instant at 2m classic_bucket
  classic_bucket{le="1"} 3
  classic_bucket{le="+Inf"} 4

eval instant at 2m classic
  classic 1

eval instant at 2m floats
  floats{a="1"} {{schema:0 sum:1 count:1}}
)");
  INFO(Failures(r));
  REQUIRE(r.evals.size() == 7);
  CHECK(r.evals[0].status == pt::EvalStatus::kPassed);
  CHECK(r.evals[1].status == pt::EvalStatus::kSkipped);
  CHECK(r.evals[1].skip_cause == "native histograms");
  CHECK(r.evals[1].message == "the query reads hist{a=\"1\"}, which has native histogram samples (line 4)");
  CHECK(r.evals[2].status == pt::EvalStatus::kSkipped);  // {a="1"} also selects hist
  CHECK(r.evals[3].status == pt::EvalStatus::kSkipped);
  CHECK(r.evals[3].skip_cause == "start timestamps");
  CHECK(r.evals[4].status == pt::EvalStatus::kPassed);  // the classic series are stored
  CHECK(r.evals[5].status == pt::EvalStatus::kSkipped);
  CHECK(r.evals[5].message.find("the query reads classic, which is the native histogram load_with_nhcb builds") == 0);
  CHECK(r.evals[6].status == pt::EvalStatus::kSkipped);
  CHECK(r.evals[6].message == "the expected result has native histograms");
  CHECK(r.passed() == 2);
  CHECK(r.skipped() == 5);
  CHECK(r.SkippedByCause() == std::map<std::string, int>{{"native histograms", 4}, {"start timestamps", 1}});
  CHECK(pt::FormatFileSummary(r) ==
        "t.test: 2 passed, 0 failed, 5 skipped of 7 evals (skipped: native histograms 4, start timestamps 1)");
}

TEST_CASE("promqltest run: hidden re-checks", "[promqltest]") {
  const char* script = R"(
load 1m
  up 0+1x10

eval instant at 5m up
  up 5

eval instant at 5m timestamp(up)
  {} 300

eval instant at 0 up
  up 0

eval instant at 5m up
  expect ordered
  up 5
)";
  auto r = Run(script);
  INFO(Failures(r));
  REQUIRE(r.evals.size() == 4);
  CHECK(r.passed() == 4);
  // Instant + range re-check, then five @ runs with their range re-checks.
  CHECK(r.evals[0].queries == 12);
  // timestamp() depends on the evaluation time: no @ runs.
  CHECK(r.evals[1].queries == 2);
  // t = 0: runs at -1s, 0, +1s.
  CHECK(r.evals[2].queries == 8);
  pt::TestRunOptions lenient;
  lenient.hidden_checks = false;
  auto l = Run(script, lenient);
  CHECK(l.passed() == 4);
  CHECK(l.evals[0].queries == 1);
}

TEST_CASE("promqltest run: an @ written in the query is kept by the @ re-runs", "[promqltest]") {
  auto r = Run(R"(
load 1m
  up 0+1x10

eval instant at 5m up @ 60
  up 1
)");
  INFO(Failures(r));
  CHECK(r.passed() == 1);
  CHECK(r.evals[0].queries == 12);
}

TEST_CASE("promqltest run: files", "[promqltest]") {
  promlite::testing::TempDir dir;
  const std::string path = dir.str() + "/x.test";
  std::ofstream(path) << "load 1m\n  up 1\n\neval instant at 0 up\n  up 1\n";
  auto r = pt::RunTestFile(path);
  REQUIRE(r.ok());
  CHECK(r->file == path);
  CHECK(r->passed() == 1);
  CHECK(pt::RunTestFile(dir.str() + "/missing.test").status().code() == absl::StatusCode::kNotFound);
  std::ofstream(path) << "bogus\n";
  auto bad = pt::RunTestFile(path);
  CHECK(bad.status().message() == path + ":1: invalid command \"bogus\"");
}

TEST_CASE("promqltest helpers: CheckInstantQuery and CheckRangeQuery", "[promqltest]") {
  auto db = promlite::tsdb::DB::OpenInMemory();
  REQUIRE(pt::LoadSeries(*db, "load 1m\n  up{job=\"a\"} 0+1x10\n  up{job=\"b\"} 1x10\n").ok());
  promlite::promql::Engine engine(promlite::promql::EngineOptions{});
  CHECK(pt::CheckInstantQuery(engine, *db, "up", 120000, "up{job=\"a\"} 2\nup{job=\"b\"} 1").ok());
  CHECK(pt::CheckInstantQuery(engine, *db, "up{job=\"c\"}", 120000, "").ok());
  auto st = pt::CheckInstantQuery(engine, *db, "up", 120000, "up{job=\"a\"} 2");
  CHECK(st.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(st.message()) ==
        "instant query at 2m of up: unexpected metric up{job=\"b\"} in result, has value 1\n"
        "expected:\n  up{job=\"a\"} 2\nactual:\n  up{job=\"a\"} 2\n  up{job=\"b\"} 1");
  CHECK(pt::CheckRangeQuery(engine, *db, "up{job=\"a\"}", 0, 180000, 60000, "up{job=\"a\"} 0+1x3").ok());
  CHECK(pt::CheckInstantQuery(engine, *db, "up", 0, "up{job=\"a\"} x").code() == absl::StatusCode::kInvalidArgument);
}
