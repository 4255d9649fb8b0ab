// Bridges std::string_view (our API type) to Debian's absl::string_view,
// which is a distinct type there (ABSL_OPTION_USE_STD_STRING_VIEW=0).
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace promlite::scrape {

inline absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view S(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace promlite::scrape
