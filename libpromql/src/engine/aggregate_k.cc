// topk, bottomk, limitk, limit_ratio and count_values. These pick or count
// input samples step by step; their order at a step follows the heaps
// Prometheus keeps (Go's container/heap and sort.Sort), which decides which
// of several equal values are kept and in which order they are listed.
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/aggregate.h"
#include "engine/annotations.h"
#include "engine/go_sort.h"
#include "engine/labels_util.h"
#include "engine/status_macros.h"
#include "parser/go_format.h"

namespace promlite::promql::engine {
namespace {

constexpr double kMaxInt64 = 9223372036854774784.0;
constexpr double kMinInt64 = -9223372036854775808.0;

struct Elem {
  double f;
  size_t row;
};

// A heap of input samples ordered as Prometheus' vectorByValueHeap (min at
// the top; NaN lowest) or, reversed, vectorByReverseValueHeap.
struct Heap {
  std::vector<Elem>* h;
  bool reverse;
  bool Less(size_t i, size_t j) const {
    double a = (*h)[i].f, b = (*h)[j].f;
    if (std::isnan(a)) return true;
    return reverse ? a > b : a < b;
  }
  void Swap(size_t i, size_t j) { std::swap((*h)[i], (*h)[j]); }
};

// sort.Reverse(heap): the final order of topk (descending) and bottomk.
struct Reversed {
  Heap base;
  bool Less(size_t i, size_t j) const { return base.Less(j, i); }
  void Swap(size_t i, size_t j) { base.Swap(i, j); }
};

void Push(std::vector<Elem>& h, bool reverse, Elem e) {
  h.push_back(e);
  Heap heap{&h, reverse};
  gosort::HeapUp(heap, static_cast<int64_t>(h.size()) - 1);
}

bool AddRatioSample(double ratio, const tsdb::Labels& l) {
  double offset = static_cast<double>(PromHash(l)) / static_cast<double>(std::numeric_limits<uint64_t>::max());
  return (ratio >= 0 && offset < ratio) || (ratio < 0 && offset >= 1.0 + ratio);
}

}  // namespace

absl::StatusOr<Block> AggregateK(Evaluator& ev, const AggregateExpr& a, const Block& in, const Grouping& g,
                                 const AggParam& p) {
  const AggregateOp op = a.op;
  const int steps = ev.steps();
  SparseRows out(steps);
  if (op == AggregateOp::kLimitRatio) {
    if (p.max == 0 && p.min == 0) return Block(steps);
    if (p.any_nan) return ExecutionError("Ratio value is NaN");
    if (p.max > 1.0) ev.ctx().annotations.Add(InvalidRatioWarning(p.max, 1.0, a.param->Range()));
    if (p.min < -1.0) ev.ctx().annotations.Add(InvalidRatioWarning(p.min, -1.0, a.param->Range()));
  } else {
    if (p.max < 1) return Block(steps);
    if (p.any_nan) return ExecutionError("Parameter value is NaN");
    if (p.min <= kMinInt64) {
      return ExecutionError(absl::StrCat("Scalar value ", parser::FormatFloatG(p.min), " underflows int64"));
    }
    if (p.max >= kMaxInt64) {
      return ExecutionError(absl::StrCat("Scalar value ", parser::FormatFloatG(p.max), " overflows int64"));
    }
  }
  const size_t ngroups = g.labels.size();
  const bool reverse = op == AggregateOp::kBottomk;
  std::vector<std::vector<Elem>> heaps(ngroups);
  std::vector<uint8_t> seen(ngroups);
  std::vector<int> out_row_of_input(in.rows(), -1);  // range evaluation: one output row per input row
  for (int step = 0; step < steps; step++) {
    PL_RETURN_IF_ERROR(ev.ctx().CheckInterrupt());
    const double param = p.values[step];
    int64_t k = 0;
    double ratio = 0;
    if (op == AggregateOp::kLimitRatio) {
      if (param == 0) continue;
      ratio = param < -1.0 ? -1.0 : (param > 1.0 ? 1.0 : param);
    } else {
      k = std::min<int64_t>(static_cast<int64_t>(param), static_cast<int64_t>(in.rows()));
      if (k < 1) continue;
    }
    for (size_t gi = 0; gi < ngroups; gi++) {
      heaps[gi].clear();
      seen[gi] = 0;
    }
    for (size_t r = 0; r < in.rows(); r++) {
      if (!in.Has(r, step)) continue;
      Elem e{in.Get(r, step), r};
      const int gi = g.group_of_row[r];
      std::vector<Elem>& h = heaps[gi];
      if (!seen[gi]) {
        seen[gi] = 1;
        if (op == AggregateOp::kLimitRatio) {
          if (AddRatioSample(ratio, in.meta(r).metric)) Push(h, false, e);
        } else {
          h.push_back(e);
        }
        continue;
      }
      switch (op) {
        case AggregateOp::kTopk:
        case AggregateOp::kBottomk: {
          if (static_cast<int64_t>(h.size()) < k) {
            Push(h, reverse, e);
            break;
          }
          bool better = reverse ? h[0].f > e.f : h[0].f < e.f;
          if (better || (std::isnan(h[0].f) && !std::isnan(e.f))) {
            h[0] = e;
            if (k > 1) {
              Heap heap{&h, reverse};
              gosort::HeapFix(heap, 0, static_cast<int64_t>(h.size()));
            }
          }
          break;
        }
        case AggregateOp::kLimitk:
          if (static_cast<int64_t>(h.size()) < k) Push(h, false, e);
          break;
        case AggregateOp::kLimitRatio:
          if (AddRatioSample(ratio, in.meta(r).metric)) Push(h, false, e);
          break;
        default:
          break;
      }
    }
    for (size_t gi = 0; gi < ngroups; gi++) {
      if (!seen[gi]) continue;
      std::vector<Elem>& h = heaps[gi];
      if ((op == AggregateOp::kTopk || op == AggregateOp::kBottomk) && h.size() > 1) {
        Reversed sorter{Heap{&h, reverse}};
        gosort::Sort(sorter, h.size());
      }
      for (const Elem& e : h) {
        size_t row;
        if (ev.single_step()) {
          row = out.AddRow(in.meta(e.row).metric, in.meta(e.row).drop_name);
        } else {
          if (out_row_of_input[e.row] < 0) {
            out_row_of_input[e.row] = static_cast<int>(out.AddRow(in.meta(e.row).metric, in.meta(e.row).drop_name));
          }
          row = out_row_of_input[e.row];
        }
        out.Set(row, step, e.f);
      }
    }
  }
  return std::move(out).Build();
}

absl::StatusOr<Block> CountValues(Evaluator& ev, const AggregateExpr& a, const Block& in,
                                  const std::vector<std::string>& grouping, const std::string& value_label) {
  const int steps = ev.steps();
  SparseRows out(steps);
  absl::flat_hash_map<tsdb::Labels, size_t> rows;
  // The label value of each distinct float, formatted once.
  absl::flat_hash_map<uint64_t, std::string> formatted;
  for (int step = 0; step < steps; step++) {
    PL_RETURN_IF_ERROR(ev.ctx().CheckInterrupt());
    absl::flat_hash_map<tsdb::Labels, int64_t> counts;
    std::vector<tsdb::Labels> order;
    for (size_t r = 0; r < in.rows(); r++) {
      if (!in.Has(r, step)) continue;
      double v = in.Get(r, step);
      uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      auto fit = formatted.find(bits);
      if (fit == formatted.end()) fit = formatted.emplace(bits, parser::FormatFloatF(v)).first;
      tsdb::Labels with_value = tsdb::LabelsBuilder(in.meta(r).metric).Set(value_label, fit->second).Build();
      tsdb::Labels key = GroupingLabels(with_value, a.without, grouping);
      auto [it, inserted] = counts.emplace(key, 0);
      if (inserted) order.push_back(key);
      it->second++;
    }
    for (const tsdb::Labels& l : order) {
      auto [it, inserted] = rows.emplace(l, out.rows());
      if (inserted) out.AddRow(l, false);
      out.Set(it->second, step, static_cast<double>(counts[l]));
    }
  }
  return std::move(out).Build();
}

}  // namespace promlite::promql::engine
