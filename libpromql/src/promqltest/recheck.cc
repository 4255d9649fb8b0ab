// The `@` re-runs of instant evals; see recheck.h.
#include "promqltest/recheck.h"

#include <limits>
#include <optional>

#include "promlite/promql/printer.h"
#include "re2/re2.h"

namespace promlite::promql::promqltest {
namespace {

// Prometheus' AtModifierUnsafeFunctions.
bool IsAtModifierUnsafe(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "days_in_month", "day_of_month", "day_of_week", "day_of_year", "end",  "hour", "minute", "month",
      "year",          "predict_linear", "range",     "start",       "step", "time", "timestamp"};
  for (auto n : kNames) {
    if (n == name) return true;
  }
  return false;
}

void SetAt(std::optional<int64_t>* at, StartOrEnd* soe, int64_t t) {
  if (at->has_value()) return;
  *at = t;
  *soe = StartOrEnd::kNone;
}

// `under_at_subquery`: an ancestor is a subquery with `@`, which then fixes
// the time of everything below it.
void Rewrite(Expr* n, bool under_at_subquery, int64_t t, bool* unsafe) {
  bool children_under = under_at_subquery;
  if (!under_at_subquery) {
    if (auto* vs = n->As<VectorSelector>()) {
      SetAt(&vs->at_ms, &vs->start_or_end, t);
    } else if (auto* ms = n->As<MatrixSelector>()) {
      auto& vs = ms->selector();
      SetAt(&vs.at_ms, &vs.start_or_end, t);
    } else if (auto* sq = n->As<SubqueryExpr>()) {
      SetAt(&sq->at_ms, &sq->start_or_end, t);
      children_under = true;
    } else if (auto* call = n->As<Call>()) {
      if (call->func != nullptr && IsAtModifierUnsafe(call->func->name)) *unsafe = true;
    }
  } else if (auto* sq = n->As<SubqueryExpr>(); sq != nullptr && sq->at_ms.has_value()) {
    children_under = true;
  }
  for (Expr* c : Children(*n)) Rewrite(c, children_under, t, unsafe);
}

std::optional<int64_t> Mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

}  // namespace

std::vector<AtRun> AtModifierRuns(Expr* root, int64_t t) {
  bool unsafe = false;
  Rewrite(root, false, t, &unsafe);
  if (unsafe) return {};
  const std::string expr = Format(*root);
  std::vector<std::pair<std::optional<int64_t>, std::string>> times;
  if (t == 0) {
    times = {{-1000, "-1s"}, {0, "0"}, {1000, "+1s"}};
  } else {
    times = {{Mul(t, -10), "-10t"}, {0, "0"}, {t / 5, "t/5"}, {t, "t"}, {Mul(t, 10), "10t"}};
  }
  std::vector<AtRun> runs;
  for (auto& [time, label] : times) {
    // -10t or 10t beyond the int64 range cannot be a time; skip rather than
    // wrap around.
    if (time) runs.push_back({expr, *time, label});
  }
  return runs;
}

bool UsesQueryContextFunctions(std::string_view query) {
  static const re2::RE2 re(R"((start|end|range|step)\(\))");
  return re2::RE2::PartialMatch(re2::StringPiece(query.data(), query.size()), re);
}

}  // namespace promlite::promql::promqltest
