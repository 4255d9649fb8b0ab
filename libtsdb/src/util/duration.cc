#include "promlite/tsdb/duration.h"

#include <limits>

#include "absl/strings/str_cat.h"

namespace promlite::tsdb {
namespace {

struct Unit {
  std::string_view name;
  int64_t ms;
};
// In the order they must appear.
constexpr Unit kUnits[] = {
    {"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},            {"m", 60LL * 1000},            {"s", 1000},
    {"ms", 1},
};

absl::Status Invalid(std::string_view s) {
  return absl::InvalidArgumentError(absl::StrCat("not a valid duration string: \"", std::string(s), "\""));
}

}  // namespace

absl::StatusOr<int64_t> ParseDuration(std::string_view s) {
  if (s.empty()) return absl::InvalidArgumentError("empty duration string");
  if (s == "0") return 0;
  size_t i = 0;
  size_t next_unit = 0;  // units must appear in decreasing size
  int64_t total = 0;
  while (i < s.size()) {
    size_t start = i;
    uint64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + static_cast<uint64_t>(s[i] - '0');
      if (n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return Invalid(s);
      i++;
    }
    if (i == start) return Invalid(s);
    size_t ustart = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') i++;
    std::string_view unit = s.substr(ustart, i - ustart);
    bool found = false;
    for (size_t u = next_unit; u < std::size(kUnits); u++) {
      if (kUnits[u].name == unit) {
        if (n != 0 && static_cast<uint64_t>(kUnits[u].ms) >
                          static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / n) {
          return absl::InvalidArgumentError(absl::StrCat("duration out of range: \"", std::string(s), "\""));
        }
        int64_t add = static_cast<int64_t>(n) * kUnits[u].ms;
        if (total > std::numeric_limits<int64_t>::max() - add) {
          return absl::InvalidArgumentError(absl::StrCat("duration out of range: \"", std::string(s), "\""));
        }
        total += add;
        next_unit = u + 1;
        found = true;
        break;
      }
    }
    if (!found) return Invalid(s);
  }
  return total;
}

std::string FormatDuration(int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  uint64_t rest;
  if (ms < 0) {
    out.push_back('-');
    rest = static_cast<uint64_t>(-(ms + 1)) + 1;
  } else {
    rest = static_cast<uint64_t>(ms);
  }
  for (const Unit& u : kUnits) {
    uint64_t m = static_cast<uint64_t>(u.ms);
    bool exact_only = u.name == "y" || u.name == "w";
    if (exact_only && rest % m != 0) continue;
    if (uint64_t v = rest / m; v > 0) {
      absl::StrAppend(&out, v);
      out.append(u.name);
      rest -= v * m;
    }
  }
  return out;
}

}  // namespace promlite::tsdb
