// Go-style %q quoting for error messages, so that messages users and tools
// match on read like Prometheus' own.
#pragma once

#include <string>
#include <string_view>

namespace promlite::scrape {

// Quotes `s` with Go's strconv.Quote escaping (\n, \t, \", \\, \xNN for
// invalid UTF-8). When max_len > 0 and `s` is longer, it is cut and "..."
// appended inside the quotes.
std::string QuoteGo(std::string_view s, size_t max_len = 0);

}  // namespace promlite::scrape
