// The `anchored` and `smoothed` range-selector modifiers: a range widened by
// the lookback delta, with values picked or linearly interpolated at the
// range boundaries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "promlite/tsdb/sample.h"

namespace promlite::promql::engine {

// Linear interpolation between p1 and p2 at t. For counters a decrease is a
// reset, so the line starts from zero.
double Interpolate(const tsdb::Sample& p1, const tsdb::Sample& p2, int64_t t, bool is_counter);

// The points of an anchored or smoothed range (mint, maxt] taken from `f`
// (which holds the samples of the widened range): boundary points at mint
// and maxt plus the samples strictly inside.
std::vector<tsdb::Sample> ExtendFloats(const std::vector<tsdb::Sample>& f, int64_t mint, int64_t maxt,
                                       bool smoothed);

// rate/increase/delta over an anchored or smoothed range; nullopt when the
// range holds no usable sample.
std::optional<double> ExtendedRate(const tsdb::Sample* f, size_t n, int64_t range_start, int64_t range_end,
                                   double range_seconds, bool smoothed, bool is_counter, bool is_rate);

// sort.Search(n, pred): the first i in [0, n) with pred(i), or n.
template <typename Pred>
size_t SearchFirst(size_t n, Pred pred) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (!pred(mid)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

}  // namespace promlite::promql::engine
