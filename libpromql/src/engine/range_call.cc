// Functions over a range vector (a matrix selector or a subquery): every
// series is read once and the window of each step is a slice of its
// samples; the window moves forward with the steps.
#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/annotations.h"
#include "engine/evaluator.h"
#include "engine/labels_util.h"
#include "engine/preprocess.h"
#include "engine/range_kernels.h"
#include "engine/series_reader.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {

tsdb::Labels LabelsForAbsent(const Expr& e);

namespace {

bool AnchoredSafe(std::string_view f) {
  return f == "changes" || f == "delta" || f == "increase" || f == "rate" || f == "resets";
}
bool SmoothedSafe(std::string_view f) { return f == "delta" || f == "increase" || f == "rate"; }

struct Source {
  int64_t offset = 0;
  int64_t range = 0;
  std::optional<int64_t> at;
  bool anchored = false;
  bool smoothed = false;
};

struct SeriesOut {
  bool had_output = false;
  bool invalid_quantile = false;
};

}  // namespace

absl::StatusOr<Value> Evaluator::EvalRangeCall(const Call& call, size_t mi) {
  const std::string_view name = call.func->name;
  const Expr& arg = *call.args[mi];
  Source src;
  const VectorSelector* vs = nullptr;
  RangeBlock sub_rows;
  int64_t subquery_points = 0;
  if (const auto* sq = arg.As<SubqueryExpr>()) {
    PL_ASSIGN_OR_RETURN(sub_rows, RunSubquery(*sq));
    for (const RangeRow& r : sub_rows) subquery_points += static_cast<int64_t>(r.pts.size());
    src.offset = ctx_->OffsetOf(sq, sq->offset_ms);
    src.at = sq->at_ms;
    if (src.at) src.offset = sq->offset_ms + (start_ - *src.at);
    src.range = sq->range_ms;
  } else {
    const auto& ms = static_cast<const MatrixSelector&>(arg);
    vs = &ms.selector();
    src.offset = ctx_->OffsetOf(vs, vs->offset_ms);
    src.at = vs->at_ms;
    src.range = ms.range_ms;
    src.anchored = vs->anchored;
    src.smoothed = vs->smoothed;
  }
  // The subquery's result is held only while the function runs.
  struct Release {
    QueryContext* ctx;
    int64_t n;
    ~Release() { ctx->SubSamples(n); }
  } release{ctx_, subquery_points};

  // Scalar arguments, one value per step.
  std::vector<Block> scalars;
  for (size_t i = 0; i < call.args.size(); i++) {
    if (i == mi) continue;
    PL_ASSIGN_OR_RETURN(Block b, EvalBlock(*call.args[i]));
    scalars.push_back(std::move(b));
  }

  if (src.anchored && !AnchoredSafe(name)) {
    return ExecutionError(absl::StrCat(
        "anchored modifier can only be used with: changes, delta, increase, rate, resets - not with ", std::string(name)));
  }
  if (src.smoothed && !SmoothedSafe(name)) {
    return ExecutionError(
        absl::StrCat("smoothed modifier can only be used with: delta, increase, rate - not with ", std::string(name)));
  }
  RangeKernel kernel = FindRangeKernel(name);
  if (!kernel) return absl::InternalError(absl::StrCat("no implementation for function ", std::string(name)));

  const int64_t lb = ctx_->lookback_ms;
  const int64_t widen_left = (src.anchored || src.smoothed) ? lb : 0;
  const int64_t widen_right = src.smoothed ? lb : 0;
  const int64_t last_ts = src.at ? start_ : TimeAt(steps_ - 1);
  const int64_t read_min = start_ - src.offset - src.range - widen_left + 1;
  const int64_t read_max = last_ts - src.offset + widen_right;

  // Series to process: selected from storage or the subquery's rows.
  std::vector<SelectedSeries> selected;
  size_t nseries;
  if (vs) {
    PL_ASSIGN_OR_RETURN(selected, Select(vs->matchers, read_min, read_max, src.range, name));
    nseries = selected.size();
  } else {
    nseries = sub_rows.size();
  }

  const bool keeps_name = name == "last_over_time" || name == "first_over_time";
  const bool track_resets = (name == "rate" || name == "increase") && !src.anchored && !src.smoothed;
  const double range_seconds = DurationSeconds(src.range);
  std::vector<RowMeta> meta(nseries);
  for (size_t i = 0; i < nseries; i++) {
    const tsdb::Labels& l = vs ? selected[i].labels : sub_rows[i].metric;
    bool drop = !keeps_name || (!vs && sub_rows[i].drop_name);
    meta[i] = RowMeta{drop ? NameDropped(l) : l, drop};
  }
  std::vector<RowValues> rows(nseries);
  std::vector<SeriesOut> info(nseries);
  std::vector<std::string> errors(nseries);

  auto process = [&](size_t r, std::vector<tsdb::Sample>& pts) -> absl::Status {
    DropStaleMarkers(&pts);
    DenseScratch& d = ThreadScratch(steps_);
    WindowArgs a;
    a.range_ms = src.range;
    a.offset_ms = src.offset;
    a.anchored = src.anchored;
    a.smoothed = src.smoothed;
    a.range_seconds = range_seconds;
    // Indices of counter resets (relative to the window start they are
    // rebased on below).
    std::vector<uint32_t> resets, window_resets;
    if (track_resets) {
      for (size_t i = 1; i < pts.size(); i++) {
        if (pts[i].v < pts[i - 1].v) resets.push_back(static_cast<uint32_t>(i));
      }
    }
    size_t rlo = 0;
    WindowResult res;
    size_t lo = 0, hi = 0, widest = 0;
    int64_t mint = 0, maxt = 0;
    for (int step = 0; step < steps_; step++) {
      const int64_t ts = TimeAt(step);
      if (step == 0 || !src.at) {
        maxt = ts - src.offset + widen_right;
        mint = ts - src.offset - src.range - widen_left;
        while (lo < pts.size() && pts[lo].t <= mint) lo++;
        if (hi < lo) hi = lo;
        while (hi < pts.size() && pts[hi].t <= maxt) hi++;
        widest = std::max(widest, hi - lo);
      }
      if (hi == lo) continue;
      a.pts = pts.data() + lo;
      a.n = hi - lo;
      a.ts = ts;
      if (track_resets) {
        // Resets strictly inside the window (both samples of the pair in it).
        while (rlo < resets.size() && resets[rlo] <= lo) rlo++;
        size_t rhi = rlo;
        while (rhi < resets.size() && resets[rhi] < hi) rhi++;
        window_resets.clear();
        for (size_t k = rlo; k < rhi; k++) window_resets.push_back(resets[k] - static_cast<uint32_t>(lo));
        a.resets_known = true;
        a.resets = window_resets.data();
        a.nresets = window_resets.size();
      }
      if (!scalars.empty()) a.scalar = scalars[0].Get(0, step);
      if (scalars.size() > 1) a.scalar2 = scalars[1].Get(0, step);
      double v;
      bool ok = kernel(a, &v, &res);
      if (!res.error.empty()) {
        errors[r] = res.error;
        return absl::OkStatus();
      }
      if (!ok) continue;
      d.v[step] = v;
      d.h[step] = 1;
    }
    TrimInto(d, steps_, &rows[r]);
    const int64_t points = rows[r].points;
    info[r].had_output = points > 0;
    info[r].invalid_quantile = res.invalid_quantile;
    if (ctx_->CurrentSamples() + static_cast<int64_t>(widest) > ctx_->max_samples) return TooManySamplesError();
    return ctx_->AddSamples(points);
  };

  if (vs) {
    PL_RETURN_IF_ERROR(ForEachSeriesSamples(*this, selected, read_min, read_max, steps_ + 8, process));
  } else {
    for (size_t r = 0; r < nseries; r++) {
      PL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
      PL_RETURN_IF_ERROR(process(r, sub_rows[r].pts));
    }
  }
  for (size_t r = 0; r < nseries; r++) {
    if (!errors[r].empty()) return ExecutionError(errors[r]);
  }
  Block out = AssembleRows(steps_, meta, rows);

  // quantile_over_time warns once per distinct bad φ among the steps that
  // produced a value.
  if (name == "quantile_over_time") {
    for (int step = 0; step < steps_; step++) {
      double q = scalars[0].Get(0, step);
      if (!(std::isnan(q) || q < 0 || q > 1)) continue;
      bool any = false;
      for (size_t r = 0; r < out.rows() && !any; r++) any = out.Has(r, step);
      if (any) ctx_->annotations.Add(InvalidQuantileWarning(q, call.args[0]->Range()));
    }
  }
  // The counter-name hints of rate() and increase(), in series order.
  for (size_t r = 0; r < nseries; r++) {
    if ((name == "rate" || name == "increase") && info[r].had_output) {
      const tsdb::Labels& l = vs ? selected[r].labels : sub_rows[r].metric;
      std::string_view metric_name = l.MetricName();
      if (metric_name.empty()) continue;
      if (ctx_->type_and_unit_labels) {
        std::string_view type = l.Get(kTypeLabel);
        if (type != "counter" && type != "histogram") {
          ctx_->annotations.Add(PossibleNonCounterLabelInfo(metric_name, type, call.args[0]->Range()));
        }
      } else if (!metric_name.ends_with("_total") && !metric_name.ends_with("_sum") &&
                 !metric_name.ends_with("_count") && !metric_name.ends_with("_bucket")) {
        ctx_->annotations.Add(PossibleNonCounterInfo(metric_name, call.args[0]->Range()));
      }
    }
  }

  if (name == "absent_over_time") {
    // One series with 1 at the steps where no input series had a sample.
    std::vector<uint8_t> present(steps_, 0);
    for (size_t r = 0; r < out.rows(); r++) {
      for (int i = out.lo(r); i < out.hi(r); i++) present[i] |= out.Has(r, i) ? 1 : 0;
    }
    ctx_->SubSamples(out.Points());
    Block absent(steps_);
    size_t row = absent.AddRow(LabelsForAbsent(arg), true);
    int64_t n = 0;
    for (int i = 0; i < steps_; i++) {
      if (!present[i]) {
        absent.Set(row, i, 1);
        n++;
      }
    }
    if (n == 0) return Value(Block(steps_));
    PL_RETURN_IF_ERROR(ctx_->AddSamples(n));
    absent.DropEmptyRows();
    return Value(std::move(absent));
  }

  if (!delayed_names()) PL_RETURN_IF_ERROR(CheckNoDuplicateLabels(out));
  return Value(std::move(out));
}

}  // namespace promlite::promql::engine
