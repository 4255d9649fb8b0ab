// libFuzzer target for the PromQL parser. Any input must yield a tree or a
// parse error; a tree must print to a query that parses to the same printed
// form (the printer and parser agree), and errors must lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "promlite/promql/parser.h"
#include "promlite/promql/printer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace promlite::promql;
  if (size > 64 * 1024) return 0;
  const std::string_view query(reinterpret_cast<const char*>(data), size);
  // The first byte picks the options, so both gated and enabled syntax is fuzzed.
  const ParseOptions opts = (size > 0 && (data[0] & 1)) ? ParseOptions::AllEnabled() : ParseOptions{};
  ParseError details;
  auto expr = ParseExpr(query, opts, &details);
  if (!expr.ok()) {
    for (const auto& e : details.errors) {
      if (e.range.start < 0 || e.range.start > e.range.end || static_cast<size_t>(e.range.end) > size) std::abort();
    }
    return 0;
  }
  const std::string printed = Format(**expr);
  auto again = ParseExpr(printed, opts);
  if (!again.ok() || Format(**again) != printed) std::abort();
  (void)Prettify(**expr, 40);
  (void)DumpTree(**expr);
  (void)ParseMetricSelector(query);
  return 0;
}
