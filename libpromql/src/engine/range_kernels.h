// The functions over range vectors (rate, *_over_time, deriv, ...), each
// computing one output value from the samples of one series in one window.
// The driver (range_call.cc) slides the window over a series' samples,
// read once, for every step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "promlite/tsdb/sample.h"

namespace promlite::promql::engine {

struct WindowArgs {
  const tsdb::Sample* pts = nullptr;  // the window's samples, in time order
  size_t n = 0;
  int64_t ts = 0;          // evaluation time of the step
  int64_t range_ms = 0;    // the selector's range
  int64_t offset_ms = 0;   // the selector's effective offset
  bool anchored = false;
  bool smoothed = false;
  double scalar = 0;       // quantile_over_time's φ, predict_linear's t, smoothing factor
  double scalar2 = 0;      // double_exponential_smoothing's trend factor
  double range_seconds = 0;  // range_ms as Go's Duration.Seconds()
  // Counter resets of the window: the indices i (relative to pts) where
  // pts[i] < pts[i-1], in order. Set for rate() and increase(), so they need
  // not compare every pair of samples at every step.
  bool resets_known = false;
  const uint32_t* resets = nullptr;
  size_t nresets = 0;
};

struct WindowResult {
  // Set when the query must fail (Prometheus panics with this text).
  std::string error;
  // quantile_over_time's φ was outside [0, 1].
  bool invalid_quantile = false;
};

// Returns true and sets *out when the window yields a value.
using RangeKernel = bool (*)(const WindowArgs& a, double* out, WindowResult* res);

// The kernel of a function over a range vector; nullptr for others.
RangeKernel FindRangeKernel(std::string_view name);

// Prometheus' quantile over a set of values (sorted in place).
double Quantile(double q, double* values, size_t n);

}  // namespace promlite::promql::engine
