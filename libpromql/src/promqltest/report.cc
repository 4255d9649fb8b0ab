// Counting and formatting test results.
#include "absl/strings/str_cat.h"
#include "promlite/promql/promqltest.h"

namespace promlite::promql::promqltest {
namespace {

// Every line of `text` indented by `pad`.
std::string Indent(std::string_view text, std::string_view pad) {
  std::string out(pad);
  for (char c : text) {
    out.push_back(c);
    if (c == '\n') out.append(pad);
  }
  return out;
}

}  // namespace

std::string_view EvalStatusName(EvalStatus s) {
  switch (s) {
    case EvalStatus::kPassed: return "passed";
    case EvalStatus::kFailed: return "failed";
    case EvalStatus::kSkipped: return "skipped";
  }
  return "unknown";
}

int TestFileResult::Count(EvalStatus s) const {
  int n = 0;
  for (const auto& e : evals) n += e.status == s ? 1 : 0;
  return n;
}

std::map<std::string, int> TestFileResult::SkippedByCause() const {
  std::map<std::string, int> out;
  for (const auto& e : evals) {
    if (e.status == EvalStatus::kSkipped) out[e.skip_cause]++;
  }
  return out;
}

std::string FormatOutcome(const EvalOutcome& o) {
  std::string out = absl::StrCat(o.file, ":", o.line, ": ");
  switch (o.status) {
    case EvalStatus::kPassed:
      absl::StrAppend(&out, "PASS ", o.query);
      return out;
    case EvalStatus::kSkipped:
      absl::StrAppend(&out, "SKIP (", o.skip_cause, ") ", o.query, "\n    ", o.message);
      return out;
    case EvalStatus::kFailed:
      break;
  }
  absl::StrAppend(&out, "FAIL ", o.query, "\n    check:    ", o.check);
  if (o.run_query != o.query) absl::StrAppend(&out, "\n    ran:      ", o.run_query);
  absl::StrAppend(&out, "\n    error:    ", o.message, "\n    expected:\n", Indent(o.expected, "      "),
                  "\n    actual:\n", Indent(o.actual, "      "));
  return out;
}

std::string FormatFileSummary(const TestFileResult& r) {
  std::string out = absl::StrCat(r.file, ": ", r.passed(), " passed, ", r.failed(), " failed, ", r.skipped(),
                                 " skipped of ", r.evals.size(), " evals");
  const auto causes = r.SkippedByCause();
  if (!causes.empty()) {
    out.append(" (skipped:");
    bool first = true;
    for (const auto& [cause, n] : causes) {
      absl::StrAppend(&out, first ? " " : ", ", cause, " ", n);
      first = false;
    }
    out.append(")");
  }
  if (!r.errors.empty()) absl::StrAppend(&out, ", ", r.errors.size(), " load error", r.errors.size() == 1 ? "" : "s");
  return out;
}

}  // namespace promlite::promql::promqltest
