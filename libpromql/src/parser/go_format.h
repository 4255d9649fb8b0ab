// Formatting and decoding helpers that reproduce Go's strconv/fmt output.
//
// PromQL's printed forms and error messages come from Go: strings are printed
// with strconv.Quote, runes with %q / %#U, numbers with FormatFloat. Users and
// tools compare those texts, so promlite reproduces them byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace promlite::promql::parser {

inline constexpr int32_t kRuneError = 0xFFFD;

// Decodes one UTF-8 rune at s[i]. Invalid or truncated sequences decode as
// kRuneError with width 1, as Go's utf8.DecodeRuneInString does. At the end of
// the input returns -1 with width 0.
int32_t DecodeRune(std::string_view s, size_t i, int* width);
void AppendRune(std::string* out, int32_t r);

// unicode.IsPrint, approximated: ASCII and the common non-printable ranges
// (controls, format characters, separators, surrogates, private use) are
// exact; unassigned code points are treated as printable.
bool IsPrintRune(int32_t r);

// strconv.Quote: a double-quoted Go string literal.
std::string GoQuote(std::string_view s);
void AppendGoQuote(std::string* out, std::string_view s);
// strconv.QuoteRune: a single-quoted rune literal ('x', '\n', '\x00').
std::string GoQuoteRune(int32_t r);
// fmt's %#U: "U+0063 'c'" (the quoted rune only when printable).
std::string GoRuneU(int32_t r);

// strconv.FormatFloat(v, 'f', -1, 64): shortest fixed notation; "+Inf",
// "-Inf", "NaN".
std::string FormatFloatF(double v);
// strconv.FormatFloat(v, 'g', -1, 64), which is also fmt's %v: "1e+06".
std::string FormatFloatG(double v);
// fmt's %f: six decimals; "+Inf", "-Inf", "NaN".
std::string FormatFloatPercentF(double v);

// Prometheus' model.Duration String() of a Go time.Duration in nanoseconds:
// "1h30m", "0s". Only meaningful for values >= 0.
std::string FormatDurationNs(int64_t ns);

}  // namespace promlite::promql::parser
