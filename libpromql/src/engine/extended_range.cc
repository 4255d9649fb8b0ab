#include "engine/extended_range.h"

#include <algorithm>

namespace promlite::promql::engine {
namespace {

double PickOrInterpolateLeft(const tsdb::Sample* f, size_t first, int64_t range_start, bool smoothed,
                             bool is_counter) {
  if (smoothed && f[first].t < range_start) return Interpolate(f[first], f[first + 1], range_start, is_counter);
  return f[first].v;
}

double PickOrInterpolateRight(const tsdb::Sample* f, size_t last, int64_t range_end, bool smoothed,
                              bool is_counter) {
  if (smoothed && last > 0 && f[last].t > range_end) return Interpolate(f[last - 1], f[last], range_end, is_counter);
  return f[last].v;
}

double CorrectForCounterResets(double left, double right, const tsdb::Sample* pts, size_t n) {
  double correction = 0;
  double prev = left;
  for (size_t i = 0; i < n; i++) {
    if (pts[i].v < prev) correction += prev;
    prev = pts[i].v;
  }
  if (right < prev) correction += prev;
  return correction;
}

}  // namespace

double Interpolate(const tsdb::Sample& p1, const tsdb::Sample& p2, int64_t t, bool is_counter) {
  double y1 = p1.v, y2 = p2.v;
  if (is_counter && y2 < y1) y1 = 0;
  return y1 + (y2 - y1) * static_cast<double>(t - p1.t) / static_cast<double>(p2.t - p1.t);
}

std::vector<tsdb::Sample> ExtendFloats(const std::vector<tsdb::Sample>& f, int64_t mint, int64_t maxt,
                                       bool smoothed) {
  if (f.empty()) return {};
  size_t last = f.size() - 1;
  size_t search = SearchFirst(last, [&](size_t i) { return f[i].t > mint; });
  size_t first = search == 0 ? 0 : search - 1;
  if (smoothed) last = SearchFirst(last, [&](size_t i) { return f[i].t >= maxt; });
  if (f[last].t <= mint) return {};
  double left = PickOrInterpolateLeft(f.data(), first, mint, smoothed, false);
  double right = PickOrInterpolateRight(f.data(), last, maxt, smoothed, false);
  int64_t lo = static_cast<int64_t>(first), hi = static_cast<int64_t>(last);
  if (f[lo].t <= mint) lo++;
  if (f[hi].t >= maxt) hi--;
  std::vector<tsdb::Sample> out;
  out.reserve(std::max<int64_t>(hi - lo + 1, 0) + 2);
  out.push_back(tsdb::Sample{mint, left});
  for (int64_t i = lo; i <= hi; i++) out.push_back(f[i]);
  out.push_back(tsdb::Sample{maxt, right});
  return out;
}

std::optional<double> ExtendedRate(const tsdb::Sample* f, size_t n, int64_t range_start, int64_t range_end,
                                   double range_seconds, bool smoothed, bool is_counter, bool is_rate) {
  if (n == 0) return std::nullopt;
  size_t last = n - 1;
  size_t search = SearchFirst(last, [&](size_t i) { return f[i].t > range_start; });
  size_t first = search == 0 ? 0 : search - 1;
  if (smoothed) last = SearchFirst(last, [&](size_t i) { return f[i].t >= range_end; });
  if (f[last].t <= range_start) return std::nullopt;
  if (smoothed && f[first].t > range_end) return std::nullopt;
  double left = PickOrInterpolateLeft(f, first, range_start, smoothed, is_counter);
  double right = PickOrInterpolateRight(f, last, range_end, smoothed, is_counter);
  double result = right - left;
  if (is_counter) {
    // Resets at the boundaries are already handled by the picked or
    // interpolated values; only samples strictly inside count here.
    int64_t lo = static_cast<int64_t>(first), hi = static_cast<int64_t>(last);
    if (f[lo].t <= range_start) lo++;
    if (f[hi].t >= range_end) hi--;
    size_t cnt = hi >= lo ? static_cast<size_t>(hi - lo + 1) : 0;
    result += CorrectForCounterResets(left, right, f + lo, cnt);
  }
  if (is_rate) result /= range_seconds;
  return result;
}

}  // namespace promlite::promql::engine
