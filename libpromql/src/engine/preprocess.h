// Query preparation, as Prometheus' PreprocessExpr and its helpers:
//  - start(), end(), range() and step() become number literals;
//  - duration expressions in ranges, steps and offsets are resolved;
//  - `@ start()` / `@ end()` become timestamps;
//  - the largest step-invariant subtrees are wrapped in StepInvariantExpr,
//    so that they are evaluated once instead of at every step;
//  - parentheses around function and aggregation arguments are removed.
// And, at execution, the effective offsets that implement `@` and the time
// range the query reads from storage.
#pragma once

#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "engine/query_context.h"
#include "promlite/promql/ast.h"

namespace promlite::promql::engine {

// `step_ms` is 0 for an instant query.
absl::Status PreprocessExpr(ExprPtr& root, int64_t start_ms, int64_t end_ms, int64_t step_ms);

// Prometheus' setOffsetForAtModifier: records in ctx->offsets the effective
// offset of every selector and subquery with `@` below `root`, relative to
// an evaluation starting at `eval_time`.
void SetOffsetsForAtModifier(int64_t eval_time, const Expr& root, QueryContext* ctx);

// The earliest and latest timestamps the query reads (FindMinMaxTime);
// (0, 0) when it selects nothing.
std::pair<int64_t, int64_t> FindMinMaxTime(const Expr& root, int64_t start_ms, int64_t end_ms, int64_t lookback_ms);

// Functions whose result depends on the evaluation time even when their
// arguments do not (Prometheus' AtModifierUnsafeFunctions).
bool IsAtModifierUnsafeFunction(std::string_view name);

// time.Duration(d).Seconds() for a duration in milliseconds, computed the
// way Go does (whole seconds plus the fraction), so results round the same.
double DurationSeconds(int64_t ms);

}  // namespace promlite::promql::engine
