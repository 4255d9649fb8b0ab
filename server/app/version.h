// Build information for --version and /api/v1/status/buildinfo.
#pragma once

#include <string_view>

namespace promlite::server {

inline constexpr std::string_view kVersion = "0.1.0";
// The Prometheus API version promlite implements (for tools that check it).
inline constexpr std::string_view kCompatVersion = "3.0.0";

std::string_view VersionString();
std::string_view BuildRevision();
std::string_view BuildDate();

}  // namespace promlite::server
