// Values of number, duration and string tokens, with the error texts of the
// Go functions Prometheus uses for them (strconv.ParseInt/ParseFloat,
// model.ParseDuration, strutil.Unquote).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace promlite::promql::parser {

// Prometheus' parser.number(): an integer in Go syntax (0x, 0o, 0b, leading 0
// for octal, "_" separators) or else a Go float ("1e3", "Inf", "NaN").
// On failure returns false and sets *err to the strconv error text, e.g.
// `strconv.ParseFloat: parsing "1e999": value out of range`.
bool ParseNumberLiteral(std::string_view s, double* out, std::string* err);

// model.ParseDuration: units y w d h m s ms, each at most once, largest
// first; returns nanoseconds. Error texts: `not a valid duration string: "x"`,
// `unknown unit "hs" in duration "5y1hs"`, `duration out of range`.
bool ParseDurationLiteral(std::string_view s, int64_t* ns, std::string* err);

// strutil.Unquote of a PromQL string token (with its quotes). Returns false
// on malformed input (the lexer has already rejected most of it).
bool UnquoteString(std::string_view s, std::string* out);

}  // namespace promlite::promql::parser
