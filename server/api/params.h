// Parsing of the HTTP API's parameters with Prometheus' rules and messages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/tsdb/matcher.h"

namespace promlite::server {

// Prometheus' API min/max times (what "start"/"end" default to).
inline constexpr int64_t kApiMinTimeMs = -9223309901257974;  // time.Unix(math.MinInt64/1000+62135596801, 0)
inline constexpr int64_t kApiMaxTimeMs = 9223309901257974;

// Unix seconds with decimals ("1435781451.781") or RFC 3339 ("2015-07-01T20:10:51.781Z").
// Error text: cannot parse "x" to a valid timestamp
absl::StatusOr<int64_t> ParseTimeParam(std::string_view s);
// Float seconds ("15", "0.5") or a Prometheus duration ("1m30s").
// Error text: cannot parse "x" to a valid duration
absl::StatusOr<int64_t> ParseDurationParam(std::string_view s);

// `invalid parameter "name": <err>` as a bad_data error.
absl::Status InvalidParam(std::string_view name, const absl::Status& err);

// RFC 3339 with nanoseconds as Go prints time.Time in JSON.
std::string FormatRfc3339(int64_t unix_ms);

}  // namespace promlite::server
