// Vector and matrix selectors: storage access, lookback and staleness.
#include <algorithm>
#include <atomic>

#include "engine/evaluator.h"
#include "engine/extended_range.h"
#include "engine/labels_util.h"
#include "engine/series_reader.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {
namespace {

// The latest sample at or before `ref` (moving `j` forward), if it lies
// within the lookback window and is not a staleness marker.
inline const tsdb::Sample* LookbackSample(const std::vector<tsdb::Sample>& pts, size_t& j, int64_t ref,
                                          int64_t lookback) {
  while (j < pts.size() && pts[j].t <= ref) j++;
  if (j == 0) return nullptr;
  const tsdb::Sample& s = pts[j - 1];
  if (s.t <= ref - lookback) return nullptr;
  if (tsdb::IsStaleNaN(s.v)) return nullptr;
  return &s;
}

}  // namespace

absl::StatusOr<Value> Evaluator::EvalVectorSelector(const VectorSelector& vs) {
  const int64_t offset = ctx_->OffsetOf(&vs, vs.offset_ms);
  if (vs.smoothed) return EvalSmoothedVectorSelector(vs, offset);
  const int64_t lookback = ctx_->lookback_ms;
  const int64_t mint = start_ - offset - lookback + 1;
  const int64_t maxt = TimeAt(steps_ - 1) - offset;
  PL_ASSIGN_OR_RETURN(std::vector<SelectedSeries> series, Select(vs.matchers, mint, maxt, 0, ""));

  std::vector<RowMeta> meta(series.size());
  for (size_t i = 0; i < series.size(); i++) meta[i].metric = series[i].labels;
  std::vector<RowValues> rows(series.size());
  PL_RETURN_IF_ERROR(ForEachSeriesSamples(
      *this, series, mint, maxt, steps_, [&](size_t i, std::vector<tsdb::Sample>& pts) -> absl::Status {
        DenseScratch& d = ThreadScratch(steps_);
        size_t j = 0;
        for (int step = 0; step < steps_; step++) {
          const tsdb::Sample* s = LookbackSample(pts, j, TimeAt(step) - offset, lookback);
          if (!s) continue;
          d.v[step] = s->v;
          d.h[step] = 1;
        }
        TrimInto(d, steps_, &rows[i]);
        return ctx_->AddSamples(rows[i].points);
      }));
  return Value(AssembleRows(steps_, meta, rows));
}

absl::StatusOr<Value> Evaluator::EvalSmoothedVectorSelector(const VectorSelector& vs, int64_t offset) {
  const int64_t lb = ctx_->lookback_ms;
  const int64_t mint = start_ - offset - lb + 1;
  const int64_t maxt = TimeAt(steps_ - 1) - offset + lb;
  PL_ASSIGN_OR_RETURN(std::vector<SelectedSeries> series, Select(vs.matchers, mint, maxt, 0, ""));
  std::vector<RowMeta> meta(series.size());
  for (size_t i = 0; i < series.size(); i++) meta[i].metric = series[i].labels;
  std::vector<RowValues> rows(series.size());
  PL_RETURN_IF_ERROR(ForEachSeriesSamples(
      *this, series, mint, maxt, steps_, [&](size_t r, std::vector<tsdb::Sample>& pts) -> absl::Status {
        DropStaleMarkers(&pts);
        DenseScratch& d = ThreadScratch(steps_);
        size_t lo = 0, hi = 0;
        for (int step = 0; step < steps_; step++) {
          const int64_t data_ts = TimeAt(step) - offset;
          // The samples in (data_ts - lookback, data_ts + lookback].
          while (lo < pts.size() && pts[lo].t <= data_ts - lb) lo++;
          while (hi < pts.size() && pts[hi].t <= data_ts + lb) hi++;
          if (hi <= lo) continue;
          size_t i = lo;
          while (i < hi && pts[i].t < data_ts) i++;
          double v;
          if (i < hi && pts[i].t == data_ts) {
            v = pts[i].v;
          } else if (i > lo && i < hi) {
            v = Interpolate(pts[i - 1], pts[i], data_ts, false);
          } else if (i > lo) {
            v = pts[i - 1].v;
          } else {
            continue;
          }
          d.v[step] = v;
          d.h[step] = 1;
        }
        TrimInto(d, steps_, &rows[r]);
        return ctx_->AddSamples(rows[r].points);
      }));
  return Value(AssembleRows(steps_, meta, rows));
}

absl::StatusOr<Value> Evaluator::EvalMatrixSelector(const MatrixSelector& ms) {
  const VectorSelector& vs = ms.selector();
  const int64_t offset = ctx_->OffsetOf(&vs, vs.offset_ms);
  const int64_t lb = ctx_->lookback_ms;
  const int64_t range_maxt = start_ - offset;
  const int64_t range_mint = range_maxt - ms.range_ms;
  int64_t mint = range_mint, maxt = range_maxt;
  if (vs.anchored) {
    mint -= lb;
  } else if (vs.smoothed) {
    mint -= lb;
    maxt += lb;
  }
  PL_ASSIGN_OR_RETURN(std::vector<SelectedSeries> series, Select(vs.matchers, mint + 1, maxt, ms.range_ms, ""));
  std::vector<RangeRow> rows(series.size());
  PL_RETURN_IF_ERROR(ForEachSeriesSamples(
      *this, series, mint + 1, maxt, 1, [&](size_t i, std::vector<tsdb::Sample>& pts) -> absl::Status {
        DropStaleMarkers(&pts);
        RangeRow& row = rows[i];
        row.metric = series[i].labels;
        if (vs.anchored || vs.smoothed) {
          row.pts = ExtendFloats(pts, range_mint, range_maxt, vs.smoothed);
        } else {
          row.pts = pts;
        }
        return ctx_->AddSamples(static_cast<int64_t>(row.pts.size()));
      }));
  RangeBlock out;
  for (RangeRow& r : rows) {
    if (!r.pts.empty()) out.push_back(std::move(r));
  }
  return Value(std::move(out));
}

absl::StatusOr<Value> Evaluator::EvalTimestampOfSelector(const Call& call, const VectorSelector& vs) {
  // With @, timestamp() reads the sample at the @ time at every step,
  // whatever the offset.
  const int64_t lookback = ctx_->lookback_ms;
  const int64_t offset = ctx_->OffsetOf(&vs, vs.offset_ms);
  auto ref_at = [&](int step) { return vs.at_ms ? *vs.at_ms : TimeAt(step) - offset; };
  int64_t mint = std::min(ref_at(0), ref_at(steps_ - 1)) - lookback + 1;
  int64_t maxt = std::max(ref_at(0), ref_at(steps_ - 1));
  PL_ASSIGN_OR_RETURN(std::vector<SelectedSeries> series, Select(vs.matchers, mint, maxt, 0, "timestamp"));
  std::vector<RowMeta> meta(series.size());
  for (size_t i = 0; i < series.size(); i++) meta[i] = RowMeta{NameDropped(series[i].labels), true};
  std::vector<RowValues> rows(series.size());
  PL_RETURN_IF_ERROR(ForEachSeriesSamples(
      *this, series, mint, maxt, steps_, [&](size_t r, std::vector<tsdb::Sample>& pts) -> absl::Status {
        DenseScratch& d = ThreadScratch(steps_);
        size_t j = 0;
        for (int step = 0; step < steps_; step++) {
          int64_t ref = ref_at(step);
          if (vs.at_ms) j = 0;
          const tsdb::Sample* s = LookbackSample(pts, j, ref, lookback);
          if (!s) continue;
          d.v[step] = static_cast<double>(s->t) / 1000;
          d.h[step] = 1;
        }
        TrimInto(d, steps_, &rows[r]);
        return ctx_->AddSamples(rows[r].points);
      }));
  Block out = AssembleRows(steps_, meta, rows);
  PL_RETURN_IF_ERROR(DedupeRangeEvalRows(&out));
  (void)call;
  return Value(std::move(out));
}

}  // namespace promlite::promql::engine
