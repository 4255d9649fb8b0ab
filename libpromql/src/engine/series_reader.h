// Reading selected series from storage: each series is read once, in one
// batch (SampleIterator::ReadUntil), into a buffer reused for the next one;
// large selections are split into chunks read by several threads.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "engine/evaluator.h"
#include "promlite/tsdb/sample.h"

namespace promlite::promql::engine {

// Appends the samples of `it` with mint <= t <= maxt to `out` (cleared first).
absl::Status ReadSamples(tsdb::SampleIterator* it, int64_t mint, int64_t maxt, std::vector<tsdb::Sample>* out);

// Removes stale markers in place.
void DropStaleMarkers(std::vector<tsdb::Sample>* pts);

// Calls fn(i, samples) for every series with its samples in [mint, maxt].
// fn may run on several threads at once (for different i); it must only
// write to state owned by series i. Returns the first error by series order.
absl::Status ForEachSeriesSamples(Evaluator& ev, std::vector<SelectedSeries>& series, int64_t mint, int64_t maxt,
                                  size_t work_per_series,
                                  const std::function<absl::Status(size_t, std::vector<tsdb::Sample>&)>& fn);

// The output of one series computed by a producer (a selector or a range
// function), trimmed to the steps with values.
struct RowValues {
  int lo = 0;
  std::vector<double> v;
  std::vector<uint8_t> h;
  int64_t points = 0;
};

// Per-thread scratch rows of `steps` slots for producers, cleared.
struct DenseScratch {
  std::vector<double> v;
  std::vector<uint8_t> h;
  void Reset(int steps) {
    v.assign(steps, 0.0);
    h.assign(steps, 0);
  }
};
DenseScratch& ThreadScratch(int steps);

// Keeps the steps [first value, last value] of a dense row.
void TrimInto(const DenseScratch& d, int steps, RowValues* out);

// Builds a Block from per-series outputs in order; series without values
// are left out.
Block AssembleRows(int steps, std::vector<RowMeta>& meta, std::vector<RowValues>& rows);

}  // namespace promlite::promql::engine
