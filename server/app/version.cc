#include "app/version.h"

#include <string>

namespace promlite::server {

#ifndef PROMLITE_REVISION
#define PROMLITE_REVISION "unknown"
#endif

std::string_view BuildRevision() { return PROMLITE_REVISION; }
std::string_view BuildDate() { return __DATE__ " " __TIME__; }

std::string_view VersionString() {
  static const std::string s = std::string("promlite, version ") + std::string(kVersion) + " (revision: " +
                               std::string(BuildRevision()) + ")\n  compatible with the Prometheus " +
                               std::string(kCompatVersion) + " HTTP API";
  return s;
}

}  // namespace promlite::server
