// Bridges between std::string_view and Debian's distinct absl::string_view
// (absl::StrCat accepts only the latter), shared by the rules code.
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace promlite::promql {

inline absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view SV(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace promlite::promql
