#include "engine/preprocess.h"

#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/gomath.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {

double DurationSeconds(int64_t ms) {
  int64_t sec = ms / 1000;
  int64_t nsec = (ms % 1000) * 1000000;
  return static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
}

bool IsAtModifierUnsafeFunction(std::string_view name) {
  static constexpr std::string_view kUnsafe[] = {
      "days_in_month", "day_of_month", "day_of_week", "day_of_year", "end",  "hour",
      "minute",        "month",        "year",        "predict_linear", "range", "start",
      "step",          "time",         "timestamp"};
  for (std::string_view n : kUnsafe) {
    if (n == name) return true;
  }
  return false;
}

namespace {

// ---- start(), end(), range(), step() ----

ExprPtr NumberAt(double v, PositionRange pos) {
  auto n = std::make_unique<NumberLiteral>();
  n->value = v;
  n->pos = pos;
  return n;
}

void FoldQueryContextFunctions(ExprPtr& e, int64_t start, int64_t end, int64_t step) {
  if (!e) return;
  if (auto* call = e->As<Call>()) {
    std::string_view name = call->func->name;
    PositionRange pos = call->pos;
    if (name == "start") {
      e = NumberAt(static_cast<double>(start) / 1000, pos);
      return;
    }
    if (name == "end") {
      e = NumberAt(static_cast<double>(end) / 1000, pos);
      return;
    }
    if (name == "range") {
      e = NumberAt(DurationSeconds(end - start), pos);
      return;
    }
    if (name == "step") {
      e = NumberAt(start != end ? DurationSeconds(step) : 0.0, pos);
      return;
    }
  }
  switch (e->kind()) {
    case NodeKind::kBinary: {
      auto& b = static_cast<BinaryExpr&>(*e);
      FoldQueryContextFunctions(b.lhs, start, end, step);
      FoldQueryContextFunctions(b.rhs, start, end, step);
      break;
    }
    case NodeKind::kCall:
      for (ExprPtr& a : static_cast<Call&>(*e).args) FoldQueryContextFunctions(a, start, end, step);
      break;
    case NodeKind::kAggregate: {
      auto& a = static_cast<AggregateExpr&>(*e);
      FoldQueryContextFunctions(a.expr, start, end, step);
      FoldQueryContextFunctions(a.param, start, end, step);
      break;
    }
    case NodeKind::kUnary:
      FoldQueryContextFunctions(static_cast<UnaryExpr&>(*e).expr, start, end, step);
      break;
    case NodeKind::kParen:
      FoldQueryContextFunctions(static_cast<ParenExpr&>(*e).expr, start, end, step);
      break;
    case NodeKind::kSubquery:
      FoldQueryContextFunctions(static_cast<SubqueryExpr&>(*e).expr, start, end, step);
      break;
    default:
      break;
  }
}

// ---- duration expressions ----

struct DurationEnv {
  int64_t step_ms;
  int64_t range_ms;
};

std::string PosPrefix(const Expr& e) {
  PositionRange p = e.Range();
  return absl::StrCat(p.start, ":", p.end, ": ");
}

absl::StatusOr<double> EvalDuration(const Expr& e, const DurationEnv& env) {
  if (const auto* n = e.As<NumberLiteral>()) return n->value;
  const auto* d = e.As<DurationExpr>();
  if (!d) return absl::InvalidArgumentError("unexpected duration expression type");
  double lhs = 0, rhs = 0;
  if (d->lhs) {
    PL_ASSIGN_OR_RETURN(lhs, EvalDuration(*d->lhs, env));
  }
  if (d->rhs) {
    PL_ASSIGN_OR_RETURN(rhs, EvalDuration(*d->rhs, env));
  }
  switch (d->op) {
    case DurationOp::kStep:
      return DurationSeconds(env.step_ms);
    case DurationOp::kRange:
      return DurationSeconds(env.range_ms);
    case DurationOp::kMinOf:
      return GoMin(lhs, rhs);
    case DurationOp::kMaxOf:
      return GoMax(lhs, rhs);
    case DurationOp::kAdd:
      return d->lhs ? lhs + rhs : rhs;
    case DurationOp::kSub:
      return d->lhs ? lhs - rhs : -rhs;
    case DurationOp::kMul:
      return lhs * rhs;
    case DurationOp::kDiv:
      if (rhs == 0) return absl::InvalidArgumentError(absl::StrCat(PosPrefix(e), "division by zero"));
      return lhs / rhs;
    case DurationOp::kMod:
      if (rhs == 0) return absl::InvalidArgumentError(absl::StrCat(PosPrefix(e), "modulo by zero"));
      return std::fmod(lhs, rhs);
    case DurationOp::kPow:
      return std::pow(lhs, rhs);
  }
  return absl::InvalidArgumentError("unexpected duration expression operator");
}

absl::StatusOr<int64_t> CalculateDuration(const Expr& e, bool allow_negative, const DurationEnv& env) {
  PL_ASSIGN_OR_RETURN(double d, EvalDuration(e, env));
  if (std::isnan(d) || std::isinf(d)) {
    return absl::InvalidArgumentError(absl::StrCat(PosPrefix(e), "duration is NaN or infinite"));
  }
  if (d <= 0 && !allow_negative) {
    return absl::InvalidArgumentError(absl::StrCat(PosPrefix(e), "duration must be greater than 0"));
  }
  constexpr double kLimit = 9223372036.854775808;  // 2^63 ns in seconds
  if (d > kLimit || d < -kLimit) {
    return absl::InvalidArgumentError(absl::StrCat(PosPrefix(e), "duration is out of range"));
  }
  return static_cast<int64_t>(d * 1000);
}

absl::Status ResolveDurations(Expr& e, const DurationEnv& env) {
  switch (e.kind()) {
    case NodeKind::kVectorSelector: {
      auto& vs = static_cast<VectorSelector&>(e);
      if (vs.offset_expr) {
        PL_ASSIGN_OR_RETURN(vs.offset_ms, CalculateDuration(*vs.offset_expr, true, env));
      }
      break;
    }
    case NodeKind::kMatrixSelector: {
      auto& ms = static_cast<MatrixSelector&>(e);
      if (ms.range_expr) {
        PL_ASSIGN_OR_RETURN(ms.range_ms, CalculateDuration(*ms.range_expr, false, env));
      }
      break;
    }
    case NodeKind::kSubquery: {
      auto& sq = static_cast<SubqueryExpr&>(e);
      if (sq.offset_expr) {
        PL_ASSIGN_OR_RETURN(sq.offset_ms, CalculateDuration(*sq.offset_expr, true, env));
      }
      if (sq.step_expr) {
        PL_ASSIGN_OR_RETURN(sq.step_ms, CalculateDuration(*sq.step_expr, false, env));
      }
      if (sq.range_expr) {
        PL_ASSIGN_OR_RETURN(sq.range_ms, CalculateDuration(*sq.range_expr, false, env));
      }
      break;
    }
    default:
      break;
  }
  for (Expr* c : Children(e)) {
    if (c) PL_RETURN_IF_ERROR(ResolveDurations(*c, env));
  }
  return absl::OkStatus();
}

// ---- step invariance ----

void UnwrapParens(ExprPtr& e) {
  while (e && e->kind() == NodeKind::kParen) {
    e = std::move(static_cast<ParenExpr&>(*e).expr);
  }
}

void WrapStepInvariant(ExprPtr& e) {
  auto w = std::make_unique<StepInvariantExpr>();
  w->pos = e->Range();
  w->expr = std::move(e);
  e = std::move(w);
}

void ResolveStartEnd(StartOrEnd soe, std::optional<int64_t>* at, int64_t start, int64_t end) {
  if (soe == StartOrEnd::kStart) *at = start;
  if (soe == StartOrEnd::kEnd) *at = end;
}

// Returns {is step invariant, should be wrapped}.
std::pair<bool, bool> Helper(Expr& e, int64_t start, int64_t end) {
  switch (e.kind()) {
    case NodeKind::kVectorSelector: {
      auto& vs = static_cast<VectorSelector&>(e);
      ResolveStartEnd(vs.start_or_end, &vs.at_ms, start, end);
      bool inv = vs.at_ms.has_value();
      return {inv, inv};
    }
    case NodeKind::kAggregate: {
      auto& a = static_cast<AggregateExpr&>(e);
      UnwrapParens(a.expr);
      UnwrapParens(a.param);
      return Helper(*a.expr, start, end);
    }
    case NodeKind::kBinary: {
      auto& b = static_cast<BinaryExpr&>(e);
      auto [inv_l, wrap_l] = Helper(*b.lhs, start, end);
      auto [inv_r, wrap_r] = Helper(*b.rhs, start, end);
      if (inv_l && inv_r) return {true, true};
      if (wrap_l) WrapStepInvariant(b.lhs);
      if (wrap_r) WrapStepInvariant(b.rhs);
      return {false, false};
    }
    case NodeKind::kCall: {
      auto& c = static_cast<Call&>(e);
      bool inv = !IsAtModifierUnsafeFunction(c.func->name);
      // timestamp(x @ t) is step invariant although timestamp() is not in
      // general: its argument is a single selector with @.
      bool timestamp_safe = c.func->name == "timestamp";
      std::vector<bool> wrap(c.args.size());
      for (size_t i = 0; i < c.args.size(); i++) {
        UnwrapParens(c.args[i]);
        auto [arg_inv, arg_wrap] = Helper(*c.args[i], start, end);
        wrap[i] = arg_wrap;
        inv = inv && arg_inv;
        if (!arg_inv || c.args[i]->kind() != NodeKind::kVectorSelector) timestamp_safe = false;
      }
      if (inv || timestamp_safe) return {true, true};
      for (size_t i = 0; i < c.args.size(); i++) {
        if (wrap[i]) WrapStepInvariant(c.args[i]);
      }
      return {false, false};
    }
    case NodeKind::kMatrixSelector: {
      auto& ms = static_cast<MatrixSelector&>(e);
      return {Helper(*ms.vector_selector, start, end).first, false};
    }
    case NodeKind::kSubquery: {
      auto& sq = static_cast<SubqueryExpr&>(e);
      // The inside of a subquery is evaluated once relative to the
      // subquery's own start when it is step invariant.
      if (Helper(*sq.expr, start, end).first) WrapStepInvariant(sq.expr);
      ResolveStartEnd(sq.start_or_end, &sq.at_ms, start, end);
      return {sq.at_ms.has_value(), false};
    }
    case NodeKind::kParen:
      return Helper(*static_cast<ParenExpr&>(e).expr, start, end);
    case NodeKind::kUnary:
      return Helper(*static_cast<UnaryExpr&>(e).expr, start, end);
    case NodeKind::kStringLiteral:
    case NodeKind::kNumberLiteral:
      return {true, false};
    default:
      return {false, false};
  }
}

// Prometheus' subqueryTimes: the summed offsets of the subqueries on the
// path, reset by a subquery with @ (whose timestamp is returned).
struct SubqTimes {
  int64_t offset = 0;
  int64_t range = 0;
  std::optional<int64_t> ts;
};

SubqTimes SubqueryTimes(const std::vector<const Expr*>& path) {
  SubqTimes t;
  for (const Expr* n : path) {
    const auto* sq = n->As<SubqueryExpr>();
    if (!sq) continue;
    t.offset += sq->offset_ms;
    t.range += sq->range_ms;
    if (sq->at_ms) {
      t.offset = sq->offset_ms;
      t.range = sq->range_ms;
      t.ts = *sq->at_ms;
    }
  }
  return t;
}

}  // namespace

absl::Status PreprocessExpr(ExprPtr& root, int64_t start_ms, int64_t end_ms, int64_t step_ms) {
  FoldQueryContextFunctions(root, start_ms, end_ms, step_ms);
  PL_RETURN_IF_ERROR(ResolveDurations(*root, DurationEnv{step_ms, end_ms - start_ms}));
  if (Helper(*root, start_ms, end_ms).second) WrapStepInvariant(root);
  return absl::OkStatus();
}

void SetOffsetsForAtModifier(int64_t eval_time, const Expr& root, QueryContext* ctx) {
  auto offset_for = [&](const std::optional<int64_t>& ts, int64_t original,
                        const std::vector<const Expr*>& path) -> std::optional<int64_t> {
    if (!ts) return std::nullopt;
    SubqTimes st = SubqueryTimes(path);
    int64_t subq_offset = st.offset;
    if (st.ts) subq_offset += eval_time - *st.ts;
    int64_t offset_for_ts = eval_time - *ts;
    return original + (offset_for_ts - subq_offset);
  };
  Inspect(root, [&](const Expr& node, const std::vector<const Expr*>& path) {
    if (const auto* vs = node.As<VectorSelector>()) {
      if (auto o = offset_for(vs->at_ms, vs->offset_ms, path)) ctx->offsets[vs] = *o;
    } else if (const auto* sq = node.As<SubqueryExpr>()) {
      if (auto o = offset_for(sq->at_ms, sq->offset_ms, path)) ctx->offsets[sq] = *o;
    }
    return true;
  });
}

std::pair<int64_t, int64_t> FindMinMaxTime(const Expr& root, int64_t start_ms, int64_t end_ms,
                                           int64_t lookback_ms) {
  int64_t min_ts = std::numeric_limits<int64_t>::max();
  int64_t max_ts = std::numeric_limits<int64_t>::min();
  int64_t eval_range = 0;
  Inspect(root, [&](const Expr& node, const std::vector<const Expr*>& path) {
    if (const auto* ms = node.As<MatrixSelector>()) {
      eval_range = ms->range_ms;
      return true;
    }
    const auto* vs = node.As<VectorSelector>();
    if (!vs) return true;
    int64_t start = start_ms, end = end_ms;
    SubqTimes st = SubqueryTimes(path);
    if (st.ts) start = end = *st.ts;
    if (vs->at_ms) {
      start = end = *vs->at_ms;
    } else {
      start = start - st.offset - st.range;
      end -= st.offset;
    }
    if (eval_range == 0) {
      start -= lookback_ms - 1;
      if (vs->smoothed) end += lookback_ms;
    } else if (vs->anchored) {
      start -= lookback_ms + eval_range - 1;
    } else if (vs->smoothed) {
      start -= lookback_ms + eval_range - 1;
      end += lookback_ms;
    } else {
      start -= eval_range - 1;
    }
    start -= vs->offset_ms;
    end -= vs->offset_ms;
    min_ts = std::min(min_ts, start);
    max_ts = std::max(max_ts, end);
    eval_range = 0;
    return true;
  });
  if (max_ts == std::numeric_limits<int64_t>::min()) return {0, 0};
  return {min_ts, max_ts};
}

}  // namespace promlite::promql::engine
