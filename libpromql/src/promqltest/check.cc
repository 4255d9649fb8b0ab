// CheckInstantQuery and CheckRangeQuery of promqltest.h, for host
// applications' own tests of their expressions.
#include "absl/strings/str_cat.h"
#include "promlite/promql/promqltest.h"
#include "promqltest/exec.h"
#include "promqltest/script.h"

namespace promlite::promql::promqltest {
namespace {

std::string Indent(std::string_view text) {
  std::string out = "  ";
  for (char c : text) {
    out.push_back(c);
    if (c == '\n') out.append("  ");
  }
  return out;
}

absl::Status ToStatus(const std::optional<RunFailure>& f, const EvalCommand& cmd) {
  if (!f) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(f->check, " of ", f->run_query, ": ", f->message, "\nexpected:\n",
                                                    Indent(ExpectedText(cmd)), "\nactual:\n", Indent(f->actual)));
}

}  // namespace

absl::Status CheckInstantQuery(Engine& engine, tsdb::Queryable& storage, std::string_view query, int64_t time_ms,
                               std::string_view expected) {
  auto cmd = ParseEvalBody(expected, /*is_range=*/false, "expected");
  if (!cmd.ok()) return cmd.status();
  cmd->expr = std::string(query);
  // `expect range vector from S to E step D` moves the query to E, as in a script.
  if (!cmd->expect_range_vector) cmd->eval_time = time_ms;
  PrepareExpectation(&*cmd);
  const std::string check = absl::StrCat("instant query at ", FormatTime(cmd->eval_time));
  return ToStatus(RunInstant(QueryRunner{engine, storage}, *cmd, cmd->expr, cmd->eval_time, check, false), *cmd);
}

absl::Status CheckRangeQuery(Engine& engine, tsdb::Queryable& storage, std::string_view query, int64_t start_ms,
                             int64_t end_ms, int64_t step_ms, std::string_view expected) {
  auto cmd = ParseEvalBody(expected, /*is_range=*/true, "expected");
  if (!cmd.ok()) return cmd.status();
  cmd->expr = std::string(query);
  cmd->start = start_ms;
  cmd->end = end_ms;
  cmd->step = step_ms;
  PrepareExpectation(&*cmd);
  return ToStatus(RunRange(QueryRunner{engine, storage}, *cmd), *cmd);
}

}  // namespace promlite::promql::promqltest
