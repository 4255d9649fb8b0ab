// Ranges, subqueries, offsets, @ and the 3.x duration expressions.
#include <cmath>
#include <limits>
#include <utility>

#include "parser/go_format.h"
#include "parser/parser_impl.h"

namespace promlite::promql::parser {
namespace {

// A duration in seconds as Prometheus turns it into a Go time.Duration
// (rounded to nanoseconds), then into the milliseconds the engine uses.
int64_t SecondsToMs(double seconds) {
  double ns = std::round(seconds * 1e9);
  if (!(ns > -9.2e18 && ns < 9.2e18)) return 0;  // out of range was reported already
  return static_cast<int64_t>(ns) / 1000000;
}

// Prometheus: val > 1<<63/1e9 || val < -(1<<63)/1e9.
bool DurationLiteralOutOfRange(double v) {
  constexpr double kLimit = 9223372036854775808.0 / 1e9;
  return v > kLimit || v < -kLimit;
}

int DurationPrecedence(ItemType t) {
  switch (t) {
    case ItemType::kAdd: case ItemType::kSub: return 1;
    case ItemType::kMul: case ItemType::kDiv: case ItemType::kMod: return 2;
    case ItemType::kPow: return 3;
    default: return 0;
  }
}

DurationOp ToDurationOp(ItemType t) {
  switch (t) {
    case ItemType::kAdd: return DurationOp::kAdd;
    case ItemType::kSub: return DurationOp::kSub;
    case ItemType::kMul: return DurationOp::kMul;
    case ItemType::kDiv: return DurationOp::kDiv;
    case ItemType::kMod: return DurationOp::kMod;
    case ItemType::kPow: return DurationOp::kPow;
    case ItemType::kStep: return DurationOp::kStep;
    case ItemType::kRange: return DurationOp::kRange;
    case ItemType::kMaxOf: return DurationOp::kMaxOf;
    case ItemType::kMinOf: return DurationOp::kMinOf;
    default: return DurationOp::kAdd;
  }
}

std::unique_ptr<DurationExpr> AsDuration(ExprPtr e) {
  return std::unique_ptr<DurationExpr>(static_cast<DurationExpr*>(e.release()));
}

ExprPtr ZeroLiteral() { return std::make_unique<NumberLiteral>(); }

}  // namespace

void Parser::ExperimentalDuration(const Expr& e) {
  if (!options_.enable_duration_expressions) {
    AddError(e.Range(), "experimental duration expression is not enabled");
  }
}

ExprPtr Parser::CheckedDurationLiteral(ExprPtr e) {
  auto* nl = static_cast<NumberLiteral*>(e.get());
  if (DurationLiteralOutOfRange(nl->value)) {
    AddError(nl->pos, "duration out of range");
    return ZeroLiteral();
  }
  return e;
}

ExprPtr Parser::NumberDurationLiteral(ErrorContext ctx) {
  if (CurType() != ItemType::kNumber && CurType() != ItemType::kDuration) {
    Unexpected(ctx);
    return nullptr;
  }
  return ParseNumberToken(Consume());
}

ExprPtr Parser::ApplyUnaryToDuration(const Item& op, ExprPtr e, bool wrapped) {
  if (wrapped) {
    const PositionRange pr = e->Range();
    e = WrapParenDuration(std::move(e), pr.start, pr.end);
  }
  if (e->kind() == NodeKind::kDuration) {
    if (op.type == ItemType::kSub) {
      auto neg = std::make_unique<DurationExpr>();
      neg->op = DurationOp::kSub;
      neg->rhs = std::move(e);
      neg->start_pos = op.pos;
      neg->pos = neg->Range();
      return neg;
    }
    return e;
  }
  auto* nl = static_cast<NumberLiteral*>(e.get());
  if (op.type == ItemType::kSub) nl->value = -nl->value;
  if (DurationLiteralOutOfRange(nl->value)) {
    AddError(op, "duration out of range");
    return ZeroLiteral();
  }
  nl->pos.start = op.pos;
  return e;
}

ExprPtr Parser::WrapParenDuration(ExprPtr e, int32_t start, int32_t end) {
  if (e->kind() == NodeKind::kDuration) {
    static_cast<DurationExpr*>(e.get())->wrapped = true;
    return e;
  }
  // A parenthesised number keeps its parentheses through a unary-plus node.
  auto w = std::make_unique<DurationExpr>();
  w->op = DurationOp::kAdd;
  w->rhs = std::move(e);
  w->wrapped = true;
  w->start_pos = start;
  w->end_pos = end;
  w->pos = w->Range();
  return w;
}

ExprPtr Parser::ParseDurationPrimary(ErrorContext ctx) {
  const ItemType t = CurType();
  switch (t) {
    case ItemType::kNumber:
    case ItemType::kDuration:
      return CheckedDurationLiteral(ParseNumberToken(Consume()));
    case ItemType::kAdd:
    case ItemType::kSub: {
      const Item op = Consume();
      // A unary sign binds like `*`: its operand takes only `^`.
      ExprPtr operand = ParseDurationExpr(3, ctx);
      if (!operand) return nullptr;
      return ApplyUnaryToDuration(op, std::move(operand), false);
    }
    case ItemType::kStep:
    case ItemType::kRange: {
      const Item kw = Consume();
      if (CurType() != ItemType::kLeftParen) {
        Unexpected(ctx);
        return nullptr;
      }
      Consume();
      if (CurType() != ItemType::kRightParen) {
        Unexpected(ctx);
        return nullptr;
      }
      const Item rp = Consume();
      auto de = std::make_unique<DurationExpr>();
      de->op = ToDurationOp(t);
      de->start_pos = kw.pos;
      de->end_pos = rp.end();
      de->pos = de->Range();
      ExperimentalDuration(*de);
      return de;
    }
    case ItemType::kMaxOf:
    case ItemType::kMinOf: {
      const Item kw = Consume();
      if (CurType() != ItemType::kLeftParen) {
        Unexpected(ctx);
        return nullptr;
      }
      Consume();
      ExprPtr a = ParseDurationExpr(0, ctx);
      if (!a) return nullptr;
      if (CurType() != ItemType::kComma) {
        Unexpected(ctx);
        return nullptr;
      }
      Consume();
      ExprPtr b = ParseDurationExpr(0, ctx);
      if (!b) return nullptr;
      if (CurType() != ItemType::kRightParen) {
        Unexpected(ctx);
        return nullptr;
      }
      const Item rp = Consume();
      auto de = std::make_unique<DurationExpr>();
      de->op = ToDurationOp(t);
      de->start_pos = kw.pos;
      de->end_pos = rp.end();
      de->lhs = std::move(a);
      de->rhs = std::move(b);
      de->pos = de->Range();
      ExperimentalDuration(*de);
      return de;
    }
    case ItemType::kLeftParen: {
      const Item lp = Consume();
      ExprPtr inner = ParseDurationExpr(0, ctx);
      if (!inner) return nullptr;
      if (CurType() != ItemType::kRightParen) {
        Unexpected(ctx);
        return nullptr;
      }
      const Item rp = Consume();
      ExperimentalDuration(*inner);
      return WrapParenDuration(std::move(inner), lp.pos, rp.end());
    }
    default:
      Unexpected(ctx);
      return nullptr;
  }
}

ExprPtr Parser::ParseDurationExpr(int min_prec, ErrorContext ctx) {
  if (!Enter()) return nullptr;
  ExprPtr lhs = ParseDurationPrimary(ctx);
  if (lhs) lhs = ContinueDurationExpr(std::move(lhs), min_prec, ctx);
  Leave();
  return aborted_ ? nullptr : std::move(lhs);
}

ExprPtr Parser::ContinueDurationExpr(ExprPtr lhs, int min_prec, ErrorContext ctx) {
  while (lhs && !aborted_) {
    const ItemType t = CurType();
    const int prec = DurationPrecedence(t);
    if (prec == 0 || prec < min_prec) break;
    const Item op = Consume();
    ExprPtr rhs = ParseDurationExpr(t == ItemType::kPow ? prec : prec + 1, ctx);
    if (!rhs) return nullptr;
    ExperimentalDuration(*lhs);
    if ((t == ItemType::kDiv || t == ItemType::kMod) && rhs->kind() == NodeKind::kNumberLiteral &&
        static_cast<NumberLiteral*>(rhs.get())->value == 0) {
      AddError(op, t == ItemType::kDiv ? "division by zero" : "modulo by zero");
      lhs = ZeroLiteral();
      continue;
    }
    auto de = std::make_unique<DurationExpr>();
    de->op = ToDurationOp(t);
    de->lhs = std::move(lhs);
    de->rhs = std::move(rhs);
    de->pos = de->Range();
    lhs = std::move(de);
  }
  return aborted_ ? nullptr : std::move(lhs);
}

ExprPtr Parser::PositiveDuration(ExprPtr e) {
  if (e->kind() == NodeKind::kNumberLiteral) {
    auto* nl = static_cast<NumberLiteral*>(e.get());
    if (nl->value <= 0) {
      AddError(nl->pos, "duration must be greater than 0");
      return ZeroLiteral();
    }
  }
  return e;
}

ExprPtr Parser::ParseRangeOrSubquery(ExprPtr e) {
  static constexpr ErrorContext kFirst{"subquery or range selector", "number, duration, step(), or range()"};
  static constexpr ErrorContext kAfterFirst{"subquery or range", "\":\" or \"]\""};
  static constexpr ErrorContext kStep{"subquery selector", "number, duration, step(), range(), or \"]\""};
  static constexpr ErrorContext kAfterStep{"subquery selector", "\"]\""};
  const int32_t lbracket = last_end_ - 1;

  ExprPtr range = ParseDurationExpr(0, kFirst);
  if (!range) return nullptr;
  range = PositiveDuration(std::move(range));

  if (CurType() == ItemType::kRightBracket) {
    const Item rb = Consume();
    std::string_view err;
    auto* vs = e->As<VectorSelector>();
    if (vs == nullptr) {
      err = "ranges only allowed for vector selectors";
    } else if (vs->offset_ms != 0 || vs->offset_expr) {
      err = "no offset modifiers allowed before range";
    } else if (vs->at_ms || vs->start_or_end != StartOrEnd::kNone) {
      err = "no @ modifiers allowed before range";
    }
    if (!err.empty()) AddError({lbracket, rb.end()}, std::string(err));
    auto ms = std::make_unique<MatrixSelector>();
    ms->pos = {e->Range().start, rb.end()};
    ms->vector_selector = std::move(e);
    if (range->kind() == NodeKind::kNumberLiteral) {
      ms->range_ms = SecondsToMs(static_cast<NumberLiteral*>(range.get())->value);
    } else {
      ms->range_expr = AsDuration(std::move(range));
    }
    return ms;
  }
  if (CurType() != ItemType::kColon) {
    Unexpected(kAfterFirst);
    return nullptr;
  }
  Consume();
  auto sq = std::make_unique<SubqueryExpr>();
  if (range->kind() == NodeKind::kNumberLiteral) {
    sq->range_ms = SecondsToMs(static_cast<NumberLiteral*>(range.get())->value);
  } else {
    sq->range_expr = AsDuration(std::move(range));
  }
  if (CurType() != ItemType::kRightBracket) {
    ExprPtr step = ParseDurationExpr(0, kStep);
    if (!step) return nullptr;
    step = PositiveDuration(std::move(step));
    if (CurType() != ItemType::kRightBracket) {
      Unexpected(kAfterStep);
      return nullptr;
    }
    if (step->kind() == NodeKind::kNumberLiteral) {
      sq->step_ms = SecondsToMs(static_cast<NumberLiteral*>(step.get())->value);
    } else {
      sq->step_expr = AsDuration(std::move(step));
    }
  }
  const Item rb = Consume();
  sq->pos = {e->Range().start, rb.pos + 1};
  sq->expr = std::move(e);
  return sq;
}

ExprPtr Parser::ParseOffsetDuration() {
  static constexpr ErrorContext kCtx{"offset", "number, duration, step(), or range()"};
  // yacc resolves the offset grammar so that a literal, step(), range(),
  // min_of()/max_of() or a sign followed by one of those (or by a
  // parenthesised expression) is the whole offset: `foo offset 5m + 1` adds
  // 1 to the selector. Only an offset starting with "(" (or with two signs)
  // continues as a duration expression: `foo offset (5m) + 1`.
  const ItemType t = CurType();
  if (t == ItemType::kNumber || t == ItemType::kDuration) {
    return CheckedDurationLiteral(ParseNumberToken(Consume()));
  }
  if (t == ItemType::kStep || t == ItemType::kRange || t == ItemType::kMaxOf || t == ItemType::kMinOf) {
    return ParseDurationPrimary(kCtx);
  }
  if (t == ItemType::kAdd || t == ItemType::kSub) {
    const Item op = Consume();
    const ItemType n = CurType();
    if (n == ItemType::kNumber || n == ItemType::kDuration) {
      ExprPtr nl = ParseNumberToken(Consume());
      return ApplyUnaryToDuration(op, std::move(nl), false);
    }
    if (n == ItemType::kStep || n == ItemType::kRange) {
      ExprPtr inner = ParseDurationPrimary(kCtx);
      if (!inner) return nullptr;
      auto de = std::make_unique<DurationExpr>();
      de->op = op.type == ItemType::kSub ? DurationOp::kSub : DurationOp::kAdd;
      de->rhs = std::move(inner);
      de->start_pos = op.pos;
      de->pos = de->Range();
      ExperimentalDuration(*de);
      return de;
    }
    if (n == ItemType::kMaxOf || n == ItemType::kMinOf) {
      const Item kw = Cur();
      Consume();
      if (CurType() != ItemType::kLeftParen) {
        Unexpected(kCtx);
        return nullptr;
      }
      Consume();
      ExprPtr a = ParseDurationExpr(0, kCtx);
      if (!a) return nullptr;
      if (CurType() != ItemType::kComma) {
        Unexpected(kCtx);
        return nullptr;
      }
      Consume();
      ExprPtr b = ParseDurationExpr(0, kCtx);
      if (!b) return nullptr;
      if (CurType() != ItemType::kRightParen) {
        Unexpected(kCtx);
        return nullptr;
      }
      Consume();
      // Prometheus ends both nodes at the second argument, not at ")".
      const int32_t end = b->Range().end;
      auto inner = std::make_unique<DurationExpr>();
      inner->op = ToDurationOp(kw.type);
      inner->start_pos = kw.pos;
      inner->end_pos = end;
      inner->lhs = std::move(a);
      inner->rhs = std::move(b);
      inner->pos = inner->Range();
      auto de = std::make_unique<DurationExpr>();
      de->op = op.type == ItemType::kSub ? DurationOp::kSub : DurationOp::kAdd;
      de->start_pos = op.pos;
      de->end_pos = end;
      de->rhs = std::move(inner);
      de->pos = de->Range();
      ExperimentalDuration(*de);
      return de;
    }
    if (n == ItemType::kLeftParen) {
      Consume();
      ExprPtr inner = ParseDurationExpr(0, kCtx);
      if (!inner) return nullptr;
      if (CurType() != ItemType::kRightParen) {
        Unexpected(kCtx);
        return nullptr;
      }
      Consume();
      return ApplyUnaryToDuration(op, std::move(inner), true);
    }
    // Two signs: the general duration expression grammar, which continues
    // with binary operators.
    ExprPtr operand = ParseDurationExpr(3, kCtx);
    if (!operand) return nullptr;
    ExprPtr lhs = ApplyUnaryToDuration(op, std::move(operand), false);
    return ContinueDurationExpr(std::move(lhs), 0, kCtx);
  }
  if (t == ItemType::kLeftParen) return ParseDurationExpr(0, kCtx);
  Unexpected(kCtx);
  return nullptr;
}

bool Parser::ParseOffset(Expr* e) {
  ExprPtr off = ParseOffsetDuration();
  if (!off) return false;
  int64_t* offset_ms = nullptr;
  std::unique_ptr<DurationExpr>* offset_expr = nullptr;
  int32_t* end = nullptr;
  switch (e->kind()) {
    case NodeKind::kVectorSelector: {
      auto* vs = static_cast<VectorSelector*>(e);
      offset_ms = &vs->offset_ms, offset_expr = &vs->offset_expr, end = &vs->pos.end;
      break;
    }
    case NodeKind::kMatrixSelector: {
      auto* ms = static_cast<MatrixSelector*>(e);
      auto* vs = ms->vector_selector->As<VectorSelector>();
      if (vs == nullptr) {
        AddError(e->Range(), "ranges only allowed for vector selectors");
        return true;
      }
      offset_ms = &vs->offset_ms, offset_expr = &vs->offset_expr, end = &ms->pos.end;
      break;
    }
    case NodeKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(e);
      offset_ms = &sq->offset_ms, offset_expr = &sq->offset_expr, end = &sq->pos.end;
      break;
    }
    default:
      AddError(e->Range(),
               "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
      return true;
  }
  if (*offset_ms != 0 || *offset_expr) {
    AddError(e->Range(), "offset may not be set multiple times");
  } else if (off->kind() == NodeKind::kNumberLiteral) {
    *offset_ms = SecondsToMs(static_cast<NumberLiteral*>(off.get())->value);
  } else {
    *offset_expr = AsDuration(std::move(off));
  }
  *end = last_end_;
  return true;
}

bool Parser::ParseSignedNumber(double* out) {
  static constexpr ErrorContext kCtx{"@", "timestamp"};
  bool negate = false;
  if (CurType() == ItemType::kAdd || CurType() == ItemType::kSub) {
    negate = Consume().type == ItemType::kSub;
  }
  if (CurType() != ItemType::kNumber && CurType() != ItemType::kDuration) {
    Unexpected(kCtx);
    return false;
  }
  ExprPtr nl = ParseNumberToken(Consume());
  *out = static_cast<NumberLiteral*>(nl.get())->value;
  if (negate) *out = -*out;
  return true;
}

bool Parser::ParseAt(Expr* e) {
  static constexpr ErrorContext kCtx{"@", "timestamp"};
  StartOrEnd preproc = StartOrEnd::kNone;
  double ts = 0;
  if (CurType() == ItemType::kStart || CurType() == ItemType::kEnd) {
    preproc = CurType() == ItemType::kStart ? StartOrEnd::kStart : StartOrEnd::kEnd;
    Consume();
    if (CurType() != ItemType::kLeftParen) {
      Unexpected(kCtx);
      return false;
    }
    Consume();
    if (CurType() != ItemType::kRightParen) {
      Unexpected(kCtx);
      return false;
    }
    Consume();
  } else {
    if (!ParseSignedNumber(&ts)) return false;
    constexpr double kMax = 9223372036854775807.0;
    if (std::isinf(ts) || std::isnan(ts) || ts >= kMax || ts <= -kMax) {
      AddError(e->Range(), "timestamp out of bounds for @ modifier: " + FormatFloatPercentF(ts));
    }
  }

  std::optional<int64_t>* at = nullptr;
  StartOrEnd* soe = nullptr;
  int32_t* end = nullptr;
  switch (e->kind()) {
    case NodeKind::kVectorSelector: {
      auto* vs = static_cast<VectorSelector*>(e);
      at = &vs->at_ms, soe = &vs->start_or_end, end = &vs->pos.end;
      break;
    }
    case NodeKind::kMatrixSelector: {
      auto* ms = static_cast<MatrixSelector*>(e);
      auto* vs = ms->vector_selector->As<VectorSelector>();
      if (vs == nullptr) {
        AddError(e->Range(), "ranges only allowed for vector selectors");
        return true;
      }
      at = &vs->at_ms, soe = &vs->start_or_end, end = &ms->pos.end;
      break;
    }
    case NodeKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(e);
      at = &sq->at_ms, soe = &sq->start_or_end, end = &sq->pos.end;
      break;
    }
    default:
      AddError(e->Range(),
               "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
      return true;
  }
  if (at->has_value() || *soe != StartOrEnd::kNone) {
    AddError(e->Range(), "@ <timestamp> may not be set multiple times");
    return true;
  }
  if (preproc != StartOrEnd::kNone) {
    *soe = preproc;
  } else {
    const double ms = std::round(ts * 1000);
    *at = (ms > -9.2e18 && ms < 9.2e18) ? static_cast<int64_t>(ms) : 0;
  }
  *end = last_end_;
  return true;
}

void Parser::SetAnchoredOrSmoothed(Expr* e, bool anchored) {
  const std::string what = anchored ? "anchored" : "smoothed";
  if (!options_.enable_extended_range_selectors) {
    AddError(e->Range(), what + " modifier is experimental and not enabled");
    return;
  }
  VectorSelector* vs = nullptr;
  switch (e->kind()) {
    case NodeKind::kVectorSelector:
      vs = static_cast<VectorSelector*>(e);
      break;
    case NodeKind::kMatrixSelector:
      vs = static_cast<MatrixSelector*>(e)->vector_selector->As<VectorSelector>();
      if (vs == nullptr) return;
      break;
    case NodeKind::kSubquery:
      AddError(e->Range(), what + " modifier is not supported for subqueries");
      return;
    default:
      AddError(e->Range(), what + " modifier not implemented");
      return;
  }
  if (anchored) {
    vs->anchored = true;
  } else {
    vs->smoothed = true;
  }
  if (vs->anchored && vs->smoothed) {
    AddError(e->Range(), "anchored and smoothed modifiers cannot be used together");
  }
}

}  // namespace promlite::promql::parser
