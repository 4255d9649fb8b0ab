// Running eval queries with upstream's checks; see exec.h.
#include "promqltest/exec.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parser/go_format.h"
#include "promqltest/recheck.h"
#include "promqltest/text.h"

namespace promlite::promql::promqltest {
namespace {

constexpr int64_t kMinute = 60 * 1000;

std::string Q(std::string_view s) { return parser::GoQuote(s); }

std::string WithAnnotations(std::string actual, const Annotations& a) {
  for (const auto& w : a.warnings) absl::StrAppend(&actual, "\n(annotation) ", w);
  for (const auto& i : a.infos) absl::StrAppend(&actual, "\n(annotation) ", i);
  return actual;
}

// Upstream's checkExpectedFailure: "" when `err` is the failure the eval
// expects (any failure, unless a message or pattern is given).
std::string CheckExpectedFailure(const EvalCommand& cmd, std::string_view err) {
  if (cmd.expected_fail_message && !cmd.expected_fail_message->empty() && *cmd.expected_fail_message != err) {
    return absl::StrCat("expected error ", Q(*cmd.expected_fail_message), " evaluating query ", Q(cmd.expr),
                        ", but got: ", AV(err));
  }
  if (cmd.expected_fail_regexp && !cmd.expected_fail_regexp->Matches(err)) {
    return absl::StrCat("expected error matching pattern ", Q(cmd.expected_fail_regexp->text()),
                        " evaluating query ", Q(cmd.expr), ", but got: ", AV(err));
  }
  const auto& fails = cmd.annotations.expects[kExpectFail];
  if (!fails.empty() && !fails[0].Matches(err)) {
    return absl::StrCat("expected error matching ", Q(fails[0].text()), " evaluating query ", Q(cmd.expr),
                        ", but got: ", AV(err));
  }
  return "";
}

void Count(const QueryRunner& r) {
  if (r.queries != nullptr) ++*r.queries;
}

RunFailure Fail(const std::string& check, std::string_view query, std::string message, std::string actual) {
  return RunFailure{check, std::string(query), std::move(message), std::move(actual)};
}

std::string ErrorText(const absl::Status& st) { return absl::StrCat("error: ", st.message()); }

}  // namespace

std::optional<RunFailure> RunInstant(const QueryRunner& r, const EvalCommand& cmd, std::string_view expr, int64_t t,
                                     const std::string& check, bool range_recheck) {
  Count(r);
  auto q = r.engine.NewInstantQuery(&r.storage, expr, t);
  if (!q.ok()) {
    if (cmd.fail && CheckExpectedFailure(cmd, SV(q.status().message())).empty()) return std::nullopt;
    return Fail(check, expr, absl::StrCat("error creating instant query: ", q.status().message()), ErrorText(q.status()));
  }
  Result res = (*q)->Exec();
  if (!res.status.ok()) {
    if (!cmd.fail) {
      return Fail(check, expr, absl::StrCat("error evaluating query: ", res.status.message()), ErrorText(res.status));
    }
    if (auto err = CheckExpectedFailure(cmd, SV(res.status.message())); !err.empty()) {
      return Fail(check, expr, err, ErrorText(res.status));
    }
    return std::nullopt;
  }
  if (cmd.fail) {
    return Fail(check, expr, "expected error evaluating query but got none", FormatValue(res.value));
  }
  if (auto err = CheckAnnotations(cmd.annotations, res.annotations, expr); !err.empty()) {
    return Fail(check, expr, err, WithAnnotations(FormatValue(res.value), res.annotations));
  }
  if (auto err = CompareResult(cmd.expectation, res.value); !err.empty()) {
    return Fail(check, expr, err, FormatValue(res.value));
  }
  if (!range_recheck || cmd.exclude_from_range_query || UsesQueryContextFunctions(expr)) return std::nullopt;

  // The range re-check: the point at t of a range query around t must be the
  // instant query's answer.
  int64_t from, to;
  if (__builtin_sub_overflow(t, kMinute, &from) || __builtin_add_overflow(t, kMinute, &to)) return std::nullopt;
  const std::string rcheck = absl::StrCat("range re-check from ", FormatTime(from), " to ", FormatTime(to),
                                          " step 1m of the ", check);
  Count(r);
  auto rq = r.engine.NewRangeQuery(&r.storage, expr, from, to, kMinute);
  if (!rq.ok()) {
    return Fail(rcheck, expr, absl::StrCat("error creating range query: ", rq.status().message()), ErrorText(rq.status()));
  }
  Result rres = (*rq)->Exec();
  if (!rres.status.ok()) {
    return Fail(rcheck, expr, absl::StrCat("error evaluating query in range mode: ", rres.status.message()),
                ErrorText(rres.status));
  }
  // Range results are sorted by labels, so an expected order cannot be checked.
  if (cmd.expectation.ordered) return std::nullopt;
  const auto* mat = std::get_if<Matrix>(&rres.value);
  if (mat == nullptr) return Fail(rcheck, expr, "range query did not return a matrix", FormatValue(rres.value));
  if (auto err = CheckMatrixSorted(*mat); !err.empty()) return Fail(rcheck, expr, err, FormatValue(rres.value));
  Vector vec;
  for (const Series& s : *mat) {
    for (const FPoint& p : s.floats) {
      if (p.t == t) {
        vec.push_back(Sample{s.metric, p.t, p.f});
        break;
      }
    }
  }
  std::string err;
  if (std::holds_alternative<Scalar>(res.value)) {
    if (vec.empty()) {
      err = absl::StrCat("range query returned no point at ", FormatTime(t), " for a scalar expression");
    } else {
      err = CompareResult(cmd.expectation, Value(Scalar{t, vec[0].f}));
    }
  } else {
    err = CompareResult(cmd.expectation, Value(vec));
  }
  if (!err.empty()) {
    return Fail(rcheck, expr, absl::StrCat(err, " (range mode)"), FormatValue(rres.value));
  }
  return std::nullopt;
}

std::optional<RunFailure> RunRange(const QueryRunner& r, const EvalCommand& cmd) {
  const std::string check = absl::StrCat("range query from ", FormatTime(cmd.start), " to ", FormatTime(cmd.end),
                                         " step ", FormatTime(cmd.step));
  Count(r);
  auto q = r.engine.NewRangeQuery(&r.storage, cmd.expr, cmd.start, cmd.end, cmd.step);
  if (!q.ok()) {
    if (cmd.fail && CheckExpectedFailure(cmd, SV(q.status().message())).empty()) return std::nullopt;
    return Fail(check, cmd.expr, absl::StrCat("error creating range query: ", q.status().message()),
                ErrorText(q.status()));
  }
  Result res = (*q)->Exec();
  if (!res.status.ok()) {
    if (!cmd.fail) {
      return Fail(check, cmd.expr, absl::StrCat("error evaluating query: ", res.status.message()), ErrorText(res.status));
    }
    if (auto err = CheckExpectedFailure(cmd, SV(res.status.message())); !err.empty()) {
      return Fail(check, cmd.expr, err, ErrorText(res.status));
    }
    return std::nullopt;
  }
  if (cmd.fail) return Fail(check, cmd.expr, "expected error evaluating query but got none", FormatValue(res.value));
  if (auto err = CheckAnnotations(cmd.annotations, res.annotations, cmd.expr); !err.empty()) {
    return Fail(check, cmd.expr, err, WithAnnotations(FormatValue(res.value), res.annotations));
  }
  if (auto err = CompareResult(cmd.expectation, res.value); !err.empty()) {
    return Fail(check, cmd.expr, err, FormatValue(res.value));
  }
  return std::nullopt;
}

std::string ExpectedText(const EvalCommand& cmd) {
  if (cmd.body.empty()) return "(empty result)";
  return absl::StrJoin(cmd.body, "\n");
}

}  // namespace promlite::promql::promqltest
