// The series notation of Prometheus' test scripts: a label set followed by a
// sequence of values, as in `load` blocks and in eval expectations:
//
//   http_hits{path="/a"}  0+10x4 _ 60 stale _x3 {{schema:0 sum:5 count:4}}
//
// and the start-timestamp lines of start_timestamps.test:
//
//   http_hits{path="/a"}@st  _ -1m -30s-1mx2
//
// The grammar is Prometheus' series-description grammar (the series_values
// rules of its PromQL parser), re-implemented here because promlite's PromQL
// lexer has no series-description mode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/tsdb/labels.h"

namespace promlite::promql::promqltest {

struct SeqValue {
  enum class Kind : uint8_t { kFloat, kOmitted, kHistogram };
  Kind kind = Kind::kFloat;
  // The float value (kFloat), or the offset in ms of a start-timestamp line.
  double value = 0;

  static SeqValue Float(double v) { return {Kind::kFloat, v}; }
  static SeqValue Omitted() { return {Kind::kOmitted, 0}; }
  static SeqValue Histogram() { return {Kind::kHistogram, 0}; }
};

struct SeriesDesc {
  tsdb::Labels metric;
  std::vector<SeqValue> values;
  // Any {{...}} item. Their contents are checked for syntax but not kept:
  // promlite's storage has no native histograms yet.
  bool has_histograms = false;
};

// A script line expanding to more values than this is rejected rather than
// allocated ("x1000000000000" is a typo, not a test).
inline constexpr size_t kMaxValuesPerLine = 10'000'000;

// Parses `metric{labels} values...`. Errors name the 1-based byte column in
// `line` and what was expected there.
absl::StatusOr<SeriesDesc> ParseSeriesDesc(std::string_view line);

// True when the first blank-separated word of `line` ends in "@st".
bool IsStartTimestampLine(std::string_view line);

// Parses `metric{labels}@st offsets...`; the values are offsets in ms from
// each sample's timestamp (kFloat) or kOmitted.
absl::StatusOr<SeriesDesc> ParseStartTimestampLine(std::string_view line);

// Go's strconv.ParseInt(s, 0, 64) then ParseFloat(s, 64), as the runner
// reads a lone number in an eval body as the expected scalar.
bool ParseScalarLine(std::string_view s, double* out);

}  // namespace promlite::promql::promqltest
