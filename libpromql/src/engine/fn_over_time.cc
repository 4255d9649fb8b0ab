// *_over_time, changes, resets, deriv, predict_linear,
// double_exponential_smoothing, and the registry of range-vector kernels.
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/extended_range.h"
#include "engine/gomath.h"
#include "engine/go_sort.h"
#include "engine/range_kernels.h"

namespace promlite::promql::engine {

bool KernelRate(const WindowArgs& a, double* out, WindowResult*);
bool KernelIncrease(const WindowArgs& a, double* out, WindowResult*);
bool KernelDelta(const WindowArgs& a, double* out, WindowResult*);
bool KernelIrate(const WindowArgs& a, double* out, WindowResult*);
bool KernelIdelta(const WindowArgs& a, double* out, WindowResult*);

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// vectorByValueHeap's order: NaN first, then ascending.
struct ValueSorter {
  double* v;
  bool Less(size_t i, size_t j) const { return std::isnan(v[i]) || v[i] < v[j]; }
  void Swap(size_t i, size_t j) const { std::swap(v[i], v[j]); }
};

bool CountOverTime(const WindowArgs& a, double* out, WindowResult*) {
  *out = static_cast<double>(a.n);
  return true;
}

bool PresentOverTime(const WindowArgs&, double* out, WindowResult*) {
  *out = 1;
  return true;
}

bool SumOverTime(const WindowArgs& a, double* out, WindowResult*) {
  double sum = 0, c = 0;
  for (size_t i = 0; i < a.n; i++) KahanInc(a.pts[i].v, sum, c);
  *out = std::isinf(sum) ? sum : sum + c;
  return true;
}

bool AvgOverTime(const WindowArgs& a, double* out, WindowResult*) {
  // Direct mean with Kahan summation while the sum stays finite, then an
  // incremental mean, as Prometheus does for accuracy without overflow.
  double sum = a.pts[0].v, count = 1, mean = 0, c = 0;
  bool incremental = false;
  for (size_t i = 1; i < a.n; i++) {
    double f = a.pts[i].v;
    count = static_cast<double>(i + 1);
    if (!incremental) {
      double new_sum = sum, new_c = c;
      KahanInc(f, new_sum, new_c);
      if (!std::isinf(new_sum)) {
        sum = new_sum;
        c = new_c;
        continue;
      }
      incremental = true;
      mean = sum / (count - 1);
      c /= (count - 1);
    }
    double q = (count - 1) / count;
    double m = q * mean, cc = q * c;
    KahanInc(f / count, m, cc);
    mean = m;
    c = cc;
  }
  *out = incremental ? mean + c : sum / count + c / count;
  return true;
}

template <typename Cmp>
bool CompareOverTime(const WindowArgs& a, double* out, Cmp cmp, bool return_ts) {
  double best = a.pts[0].v;
  int64_t ts = a.pts[0].t;
  for (size_t i = 0; i < a.n; i++) {
    if (cmp(a.pts[i].v, best)) {
      best = a.pts[i].v;
      ts = a.pts[i].t;
    }
  }
  *out = return_ts ? static_cast<double>(ts) / 1000 : best;
  return true;
}

bool MaxOverTime(const WindowArgs& a, double* out, WindowResult*) {
  return CompareOverTime(a, out, [](double cur, double m) { return cur > m || std::isnan(m); }, false);
}
bool MinOverTime(const WindowArgs& a, double* out, WindowResult*) {
  return CompareOverTime(a, out, [](double cur, double m) { return cur < m || std::isnan(m); }, false);
}
bool TsOfMaxOverTime(const WindowArgs& a, double* out, WindowResult*) {
  return CompareOverTime(a, out, [](double cur, double m) { return cur >= m || std::isnan(m); }, true);
}
bool TsOfMinOverTime(const WindowArgs& a, double* out, WindowResult*) {
  return CompareOverTime(a, out, [](double cur, double m) { return cur <= m || std::isnan(m); }, true);
}

bool FirstOverTime(const WindowArgs& a, double* out, WindowResult*) {
  *out = a.pts[0].v;
  return true;
}
bool LastOverTime(const WindowArgs& a, double* out, WindowResult*) {
  *out = a.pts[a.n - 1].v;
  return true;
}
bool TsOfFirstOverTime(const WindowArgs& a, double* out, WindowResult*) {
  *out = static_cast<double>(a.pts[0].t) / 1000;
  return true;
}
bool TsOfLastOverTime(const WindowArgs& a, double* out, WindowResult*) {
  *out = static_cast<double>(a.pts[a.n - 1].t) / 1000;
  return true;
}

bool QuantileOverTime(const WindowArgs& a, double* out, WindowResult* res) {
  double q = a.scalar;
  if (std::isnan(q) || q < 0 || q > 1) res->invalid_quantile = true;
  std::vector<double> values(a.n);
  for (size_t i = 0; i < a.n; i++) values[i] = a.pts[i].v;
  *out = Quantile(q, values.data(), values.size());
  return true;
}

bool MadOverTime(const WindowArgs& a, double* out, WindowResult*) {
  std::vector<double> values(a.n);
  for (size_t i = 0; i < a.n; i++) {
    // NaN makes the median, and so the deviation, undefined.
    if (std::isnan(a.pts[i].v)) {
      *out = kNaN;
      return true;
    }
    values[i] = a.pts[i].v;
  }
  double median = Quantile(0.5, values.data(), values.size());
  for (double& v : values) v = std::fabs(v - median);
  *out = Quantile(0.5, values.data(), values.size());
  return true;
}

double VarianceOverTime(const WindowArgs& a) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (size_t i = 0; i < a.n; i++) {
    double f = a.pts[i].v;
    count++;
    double delta = f - (mean + c_mean);
    KahanInc(delta / count, mean, c_mean);
    KahanInc(delta * (f - (mean + c_mean)), aux, c_aux);
  }
  return (aux + c_aux) / count;
}

bool StdvarOverTime(const WindowArgs& a, double* out, WindowResult*) {
  *out = VarianceOverTime(a);
  return true;
}
bool StddevOverTime(const WindowArgs& a, double* out, WindowResult*) {
  *out = std::sqrt(VarianceOverTime(a));
  return true;
}

// The first sample to look at: with `anchored`, the last sample at or
// before the range start (which the widened window holds), if any sample
// lies after it; nullopt when nothing lies after the range start.
std::optional<size_t> FirstSampleIndex(const WindowArgs& a) {
  if (!a.anchored) return 0;
  int64_t range_start = a.ts - (a.range_ms + a.offset_ms);
  size_t after = SearchFirst(a.n, [&](size_t i) { return a.pts[i].t > range_start; });
  if (after >= a.n) return std::nullopt;
  return after == 0 ? 0 : after - 1;
}

bool Changes(const WindowArgs& a, double* out, WindowResult*) {
  auto first = FirstSampleIndex(a);
  if (!first) return false;
  int changes = 0;
  for (size_t i = *first + 1; i < a.n; i++) {
    double prev = a.pts[i - 1].v, cur = a.pts[i].v;
    if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) changes++;
  }
  *out = changes;
  return true;
}

bool Resets(const WindowArgs& a, double* out, WindowResult*) {
  auto first = FirstSampleIndex(a);
  if (!first) return false;
  int resets = 0;
  for (size_t i = *first + 1; i < a.n; i++) {
    if (a.pts[i].v < a.pts[i - 1].v) resets++;
  }
  *out = resets;
  return true;
}

// Least-squares fit; returns {slope, intercept at intercept_time}.
std::pair<double, double> LinearRegression(const tsdb::Sample* s, size_t n, int64_t intercept_time) {
  double cnt = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  double init_y = s[0].v;
  bool const_y = true;
  for (size_t i = 0; i < n; i++) {
    if (const_y && i > 0 && s[i].v != init_y) const_y = false;
    cnt += 1.0;
    double x = static_cast<double>(s[i].t - intercept_time) / 1e3;
    KahanInc(x, sum_x, c_x);
    KahanInc(s[i].v, sum_y, c_y);
    KahanInc(x * s[i].v, sum_xy, c_xy);
    KahanInc(x * x, sum_x2, c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) return {kNaN, kNaN};
    return {0, init_y};
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  double cov_xy = sum_xy - sum_x * sum_y / cnt;
  double var_x = sum_x2 - sum_x * sum_x / cnt;
  double slope = cov_xy / var_x;
  double intercept = sum_y / cnt - slope * sum_x / cnt;
  return {slope, intercept};
}

bool Deriv(const WindowArgs& a, double* out, WindowResult*) {
  if (a.n < 2) return false;
  // An intercept time near the samples avoids losing precision.
  *out = LinearRegression(a.pts, a.n, a.pts[0].t).first;
  return true;
}

bool PredictLinear(const WindowArgs& a, double* out, WindowResult*) {
  if (a.n < 2) return false;
  auto [slope, intercept] = LinearRegression(a.pts, a.n, a.ts);
  *out = slope * a.scalar + intercept;
  return true;
}

// Go's %f.
std::string PercentF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[512];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

bool DoubleExponentialSmoothing(const WindowArgs& a, double* out, WindowResult* res) {
  double sf = a.scalar, tf = a.scalar2;
  if (sf <= 0 || sf >= 1) {
    res->error = "invalid smoothing factor. Expected: 0 < sf < 1, got: " + PercentF(sf);
    return false;
  }
  if (tf <= 0 || tf >= 1) {
    res->error = "invalid trend factor. Expected: 0 < tf < 1, got: " + PercentF(tf);
    return false;
  }
  if (a.n < 2) return false;
  double s0 = 0, s1 = a.pts[0].v, b = a.pts[1].v - a.pts[0].v;
  for (size_t i = 1; i < a.n; i++) {
    double x = sf * a.pts[i].v;
    // The trend at the previous point, from the previous smoothed values.
    if (i - 1 != 0) b = tf * (s1 - s0) + (1 - tf) * b;
    double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  *out = s1;
  return true;
}

bool AbsentOverTime(const WindowArgs&, double* out, WindowResult*) {
  *out = 1;
  return true;
}

}  // namespace

double Quantile(double q, double* values, size_t n) {
  if (n == 0 || std::isnan(q)) return kNaN;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  ValueSorter sorter{values};
  gosort::Sort(sorter, n);
  double nn = static_cast<double>(n);
  double rank = q * (nn - 1);
  double lower = GoMax(0, std::floor(rank));
  double upper = GoMin(nn - 1, lower + 1);
  double weight = rank - std::floor(rank);
  return values[static_cast<size_t>(lower)] * (1 - weight) + values[static_cast<size_t>(upper)] * weight;
}

RangeKernel FindRangeKernel(std::string_view name) {
  static const auto* kKernels = new absl::flat_hash_map<std::string_view, RangeKernel>{
      {"rate", KernelRate},
      {"increase", KernelIncrease},
      {"delta", KernelDelta},
      {"irate", KernelIrate},
      {"idelta", KernelIdelta},
      {"count_over_time", CountOverTime},
      {"present_over_time", PresentOverTime},
      {"absent_over_time", AbsentOverTime},
      {"sum_over_time", SumOverTime},
      {"avg_over_time", AvgOverTime},
      {"max_over_time", MaxOverTime},
      {"min_over_time", MinOverTime},
      {"ts_of_max_over_time", TsOfMaxOverTime},
      {"ts_of_min_over_time", TsOfMinOverTime},
      {"first_over_time", FirstOverTime},
      {"last_over_time", LastOverTime},
      {"ts_of_first_over_time", TsOfFirstOverTime},
      {"ts_of_last_over_time", TsOfLastOverTime},
      {"quantile_over_time", QuantileOverTime},
      {"mad_over_time", MadOverTime},
      {"stddev_over_time", StddevOverTime},
      {"stdvar_over_time", StdvarOverTime},
      {"changes", Changes},
      {"resets", Resets},
      {"deriv", Deriv},
      {"predict_linear", PredictLinear},
      {"double_exponential_smoothing", DoubleExponentialSmoothing},
  };
  auto it = kKernels->find(name);
  return it == kKernels->end() ? nullptr : it->second;
}

}  // namespace promlite::promql::engine
