// The public entry points of the parser (promlite/promql/parser.h).
#include "absl/strings/str_cat.h"
#include "parser/parser_impl.h"
#include "promlite/promql/parser.h"

namespace promlite::promql {
namespace {

// Prometheus' PositionRange.StartPosInput: "line:col" of the start, 1-based,
// the column counted in bytes.
std::string StartPosInput(std::string_view query, int32_t pos) {
  if (query.empty()) return "unknown position";
  if (pos < 0 || static_cast<size_t>(pos) > query.size()) return "invalid position";
  int line = 1;
  int32_t last_line_break = -1;
  for (int32_t i = 0; i < pos; i++) {
    if (query[static_cast<size_t>(i)] == '\n') {
      last_line_break = i;
      line++;
    }
  }
  return absl::StrCat(line, ":", pos - last_line_break);
}

absl::Status ToStatus(const ParseError& err) {
  return absl::InvalidArgumentError(err.Format(0));
}

}  // namespace

std::string ParseError::Format(size_t i) const {
  if (i >= errors.size()) return "error contains no error message";
  const ParseErrorItem& e = errors[i];
  return absl::StrCat(StartPosInput(query, e.range.start), ": parse error: ", e.message);
}

absl::StatusOr<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options, ParseError* details) {
  parser::Parser p(query, options);
  ExprPtr e = p.ParseQuery();
  if (e && p.errors().empty()) return e;
  ParseError err;
  err.query = std::string(query);
  err.errors = std::move(p.errors());
  if (err.errors.empty()) err.errors.push_back({{0, 0}, "unexpected error"});
  absl::Status st = ToStatus(err);
  if (details != nullptr) *details = std::move(err);
  return st;
}

absl::StatusOr<ExprPtr> ParseExpr(std::string_view query, const ParseOptions& options) {
  return ParseExpr(query, options, nullptr);
}

absl::StatusOr<std::vector<tsdb::Matcher>> ParseMetricSelector(std::string_view selector) {
  parser::Parser p(selector, ParseOptions{});
  std::vector<tsdb::Matcher> out;
  if (p.ParseSelector(&out) && p.errors().empty()) return out;
  ParseError err;
  err.query = std::string(selector);
  err.errors = std::move(p.errors());
  if (err.errors.empty()) err.errors.push_back({{0, 0}, "unexpected error"});
  return ToStatus(err);
}

}  // namespace promlite::promql
