// Parsing PromQL (the Prometheus 3.x grammar) into the AST of ast.h.
//
// Errors carry Prometheus' messages and positions: the status message of a
// failed parse is exactly what Prometheus prints, e.g.
//   1:5: parse error: unexpected <op:*>
// because users, Grafana and tools match on those texts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/promql/ast.h"
#include "promlite/tsdb/matcher.h"

namespace promlite::promql {

struct ParseOptions {
  // Functions and aggregations Prometheus marks experimental (limitk,
  // limit_ratio, info, sort_by_label, ...): --enable-feature=promql-experimental-functions.
  bool enable_experimental_functions = false;
  // Arithmetic, step(), range(), min_of()/max_of() in ranges, steps and
  // offsets: --enable-feature=promql-duration-expr.
  bool enable_duration_expressions = false;
  // The `anchored` and `smoothed` selector modifiers:
  // --enable-feature=promql-extended-range-selectors.
  bool enable_extended_range_selectors = false;
  // fill(), fill_left(), fill_right() on binary operators:
  // --enable-feature=promql-binop-fill-modifiers.
  bool enable_binop_fill_modifiers = false;
  // Deeper expressions are rejected with a parse error, so that no recursive
  // walk of a tree (parsing, checking, printing, evaluation) can exhaust the
  // stack. Prometheus has no such limit; real queries stay far below it.
  int max_depth = 1000;

  // Everything enabled, as Prometheus' own test scripts assume.
  static ParseOptions AllEnabled() {
    ParseOptions o;
    o.enable_experimental_functions = true;
    o.enable_duration_expressions = true;
    o.enable_extended_range_selectors = true;
    o.enable_binop_fill_modifiers = true;
    return o;
  }
};

// One problem found in a query.
struct ParseErrorItem {
  PositionRange range;
  std::string message;  // e.g. "unexpected end of input"
};

// All problems found in a query, in the order Prometheus reports them (the
// first is the one shown).
struct ParseError {
  std::string query;
  std::vector<ParseErrorItem> errors;

  // "<line>:<col>: parse error: <message>" for errors[i], as Prometheus'
  // ParseErr.Error(); the column counts bytes from 1.
  std::string Format(size_t i = 0) const;
};

absl::StatusOr<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options = {});
// As above; on failure also fills `details` (when not null) with every error.
absl::StatusOr<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options, ParseError* details);

// Parses a series selector such as `up{job="x"}` or `{__name__=~"a.*"}` (the
// match[] parameter of the HTTP API). The matcher for a metric name written
// before the braces comes last.
absl::StatusOr<std::vector<tsdb::Matcher>> ParseMetricSelector(std::string_view selector);

}  // namespace promlite::promql
