// Executing script commands against a storage and an engine: appending a
// load block, and running an eval's query with the checks of Prometheus'
// runner (execRangeEval / runInstantQuery). Shared by the script runner and
// the C++ helpers of promqltest.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "promlite/promql/engine.h"
#include "promlite/tsdb/storage.h"
#include "promqltest/script.h"

namespace promlite::promql::promqltest {

// Appends the float samples of `cmd` through one appender and commits; on an
// append error rolls the block back. Series for which `skip` returns true are
// left out. Histogram items are never appended.
absl::Status AppendLoad(tsdb::Appendable& storage, const LoadCommand& cmd, int64_t start_ms,
                        const std::function<bool(const LoadedSeries&)>& skip);

struct RunFailure {
  std::string check;      // which run: "instant query at 50m", ...
  std::string run_query;  // the query text of that run
  std::string message;
  std::string actual;
};

struct QueryRunner {
  Engine& engine;
  tsdb::Queryable& storage;
  int* queries = nullptr;  // counts the queries created, when set
};

// The instant query `expr` at `t`, checked against `cmd`: expected failure,
// annotations, result; then, when `range_recheck`, the same query as a range
// query from t-1m to t+1m step 1m, whose point at t must give the same answer.
std::optional<RunFailure> RunInstant(const QueryRunner& r, const EvalCommand& cmd, std::string_view expr, int64_t t,
                                     const std::string& check, bool range_recheck);

// The range query of a range eval.
std::optional<RunFailure> RunRange(const QueryRunner& r, const EvalCommand& cmd);

// The expectation lines of an eval for reports ("(empty result)" if none).
std::string ExpectedText(const EvalCommand& cmd);

}  // namespace promlite::promql::promqltest
