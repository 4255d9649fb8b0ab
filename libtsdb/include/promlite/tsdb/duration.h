// Prometheus durations ("1h30m", "2d", "1w", "500ms", "0"), shared by PromQL,
// configuration files and command-line flags.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace promlite::tsdb {

// Parses Prometheus' duration syntax: units y, w, d, h, m, s, ms in that
// order, each at most once, integer amounts. Returns milliseconds.
// Errors: `empty duration string`, `not a valid duration string: "x"`.
absl::StatusOr<int64_t> ParseDuration(std::string_view s);

// Formats milliseconds the way Prometheus prints a model.Duration: "1h30m",
// "90d", "0s"; years and weeks only when exact. Negative values get a "-".
std::string FormatDuration(int64_t ms);

}  // namespace promlite::tsdb
