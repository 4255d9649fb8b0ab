// Aggregation operators. aggregate.cc: the dispatch, grouping and the
// aggregations with one output series per group (sum, avg, count, min, max,
// group, stddev, stdvar, quantile); aggregate_k.cc: the ones that select
// input series (topk, bottomk, limitk, limit_ratio); count_values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/block.h"
#include "engine/evaluator.h"

namespace promlite::promql::engine {

// The grouping of an aggregation's input rows.
struct Grouping {
  std::vector<int> group_of_row;
  std::vector<tsdb::Labels> labels;  // per group, in order of first appearance
};

Grouping GroupRows(const Block& in, bool without, const std::vector<std::string>& sorted_grouping);

// The aggregation's parameter (k, φ, ratio) at each step, with its range.
struct AggParam {
  std::vector<double> values;  // per step
  double min = 0, max = 0;
  bool any_nan = false;
};

absl::StatusOr<Block> AggregateK(Evaluator& ev, const AggregateExpr& a, const Block& in, const Grouping& g,
                                 const AggParam& p);
absl::StatusOr<Block> CountValues(Evaluator& ev, const AggregateExpr& a, const Block& in,
                                  const std::vector<std::string>& grouping, const std::string& value_label);

}  // namespace promlite::promql::engine
