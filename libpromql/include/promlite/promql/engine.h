// The PromQL engine: evaluates instant and range queries over any storage
// that implements tsdb::Queryable (the DB, a test fixture, remote storage).
//
//   promql::Engine engine(promql::EngineOptions{});
//   auto q = engine.NewRangeQuery(&db, "sum by (job) (rate(x[5m]))", start, end, step);
//   promql::Result r = (*q)->Exec();
//   if (!r.status.ok()) ...;       // parse errors come from New*Query already
//   const auto& m = std::get<promql::Matrix>(r.value);
//
// Errors follow Prometheus' texts. Status codes map to the HTTP API's error
// types: InvalidArgument -> bad_data (parse errors and other problems of the
// query found before evaluation), DeadlineExceeded -> timeout, Cancelled ->
// canceled, ResourceExhausted (too many samples) and FailedPrecondition
// (errors found while evaluating, e.g. "many-to-many matching not allowed")
// -> execution, Unavailable/Internal/DataLoss from storage -> internal.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "promlite/promql/ast.h"
#include "promlite/promql/parser.h"
#include "promlite/promql/value.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/storage.h"

namespace promlite::promql {

namespace engine {
class ThreadPool;
}

struct EngineOptions {
  // How far back an instant selector looks for the latest sample (--query.lookback-delta).
  int64_t lookback_delta_ms = 5 * 60 * 1000;
  // Samples a query may hold in memory at once (--query.max-samples).
  int64_t max_samples = 50000000;
  // Per-query deadline (--query.timeout).
  absl::Duration timeout = absl::Minutes(2);
  // Step of subqueries written without one ("[1h:]"): the global evaluation
  // interval in Prometheus (1m by default).
  int64_t default_subquery_step_ms = 60 * 1000;
  // Parser features (experimental functions, duration expressions, ...).
  ParseOptions parse;
  // Keep __name__ through functions and operators until the end of the
  // query, then drop it where Prometheus' rules say (promql-delayed-name-removal).
  bool enable_delayed_name_removal = false;
  // Threads one query may use for large selections (1 = evaluate inline).
  // The engine keeps parallelism - 1 worker threads, shared by its queries.
  int parallelism = 1;
  // Decide "might not be a counter" hints of rate()/increase() by the
  // __type__ label instead of the metric name suffix
  // (--enable-feature=type-and-unit-labels).
  bool enable_type_and_unit_labels = false;
  std::shared_ptr<tsdb::Logger> logger;

  // The settings Prometheus' promqltest scripts assume (see
  // shared/promql-tests/README.md): every feature enabled. The scripts also
  // assume max_samples = 10000; the runner sets that itself.
  static EngineOptions ForTests() {
    EngineOptions o;
    o.parse = ParseOptions::AllEnabled();
    o.enable_delayed_name_removal = true;
    return o;
  }
};

struct QueryOptions {
  // Overrides EngineOptions::lookback_delta_ms when > 0.
  int64_t lookback_delta_ms = 0;
  // Collect per-step sample counts (stats=all in the HTTP API). Not
  // collected yet: QueryStats::samples_per_step stays empty.
  bool enable_per_step_stats = false;
};

struct QueryStats {
  int64_t total_samples = 0;        // samples loaded from storage
  int64_t peak_samples = 0;         // most samples held at once
  double exec_seconds = 0;          // wall time of evaluation
  double prepare_seconds = 0;       // time spent opening the querier
  std::vector<std::pair<int64_t, int64_t>> samples_per_step;  // (t, samples) when asked
};

struct Result {
  absl::Status status;  // OK, or the evaluation error
  Value value;
  Annotations annotations;
};

class Query {
 public:
  virtual ~Query() = default;
  // Evaluates the query. May be called once; the Queryable must outlive it.
  virtual Result Exec() = 0;
  // Stops a running Exec from another thread; it returns Cancelled.
  virtual void Cancel() = 0;
  virtual const Expr& Statement() const = 0;
  virtual const QueryStats& Stats() const = 0;
};

class Engine {
 public:
  explicit Engine(EngineOptions opts = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Parse errors are returned here (InvalidArgument with Prometheus' text).
  absl::StatusOr<std::unique_ptr<Query>> NewInstantQuery(tsdb::Queryable* storage, std::string_view query,
                                                         int64_t ts_ms, const QueryOptions& opts = {});
  // Range query from start to end (inclusive) every step (> 0).
  absl::StatusOr<std::unique_ptr<Query>> NewRangeQuery(tsdb::Queryable* storage, std::string_view query,
                                                       int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                                       const QueryOptions& opts = {});

  const EngineOptions& options() const { return opts_; }

 private:
  EngineOptions opts_;
  std::unique_ptr<engine::ThreadPool> pool_;
};

}  // namespace promlite::promql
