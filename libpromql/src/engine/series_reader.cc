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

}  // namespace promlite::promql::engine
