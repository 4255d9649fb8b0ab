#include "engine/aggregate.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/annotations.h"
#include "engine/gomath.h"
#include "engine/labels_util.h"
#include "engine/range_kernels.h"
#include "engine/status_macros.h"
#include "parser/go_format.h"

namespace promlite::promql::engine {
namespace {

// State of one group at one step.
struct AggState {
  double value = 0;
  double mean = 0;
  double c = 0;  // Kahan compensation
  double count = 0;
  bool seen = false;
  bool incremental = false;  // avg switched to an incremental mean
  bool drop_name = false;
};

// Steps are processed in tiles so the per-group state stays small however
// long the range is, while the input is still read row by row.
constexpr int kTile = 128;

void Add(AggregateOp op, AggState& g, double f, bool drop_name) {
  if (!g.seen) {
    g.seen = true;
    g.value = f;
    g.mean = f;
    g.c = 0;
    g.count = 1;
    g.incremental = false;
    g.drop_name = drop_name;
    switch (op) {
      case AggregateOp::kStddev:
      case AggregateOp::kStdvar:
        g.value = (std::isnan(f) || std::isinf(f)) ? std::numeric_limits<double>::quiet_NaN() : 0;
        break;
      case AggregateOp::kGroup:
        g.value = 1;
        break;
      default:
        break;
    }
    return;
  }
  if (drop_name) g.drop_name = true;
  switch (op) {
    case AggregateOp::kSum:
      KahanInc(f, g.value, g.c);
      break;
    case AggregateOp::kAvg: {
      // Direct mean while the running sum stays finite, then incremental.
      g.count++;
      if (!g.incremental) {
        double v = g.value, c = g.c;
        KahanInc(f, v, c);
        if (!std::isinf(v)) {
          g.value = v;
          g.c = c;
          break;
        }
        g.incremental = true;
        g.mean = g.value / (g.count - 1);
        g.c /= g.count - 1;
      }
      double q = (g.count - 1) / g.count;
      double m = q * g.mean, c = q * g.c;
      KahanInc(f / g.count, m, c);
      g.mean = m;
      g.c = c;
      break;
    }
    case AggregateOp::kMax:
      if (g.value < f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kMin:
      if (g.value > f || std::isnan(g.value)) g.value = f;
      break;
    case AggregateOp::kCount:
      g.count++;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      g.count++;
      double delta = f - g.mean;
      g.mean += delta / g.count;
      g.value += delta * (f - g.mean);
      break;
    }
    default:
      break;
  }
}

double Final(AggregateOp op, const AggState& g) {
  switch (op) {
    case AggregateOp::kSum:
      return g.value + g.c;
    case AggregateOp::kAvg:
      if (g.incremental) return g.mean + g.c;
      return g.value / g.count + g.c / g.count;
    case AggregateOp::kCount:
      return g.count;
    case AggregateOp::kStdvar:
      return g.value / g.count;
    case AggregateOp::kStddev:
      return std::sqrt(g.value / g.count);
    default:
      return g.value;
  }
}

absl::StatusOr<Block> AggregateGroups(Evaluator& ev, AggregateOp op, const Block& in, const Grouping& grouping,
                                      const AggParam& p) {
  const size_t ngroups = grouping.labels.size();
  const int steps = ev.steps();
  SparseRows out(steps);
  for (const tsdb::Labels& l : grouping.labels) out.AddRow(l, false);
  std::vector<int> last_seen_step(ngroups, -1);
  std::vector<AggState> st;
  std::vector<std::vector<double>> qvals;  // quantile: values per (group, step in tile)
  for (int s0 = 0; s0 < steps; s0 += kTile) {
    PL_RETURN_IF_ERROR(ev.ctx().CheckInterrupt());
    const int s1 = std::min(steps, s0 + kTile);
    const int t = s1 - s0;
    st.assign(ngroups * t, AggState{});
    if (op == AggregateOp::kQuantile) {
      qvals.assign(ngroups * t, {});
    }
    for (size_t r = 0; r < in.rows(); r++) {
      const int lo = std::max(s0, in.lo(r)), hi = std::min(s1, in.hi(r));
      if (lo >= hi) continue;
      const int g = grouping.group_of_row[r];
      const int base = in.lo(r);
      const double* v = in.val(r);
      const uint8_t* h = in.has(r);
      const bool drop = in.meta(r).drop_name;
      AggState* gs = &st[static_cast<size_t>(g) * t];
      if (op == AggregateOp::kQuantile) {
        for (int i = lo; i < hi; i++) {
          if (!h[i - base]) continue;
          AggState& x = gs[i - s0];
          if (!x.seen) {
            x.seen = true;
            x.drop_name = drop;
          } else if (drop) {
            x.drop_name = true;
          }
          qvals[static_cast<size_t>(g) * t + (i - s0)].push_back(v[i - base]);
        }
        continue;
      }
      for (int i = lo; i < hi; i++) {
        if (h[i - base]) Add(op, gs[i - s0], v[i - base], drop);
      }
    }
    for (size_t g = 0; g < ngroups; g++) {
      for (int i = s0; i < s1; i++) {
        const AggState& x = st[g * t + (i - s0)];
        if (!x.seen) continue;
        double value;
        if (op == AggregateOp::kQuantile) {
          std::vector<double>& vals = qvals[g * t + (i - s0)];
          value = Quantile(p.values[i], vals.data(), vals.size());
        } else {
          value = Final(op, x);
        }
        out.Set(g, i, value);
        if (i > last_seen_step[g]) {
          last_seen_step[g] = i;
          out.meta(g).drop_name = x.drop_name;
        }
      }
    }
  }
  return std::move(out).Build();
}

absl::StatusOr<AggParam> EvalParam(Evaluator& ev, const Expr* param) {
  AggParam p;
  p.values.assign(ev.steps(), 0);
  if (!param) return p;
  PL_ASSIGN_OR_RETURN(Block b, ev.EvalBlock(*param));
  if (b.rows() == 0) return p;
  p.min = std::numeric_limits<double>::max();
  p.max = -std::numeric_limits<double>::max();
  for (int i = 0; i < ev.steps(); i++) {
    double v = b.Get(0, i);
    p.values[i] = v;
    p.max = GoMax(p.max, v);
    p.min = GoMin(p.min, v);
    if (std::isnan(v)) p.any_nan = true;
  }
  ev.ctx().SubSamples(b.Points());
  return p;
}

}  // namespace

Grouping GroupRows(const Block& in, bool without, const std::vector<std::string>& sorted_grouping) {
  Grouping g;
  g.group_of_row.resize(in.rows());
  absl::flat_hash_map<tsdb::Labels, int> index;
  for (size_t r = 0; r < in.rows(); r++) {
    tsdb::Labels key = GroupingLabels(in.meta(r).metric, without, sorted_grouping);
    auto [it, inserted] = index.emplace(key, static_cast<int>(g.labels.size()));
    if (inserted) g.labels.push_back(std::move(key));
    g.group_of_row[r] = it->second;
  }
  return g;
}

absl::StatusOr<Value> Evaluator::EvalAggregate(const AggregateExpr& a) {
  std::vector<std::string> grouping = a.grouping;
  std::sort(grouping.begin(), grouping.end());
  if (a.op == AggregateOp::kCountValues) {
    const std::string& value_label = static_cast<const StringLiteral&>(*a.param).value;
    if (!tsdb::IsValidLabelName(value_label)) {
      return ExecutionError(absl::StrCat("invalid label name ", parser::GoQuote(value_label)));
    }
    if (!a.without) {
      grouping.push_back(value_label);
      std::sort(grouping.begin(), grouping.end());
    }
    PL_ASSIGN_OR_RETURN(Block in, EvalBlock(*a.expr));
    int64_t in_points = in.Points();
    PL_ASSIGN_OR_RETURN(Block out, CountValues(*this, a, in, grouping, value_label));
    ctx_->SubSamples(in_points);
    PL_RETURN_IF_ERROR(ctx_->AddSamples(out.Points()));
    return Value(std::move(out));
  }

  PL_ASSIGN_OR_RETURN(AggParam p, EvalParam(*this, a.param.get()));
  PL_ASSIGN_OR_RETURN(Block in, EvalBlock(*a.expr));
  int64_t in_points = in.Points();
  Grouping g = GroupRows(in, a.without, grouping);
  Block out;
  switch (a.op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kLimitk:
    case AggregateOp::kLimitRatio: {
      PL_ASSIGN_OR_RETURN(out, AggregateK(*this, a, in, g, p));
      break;
    }
    case AggregateOp::kQuantile:
      if (p.any_nan) {
        ctx_->annotations.Add(InvalidQuantileWarning(std::numeric_limits<double>::quiet_NaN(), a.param->Range()));
      }
      if (p.max > 1) ctx_->annotations.Add(InvalidQuantileWarning(p.max, a.param->Range()));
      if (p.min < 0) ctx_->annotations.Add(InvalidQuantileWarning(p.min, a.param->Range()));
      [[fallthrough]];
    default: {
      PL_ASSIGN_OR_RETURN(out, AggregateGroups(*this, a.op, in, g, p));
      break;
    }
  }
  ctx_->SubSamples(in_points);
  PL_RETURN_IF_ERROR(ctx_->AddSamples(out.Points()));
  return Value(std::move(out));
}

}  // namespace promlite::promql::engine
