// Go's math.Min / math.Max semantics (NaN wins, -0 < +0) and Kahan-Neumaier
// summation exactly as Prometheus' kahansum.Inc, so that results round the
// same way as Prometheus'.
#pragma once

#include <cmath>
#include <limits>

namespace promlite::promql::engine {

inline double GoMin(double x, double y) {
  if (std::isinf(x) && x < 0) return x;
  if (std::isinf(y) && y < 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? x : y;
  return x < y ? x : y;
}

inline double GoMax(double x, double y) {
  if (std::isinf(x) && x > 0) return x;
  if (std::isinf(y) && y > 0) return y;
  if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0 && x == y) return std::signbit(x) ? y : x;
  return x > y ? x : y;
}

// Adds `inc` to (sum, c). Once the sum overflows to an infinity the
// compensation is reset, as in Prometheus.
inline void KahanInc(double inc, double& sum, double& c) {
  double t = sum + inc;
  if (std::isinf(t)) {
    c = 0;
  } else if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

}  // namespace promlite::promql::engine
