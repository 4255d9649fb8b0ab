// Linting of expositions with promtool's rules (client_golang's promlint):
// help text present, counters end in _total and nothing else does, base
// units, no abbreviated units, no type names in metric names, no ':' in
// names, snake_case names, reserved histogram/summary names and labels,
// _timestamp_seconds only on gauges, unique series.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/scrape/textparse.h"

namespace promlite::scrape {

struct LintProblem {
  std::string metric;  // the metric family
  std::string text;    // promlint's wording
  friend bool operator==(const LintProblem&, const LintProblem&) = default;
};

// Problems sorted by metric, then text. A parse error (with line and byte)
// is returned as the error.
absl::StatusOr<std::vector<LintProblem>> LintExposition(std::string_view body, Format format);

struct MetricCardinality {
  std::string metric;  // sample name, e.g. http_request_duration_seconds_bucket
  size_t series = 0;
};
// Series per metric name, most first (promtool check metrics --extended).
absl::StatusOr<std::vector<MetricCardinality>> MetricCardinalities(std::string_view body, Format format);

}  // namespace promlite::scrape
