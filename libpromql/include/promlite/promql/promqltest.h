// promqltest: Prometheus' PromQL test-script format as a library.
//
// A script loads synthetic series and states what queries must return:
//
//   load 1m
//     http_requests_total{job="api"} 0+10x10
//
//   eval instant at 10m rate(http_requests_total[5m])
//     {job="api"} 0.16666666666666666
//
// RunTestFile / RunTestScript run every command of a script against a fresh
// in-memory DB and the PromQL engine with the settings the scripts assume
// (lookback 5m, at most 10000 samples per query, every feature enabled), and
// repeat each instant eval the way Prometheus' own runner does (as a range
// query around t, and with `@ t` fixed on its selectors at other times).
// The format is described in shared/promql-tests/README.md.
//
// For C++ tests of alerting and recording expressions, LoadSeries writes
// series in the `load` notation into any storage and CheckInstantQuery /
// CheckRangeQuery compare a query's result with expected series written as
// in an eval body (see examples/promql_in_a_test.cc).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "promlite/promql/engine.h"
#include "promlite/tsdb/storage.h"

namespace promlite::promql::promqltest {

// Why an eval did not run: storage features promlite does not have yet.
inline constexpr std::string_view kSkipNativeHistograms = "native histograms";
inline constexpr std::string_view kSkipStartTimestamps = "start timestamps";

struct TestRunOptions {
  // The range re-check and the `@` re-runs of every instant eval. Turning
  // them off makes the run more lenient than Prometheus' own.
  bool hidden_checks = true;
  int64_t max_samples = 10000;
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  absl::Duration query_timeout = absl::Seconds(100);
};

enum class EvalStatus { kPassed, kFailed, kSkipped };
std::string_view EvalStatusName(EvalStatus s);  // "passed", "failed", "skipped"

// The outcome of one eval command, its hidden re-checks included.
struct EvalOutcome {
  std::string file;
  int line = 0;        // of the eval header, 1-based
  std::string query;   // as written in the script
  EvalStatus status = EvalStatus::kPassed;
  // kSkipped: kSkipNativeHistograms or kSkipStartTimestamps.
  std::string skip_cause;
  // kFailed: which run failed, e.g. "instant query at 50m" or
  // "range re-check from 49m to 51m step 1m of the instant query at 50m";
  // the query text of that run (differs from `query` for `@` re-runs); what
  // was wrong; the expectation as written; the result that was obtained.
  // kSkipped: `message` says which series or expectation needs the feature.
  std::string check;
  std::string run_query;
  std::string message;
  std::string expected;
  std::string actual;
  // Queries run for this eval, hidden re-checks included (1 + 1 range
  // re-check + 5 `@` re-runs with their range re-checks = 12 for a plain
  // instant eval).
  int queries = 0;
};

// A load command that the storage refused (the file fails).
struct CommandError {
  std::string file;
  int line = 0;
  std::string message;
};

struct TestFileResult {
  std::string file;
  std::vector<EvalOutcome> evals;
  std::vector<CommandError> errors;

  int passed() const { return Count(EvalStatus::kPassed); }
  int failed() const { return Count(EvalStatus::kFailed); }
  int skipped() const { return Count(EvalStatus::kSkipped); }
  // Skipped evals per cause.
  std::map<std::string, int> SkippedByCause() const;
  bool ok() const { return failed() == 0 && errors.empty(); }

 private:
  int Count(EvalStatus s) const;
};

// Runs a script file. A malformed script (unknown command, bad duration, bad
// series notation, ...) is an InvalidArgument error listing every problem as
// "<path>:<line>: <what is wrong>"; nothing is run then. An unreadable file
// is NotFound / PermissionDenied / Unavailable.
absl::StatusOr<TestFileResult> RunTestFile(const std::string& path, const TestRunOptions& opts = {});
// The same for a script in memory; `name` stands for the file in reports.
absl::StatusOr<TestFileResult> RunTestScript(std::string_view script, std::string_view name,
                                             const TestRunOptions& opts = {});
// Only parses: OK, or the errors RunTestScript would report (PromQL parse
// errors of eval queries included, which RunTestScript counts as failed evals).
absl::Status ValidateTestScript(std::string_view script, std::string_view name);

// A failure (or skip) as a multi-line report: file:line, query, check,
// message, expected and actual, indented under the first line.
std::string FormatOutcome(const EvalOutcome& o);
// "<file>: 150 passed, 2 failed, 8 skipped of 160 evals (skipped: native histograms 8)"
std::string FormatFileSummary(const TestFileResult& r);

// Appends series written in the `load` notation ("load 1m\n up{job=\"a\"}
// 0+1x10"; several load blocks allowed, each committed through one
// appender) to `storage`. Sample k of a series is written at
// start_ms + k*interval. Native histograms ({{...}}) and start timestamps
// (@st lines) are Unimplemented: promlite's storage has neither yet.
absl::Status LoadSeries(tsdb::Appendable& storage, std::string_view load_script, int64_t start_ms = 0);

// Evaluates `query` at `time_ms` and compares the result with `expected`,
// written like the body of an eval:
//
//   {job="a"} 0.5            one line per expected series (none: empty result)
//   1.5                      a scalar result
//   expect string "text"     a string result
//   expect ordered           the series must come in the listed order
//   expect warn / no_warn / info / no_info [msg: text | regex: re]
//   expect fail [msg: text | regex: re]
//
// with the comparison rules of the scripts (labels matched exactly, values
// within a relative 1e-6). OK when the result matches; otherwise
// FailedPrecondition whose message holds what differs, the expected text
// and the actual result; InvalidArgument for a malformed `expected`.
absl::Status CheckInstantQuery(Engine& engine, tsdb::Queryable& storage, std::string_view query, int64_t time_ms,
                               std::string_view expected);
// As above for a range query; each expected series lists one value per step
// ("_" for none), e.g. `{job="a"} 1 2 _ 4` or `{job="a"} 0+1x10`.
absl::Status CheckRangeQuery(Engine& engine, tsdb::Queryable& storage, std::string_view query, int64_t start_ms,
                             int64_t end_ms, int64_t step_ms, std::string_view expected);

}  // namespace promlite::promql::promqltest
