// The evaluator: evaluates an expression at every step of [start, end]
// (an instant query is a range of one step) and returns the whole result
// at once. Nodes are evaluated series by series over all steps: a selector
// reads each series from storage once and fills every step; functions,
// operators and aggregations then work on the resulting rows.
//
// Its parts live in separate files: selectors.cc (storage access,
// lookback, staleness), range_call.cc and fn_*.cc (functions),
// aggregate*.cc, binop*.cc, info.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/block.h"
#include "engine/query_context.h"
#include "promlite/promql/ast.h"
#include "promlite/tsdb/storage.h"

namespace promlite::promql::engine {

// A series selected from storage, ready to be read.
struct SelectedSeries {
  tsdb::Labels labels;
  std::unique_ptr<tsdb::SampleIterator> it;
};

class Evaluator {
 public:
  Evaluator(QueryContext* ctx, int64_t start, int64_t end, int64_t interval);

  absl::StatusOr<Value> Eval(const Expr& e);
  // Eval for expressions of instant-vector or scalar type.
  absl::StatusOr<Block> EvalBlock(const Expr& e);

  QueryContext& ctx() { return *ctx_; }
  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  int64_t interval() const { return interval_; }
  int steps() const { return steps_; }
  // Prometheus' "could be an instant query" shortcut: one evaluation step.
  bool single_step() const { return start_ == end_; }
  int64_t TimeAt(int step) const { return start_ + step * interval_; }
  bool delayed_names() const { return ctx_->delayed_name_removal; }

  // ---- pieces shared by the operator files ----

  // Selects the series matching `matchers` with samples in [mint, maxt].
  absl::StatusOr<std::vector<SelectedSeries>> Select(const std::vector<tsdb::Matcher>& matchers, int64_t mint,
                                                     int64_t maxt, int64_t range_ms, std::string_view func);
  // Runs fn(i) for i in [0, n), in parallel when the work is large enough.
  void ParallelFor(size_t n, size_t work_units, const std::function<void(size_t)>& fn);

  // The output rules of Prometheus' rangeEval for rows whose labels were
  // changed by an operation: a single-step evaluation keeps duplicates (but
  // fails on them without delayed name removal); a range evaluation merges
  // rows with equal labels and fails when two have a value at one step.
  absl::Status DedupeRangeEvalRows(Block* b);
  // mergeSeriesWithSameLabelset: merges rows with equal labels, failing when
  // two have a value at the same step (whatever the number of steps).
  absl::Status MergeSameLabels(Block* b);
  // ContainsSameLabelset as an error.
  absl::Status CheckNoDuplicateLabels(const Block& b);
  // A row's labels after an operation that drops the metric name: dropped
  // now without delayed name removal, kept (and flagged) with it.
  tsdb::Labels NameDropped(const tsdb::Labels& l) const;

  // Converts a Block of this evaluator into range-vector rows.
  RangeBlock BlockToRange(const Block& b) const;

 private:
  friend class RangeCall;

  absl::StatusOr<Value> EvalNode(const Expr& e);
  absl::StatusOr<Value> EvalNumber(const NumberLiteral& n);
  absl::StatusOr<Value> EvalUnary(const UnaryExpr& u);
  absl::StatusOr<Value> EvalStepInvariant(const StepInvariantExpr& e);
  absl::StatusOr<Value> EvalSubquery(const SubqueryExpr& sq);

  // selectors.cc
  absl::StatusOr<Value> EvalVectorSelector(const VectorSelector& vs);
  absl::StatusOr<Value> EvalSmoothedVectorSelector(const VectorSelector& vs, int64_t offset);
  absl::StatusOr<Value> EvalMatrixSelector(const MatrixSelector& ms);
  absl::StatusOr<Value> EvalTimestampOfSelector(const Call& call, const VectorSelector& vs);

 public:
  // calls.cc and friends
  absl::StatusOr<Value> EvalCall(const Call& call);
  absl::StatusOr<Value> EvalRangeCall(const Call& call, size_t matrix_arg);
  absl::StatusOr<Value> EvalLabelReplace(const Call& call);
  absl::StatusOr<Value> EvalLabelJoin(const Call& call);
  absl::StatusOr<Value> EvalInfo(const Call& call);
  // aggregate.cc
  absl::StatusOr<Value> EvalAggregate(const AggregateExpr& a);
  // binop.cc
  absl::StatusOr<Value> EvalBinary(const BinaryExpr& b);

  // Runs a subquery in a child evaluator; the result rows carry the child's
  // step timestamps.
  absl::StatusOr<RangeBlock> RunSubquery(const SubqueryExpr& sq);

 private:
  QueryContext* ctx_;
  int64_t start_, end_, interval_;
  int steps_;
  int depth_ = 0;
};

}  // namespace promlite::promql::engine
