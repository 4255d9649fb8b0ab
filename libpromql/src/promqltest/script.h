// A parsed test script: the commands of a Prometheus promqltest file.
//
// The block structure follows upstream's parser: lines are trimmed, a line
// starting with "#" counts as empty, a command line plus the non-empty lines
// after it form a block. Command headers are matched with upstream's regular
// expressions (RE2 and Go's regexp agree on them), so the same lines are
// accepted and split the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/tsdb/labels.h"
#include "promqltest/compare.h"

namespace promlite::promql::promqltest {

struct LoadedSeries {
  int line = 0;
  tsdb::Labels metric;
  std::vector<SeqValue> values;  // value k at start + k*interval
  bool has_histograms = false;
  bool has_start_timestamps = false;  // preceded by an @st line
};

struct LoadCommand {
  int line = 0;
  int64_t interval_ms = 0;
  bool with_nhcb = false;
  // In order of first appearance; a repeated series replaces the earlier line.
  std::vector<LoadedSeries> series;
};

struct ClearCommand {
  int line = 0;
};

struct EvalCommand {
  int line = 0;
  std::string expr;
  // Set when the expression does not parse; the eval then fails (it never
  // counts as an expected failure, as upstream rejects such a script).
  std::string parse_error;

  bool is_range = false;
  int64_t eval_time = 0;  // instant evals: when the query runs
  int64_t start = 0, end = 0, step = 0;  // range evals

  bool fail = false;  // eval_fail header or `expect fail`
  std::optional<std::string> expected_fail_message;  // deprecated eval_fail body
  std::optional<TextMatcher> expected_fail_regexp;  // deprecated eval_fail body

  AnnotationRules annotations;
  Expectation expectation;
  bool exclude_from_range_query = false;  // range-vector or string expectation
  // `expect range vector from S to E step D`: the expectation's grid is set
  // from it and the instant query runs at E.
  bool expect_range_vector = false;
  bool expects_histograms = false;
  // The body lines as written, for failure reports.
  std::vector<std::string> body;
};

using Command = std::variant<LoadCommand, ClearCommand, EvalCommand>;

struct Script {
  std::string name;
  std::vector<Command> commands;
};

// Parses a whole script. Format errors (not PromQL errors, see
// EvalCommand::parse_error) fail the parse; the status lists every error
// found, one per line, as "<name>:<line>: <what is wrong>".
absl::StatusOr<Script> ParseScript(std::string_view text, std::string_view name);

// Only `load` blocks (for LoadSeries); anything else is an error.
absl::StatusOr<std::vector<LoadCommand>> ParseLoadScript(std::string_view text, std::string_view name);

// The body of an eval written on its own (for CheckInstantQuery and
// CheckRangeQuery): series lines, a scalar, `expect ...` lines; blank lines
// are ignored. Only the expectation fields of the result are set; the caller
// fills in the query and times (see PrepareExpectation).
absl::StatusOr<EvalCommand> ParseEvalBody(std::string_view body, bool is_range, std::string_view name);

// Sets the time grid of cmd.expectation from the command's times, as the
// script parser does for evals it reads.
void PrepareExpectation(EvalCommand* cmd);

}  // namespace promlite::promql::promqltest
