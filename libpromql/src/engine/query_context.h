// State shared by all evaluators of one query: storage, options, limits
// (deadline, cancellation, the sample budget), annotations and the
// per-node values Prometheus keeps in its AST (the effective offsets used
// to implement `@`).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "engine/annotations.h"
#include "engine/thread_pool.h"
#include "promlite/promql/ast.h"
#include "promlite/promql/engine.h"
#include "promlite/tsdb/storage.h"

namespace promlite::promql::engine {

struct QueryContext {
  tsdb::Querier* querier = nullptr;
  std::string_view query;
  int64_t lookback_ms = 5 * 60 * 1000;
  int64_t max_samples = 50000000;
  int64_t default_subquery_step_ms = 60 * 1000;
  bool delayed_name_removal = false;
  bool type_and_unit_labels = false;
  absl::Time deadline = absl::InfiniteFuture();
  const std::atomic<bool>* cancelled = nullptr;
  ThreadPool* pool = nullptr;
  int parallelism = 1;
  QueryStats* stats = nullptr;

  // Prometheus' VectorSelector.Offset / SubqueryExpr.Offset: the written
  // offset adjusted so that evaluating at the evaluator's start time reads
  // the time given by `@`. Absent means "the written offset".
  absl::flat_hash_map<const Expr*, int64_t> offsets;

  AnnotationSet annotations;

  // Samples currently held by the query, as Prometheus counts them.
  std::atomic<int64_t> samples{0};
  std::atomic<int64_t> peak_samples{0};
  std::atomic<int64_t> total_samples{0};

  // Cancelled / DeadlineExceeded with Prometheus' texts, or OK.
  absl::Status CheckInterrupt(std::string_view env = "expression evaluation") const;

  // Adds n samples to the budget; fails with Prometheus' "too many samples"
  // error when the limit is exceeded (the samples stay counted).
  absl::Status AddSamples(int64_t n);
  void SubSamples(int64_t n) { samples.fetch_sub(n, std::memory_order_relaxed); }
  int64_t CurrentSamples() const { return samples.load(std::memory_order_relaxed); }
  void SetSamples(int64_t n);

  int64_t OffsetOf(const Expr* node, int64_t written) const {
    auto it = offsets.find(node);
    return it == offsets.end() ? written : it->second;
  }
};

absl::Status TooManySamplesError();

}  // namespace promlite::promql::engine
