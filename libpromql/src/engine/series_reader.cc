#include "engine/series_reader.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace promlite::promql::engine {

absl::Status ReadSamples(tsdb::SampleIterator* it, int64_t mint, int64_t maxt, std::vector<tsdb::Sample>* out) {
  out->clear();
  if (maxt < mint) return absl::OkStatus();
  it->ReadUntil(maxt, out);
  absl::Status st = it->Err();
  if (!st.ok()) return st;
  // Iterators of other storages may start before the requested range.
  if (!out->empty() && out->front().t < mint) {
    auto first = std::lower_bound(out->begin(), out->end(), mint,
                                  [](const tsdb::Sample& s, int64_t t) { return s.t < t; });
    out->erase(out->begin(), first);
  }
  return absl::OkStatus();
}

void DropStaleMarkers(std::vector<tsdb::Sample>* pts) {
  auto it = std::remove_if(pts->begin(), pts->end(), [](const tsdb::Sample& s) { return tsdb::IsStaleNaN(s.v); });
  pts->erase(it, pts->end());
}

absl::Status ForEachSeriesSamples(Evaluator& ev, std::vector<SelectedSeries>& series, int64_t mint, int64_t maxt,
                                  size_t work_per_series,
                                  const std::function<absl::Status(size_t, std::vector<tsdb::Sample>&)>& fn) {
  const size_t n = series.size();
  if (n == 0) return absl::OkStatus();
  // Chunks of consecutive series; one status per chunk so the reported
  // error does not depend on thread timing.
  constexpr size_t kChunk = 256;
  size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<absl::Status> status(chunks);
  ev.ParallelFor(chunks, n * std::max<size_t>(work_per_series, 1), [&](size_t c) {
    std::vector<tsdb::Sample> buf;
    size_t lo = c * kChunk, hi = std::min(n, lo + kChunk);
    for (size_t i = lo; i < hi; i++) {
      absl::Status st = ev.ctx().CheckInterrupt();
      if (st.ok()) {
        st = ReadSamples(series[i].it.get(), mint, maxt, &buf);
        if (!st.ok()) st = absl::Status(st.code(), absl::StrCat("expanding series: ", st.message()));
      }
      if (st.ok()) {
        ev.ctx().total_samples.fetch_add(static_cast<int64_t>(buf.size()), std::memory_order_relaxed);
        st = fn(i, buf);
      }
      series[i].it.reset();  // done with its chunks
      if (!st.ok()) {
        status[c] = st;
        return;
      }
    }
  });
  for (absl::Status& st : status) {
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

DenseScratch& ThreadScratch(int steps) {
  thread_local DenseScratch scratch;
  scratch.Reset(steps);
  return scratch;
}

void TrimInto(const DenseScratch& d, int steps, RowValues* out) {
  int lo = 0, hi = steps;
  while (lo < hi && !d.h[lo]) lo++;
  while (hi > lo && !d.h[hi - 1]) hi--;
  out->lo = lo;
  out->v.assign(d.v.begin() + lo, d.v.begin() + hi);
  out->h.assign(d.h.begin() + lo, d.h.begin() + hi);
  out->points = 0;
  for (int i = lo; i < hi; i++) out->points += d.h[i];
}

Block AssembleRows(int steps, std::vector<RowMeta>& meta, std::vector<RowValues>& rows) {
  Block b(steps);
  size_t n = 0, slots = 0;
  for (const RowValues& r : rows) {
    if (r.points == 0) continue;
    n++;
    slots += r.v.size();
  }
  b.Reserve(n, slots);
  for (size_t i = 0; i < rows.size(); i++) {
    RowValues& r = rows[i];
    if (r.points == 0) continue;
    int lo = r.lo, hi = r.lo + static_cast<int>(r.v.size());
    size_t row = b.AddRow(std::move(meta[i].metric), meta[i].drop_name, lo, hi);
    std::copy(r.v.begin(), r.v.end(), b.val(row));
    std::copy(r.h.begin(), r.h.end(), b.has(row));
    RowValues().v.swap(r.v);
    std::vector<uint8_t>().swap(r.h);
  }
  return b;
}

}  // namespace promlite::promql::engine
