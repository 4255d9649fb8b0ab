#include "api/params.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "promlite/tsdb/duration.h"

namespace promlite::server {
namespace {

bool ParseFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  // Go's ParseFloat also takes "Inf", "+Inf", "NaN" (any case).
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity") {
    *out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "-inf" || lower == "-infinity") {
    *out = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (lower == "nan") {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') b++;
  auto r = std::from_chars(b, e, *out);
  return r.ec == std::errc() && r.ptr == e;
}

}  // namespace

absl::StatusOr<int64_t> ParseTimeParam(std::string_view s) {
  double f;
  if (ParseFloat(s, &f)) {
    if (std::isnan(f) || f > 9.2e15 || f < -9.2e15) {
      return absl::InvalidArgumentError(absl::StrCat("cannot parse \"", std::string(s), "\" to a valid timestamp"));
    }
    double sec;
    double frac = std::modf(f, &sec);
    frac = std::round(frac * 1000) / 1000;
    return static_cast<int64_t>(sec) * 1000 + static_cast<int64_t>(std::llround(frac * 1000));
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, std::string(s), &t, &err)) {
    return absl::ToUnixMillis(t);
  }
  if (s == "-292273086-05-16T16:47:06Z") return kApiMinTimeMs;
  if (s == "292277025-08-18T07:12:54.999999999Z") return kApiMaxTimeMs;
  return absl::InvalidArgumentError(absl::StrCat("cannot parse \"", std::string(s), "\" to a valid timestamp"));
}

absl::StatusOr<int64_t> ParseDurationParam(std::string_view s) {
  double f;
  if (ParseFloat(s, &f)) {
    double ms = f * 1000;
    if (std::isnan(ms) || ms > 9.2e18 || ms < -9.2e18) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot parse \"", std::string(s), "\" to a valid duration. It overflows int64"));
    }
    return static_cast<int64_t>(ms);
  }
  auto d = tsdb::ParseDuration(s);
  if (d.ok()) return *d;
  return absl::InvalidArgumentError(absl::StrCat("cannot parse \"", std::string(s), "\" to a valid duration"));
}

absl::Status InvalidParam(std::string_view name, const absl::Status& err) {
  return absl::InvalidArgumentError(absl::StrCat("invalid parameter \"", std::string(name), "\": ", err.message()));
}

std::string FormatRfc3339(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

}  // namespace promlite::server
