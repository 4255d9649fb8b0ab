// Rewrites a canonical text-format exposition (as client libraries write it:
// single spaces, no timestamps) as OpenMetrics, for tests and benchmarks that
// need the same data in both formats. Not a general converter.
#pragma once

#include <string>
#include <string_view>

namespace promlite::scrape {

// untyped -> unknown, counter families lose their _total in # TYPE/# HELP,
// free comments and blank lines are dropped, "# EOF" is appended.
std::string TextToOpenMetrics(std::string_view text);

}  // namespace promlite::scrape
