// rate, increase, delta (with Prometheus' extrapolation to the range
// boundaries) and irate, idelta.
#include <cmath>

#include "engine/extended_range.h"
#include "engine/range_kernels.h"

namespace promlite::promql::engine {
namespace {

bool ExtrapolatedRate(const WindowArgs& a, double* out, bool is_counter, bool is_rate) {
  const tsdb::Sample* s = a.pts;
  const size_t n = a.n;
  const int64_t range_start = a.ts - (a.range_ms + a.offset_ms);
  const int64_t range_end = a.ts - a.offset_ms;
  if (a.anchored || a.smoothed) {
    auto r = ExtendedRate(s, n, range_start, range_end, a.range_seconds, a.smoothed, is_counter, is_rate);
    if (!r) return false;
    *out = *r;
    return true;
  }
  // Two samples are needed to see a change.
  if (n < 2) return false;
  const size_t last = n - 1;
  double result = s[last].v - s[0].v;
  if (is_counter) {
    // A decrease is a reset: the value before it was lost from the counter.
    if (a.resets_known) {
      for (size_t k = 0; k < a.nresets; k++) result += s[a.resets[k] - 1].v;
    } else {
      for (size_t i = 1; i < n; i++) {
        if (s[i].v < s[i - 1].v) result += s[i - 1].v;
      }
    }
  }
  double duration_to_start = static_cast<double>(s[0].t - range_start) / 1000;
  double duration_to_end = static_cast<double>(range_end - s[last].t) / 1000;
  double sampled_interval = static_cast<double>(s[last].t - s[0].t) / 1000;
  double average_between = sampled_interval / static_cast<double>(last);
  double threshold = average_between * 1.1;
  // A sample missing where one is expected means the series starts or ends
  // inside the range: extrapolate by half an interval only.
  if (duration_to_start >= threshold) duration_to_start = average_between / 2;
  if (is_counter) {
    // A counter cannot go below zero: do not extrapolate past that point.
    double duration_to_zero = duration_to_start;
    if (result > 0 && s[0].v >= 0) duration_to_zero = sampled_interval * (s[0].v / result);
    if (duration_to_zero < duration_to_start) duration_to_start = duration_to_zero;
  }
  if (duration_to_end >= threshold) duration_to_end = average_between / 2;
  double factor = 1.0;
  if (sampled_interval != 0) factor = (sampled_interval + duration_to_start + duration_to_end) / sampled_interval;
  if (is_rate) factor /= a.range_seconds;
  *out = result * factor;
  return true;
}

bool InstantValue(const WindowArgs& a, double* out, bool is_rate) {
  if (a.n < 2) return false;
  const tsdb::Sample& s0 = a.pts[a.n - 2];
  const tsdb::Sample& s1 = a.pts[a.n - 1];
  int64_t interval = s1.t - s0.t;
  if (interval == 0) return false;
  double result = s1.v;
  // A decrease of a counter is a reset: the rate is the last value itself.
  if (!is_rate || !(s1.v < s0.v)) result = s1.v - s0.v;
  if (is_rate) result /= static_cast<double>(interval) / 1000;
  *out = result;
  return true;
}

}  // namespace

bool KernelRate(const WindowArgs& a, double* out, WindowResult*) { return ExtrapolatedRate(a, out, true, true); }
bool KernelIncrease(const WindowArgs& a, double* out, WindowResult*) { return ExtrapolatedRate(a, out, true, false); }
bool KernelDelta(const WindowArgs& a, double* out, WindowResult*) { return ExtrapolatedRate(a, out, false, false); }
bool KernelIrate(const WindowArgs& a, double* out, WindowResult*) { return InstantValue(a, out, true); }
bool KernelIdelta(const WindowArgs& a, double* out, WindowResult*) { return InstantValue(a, out, false); }

}  // namespace promlite::promql::engine
