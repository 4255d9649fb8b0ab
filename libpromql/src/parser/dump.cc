// DumpTree: a compact, complete rendering of a tree for tests and debugging.
// Unlike Format() it shows every field and every position, so two trees
// dump equal exactly when the parser built the same thing.
#include "absl/strings/str_cat.h"
#include "parser/go_format.h"
#include "promlite/promql/printer.h"

namespace promlite::promql {
namespace {

void Dump(std::string* b, const Expr* e);

void Pos(std::string* b, PositionRange r) { absl::StrAppend(b, "[", r.start, ":", r.end, "]"); }

void Labels(std::string* b, std::string_view key, const std::vector<std::string>& ls) {
  absl::StrAppend(b, " ", std::string(key), "=(");
  for (size_t i = 0; i < ls.size(); i++) {
    if (i > 0) b->push_back(',');
    b->append(ls[i]);
  }
  b->push_back(')');
}

void Modifiers(std::string* b, int64_t offset_ms, const DurationExpr* offset_expr, const std::optional<int64_t>& at,
               StartOrEnd soe) {
  if (offset_ms != 0) absl::StrAppend(b, " offset=", offset_ms);
  if (offset_expr) {
    b->append(" offset=");
    Dump(b, offset_expr);
  }
  if (at) absl::StrAppend(b, " at=", *at);
  if (soe == StartOrEnd::kStart) b->append(" at=start()");
  if (soe == StartOrEnd::kEnd) b->append(" at=end()");
}

void Dump(std::string* b, const Expr* e) {
  if (e == nullptr) {
    b->append("nil");
    return;
  }
  switch (e->kind()) {
    case NodeKind::kNumberLiteral: {
      const auto& n = static_cast<const NumberLiteral&>(*e);
      absl::StrAppend(b, "Num(", parser::FormatFloatG(n.value), n.is_duration ? " dur" : "", ")");
      break;
    }
    case NodeKind::kStringLiteral:
      absl::StrAppend(b, "Str(", parser::GoQuote(static_cast<const StringLiteral&>(*e).value), ")");
      break;
    case NodeKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(*e);
      absl::StrAppend(b, "VS(", parser::GoQuote(vs.name), " {");
      for (size_t i = 0; i < vs.matchers.size(); i++) {
        if (i > 0) b->push_back(',');
        b->append(FormatMatcher(vs.matchers[i]));
      }
      b->push_back('}');
      Modifiers(b, vs.offset_ms, vs.offset_expr.get(), vs.at_ms, vs.start_or_end);
      if (vs.anchored) b->append(" anchored");
      if (vs.smoothed) b->append(" smoothed");
      if (vs.bypass_empty_matcher_check) b->append(" bypass");
      b->push_back(')');
      break;
    }
    case NodeKind::kMatrixSelector: {
      const auto& m = static_cast<const MatrixSelector&>(*e);
      absl::StrAppend(b, "Matrix(range=", m.range_ms);
      if (m.range_expr) {
        b->append(" rangeexpr=");
        Dump(b, m.range_expr.get());
      }
      b->append(" ");
      Dump(b, m.vector_selector.get());
      b->push_back(')');
      break;
    }
    case NodeKind::kSubquery: {
      const auto& s = static_cast<const SubqueryExpr&>(*e);
      absl::StrAppend(b, "Subquery(range=", s.range_ms);
      if (s.range_expr) {
        b->append(" rangeexpr=");
        Dump(b, s.range_expr.get());
      }
      absl::StrAppend(b, " step=", s.step_ms);
      if (s.step_expr) {
        b->append(" stepexpr=");
        Dump(b, s.step_expr.get());
      }
      Modifiers(b, s.offset_ms, s.offset_expr.get(), s.at_ms, s.start_or_end);
      b->append(" ");
      Dump(b, s.expr.get());
      b->push_back(')');
      break;
    }
    case NodeKind::kCall: {
      const auto& c = static_cast<const Call&>(*e);
      absl::StrAppend(b, "Call(", c.func ? std::string(c.func->name) : "?");
      for (const auto& a : c.args) {
        b->push_back(' ');
        Dump(b, a.get());
      }
      b->push_back(')');
      break;
    }
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(*e);
      absl::StrAppend(b, "Agg(", std::string(AggregateOpString(a.op)));
      if (a.without) b->append(" without");
      if (!a.grouping.empty() || a.without) Labels(b, "grouping", a.grouping);
      if (a.param) {
        b->append(" param=");
        Dump(b, a.param.get());
      }
      b->push_back(' ');
      Dump(b, a.expr.get());
      b->push_back(')');
      break;
    }
    case NodeKind::kBinary: {
      const auto& n = static_cast<const BinaryExpr&>(*e);
      absl::StrAppend(b, "Bin(", std::string(BinaryOpString(n.op)));
      if (n.return_bool) b->append(" bool");
      if (n.matching) {
        const VectorMatching& vm = *n.matching;
        absl::StrAppend(b, " card=", std::string(CardinalityString(vm.card)));
        if (vm.on) b->append(" on");
        if (!vm.matching_labels.empty()) Labels(b, "match", vm.matching_labels);
        if (!vm.include.empty()) Labels(b, "include", vm.include);
        if (vm.fill_lhs) absl::StrAppend(b, " filll=", parser::FormatFloatG(*vm.fill_lhs));
        if (vm.fill_rhs) absl::StrAppend(b, " fillr=", parser::FormatFloatG(*vm.fill_rhs));
      }
      b->push_back(' ');
      Dump(b, n.lhs.get());
      b->push_back(' ');
      Dump(b, n.rhs.get());
      b->push_back(')');
      break;
    }
    case NodeKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(*e);
      absl::StrAppend(b, "Unary(", u.op == UnaryOp::kMinus ? "-" : "+", " ");
      Dump(b, u.expr.get());
      b->push_back(')');
      break;
    }
    case NodeKind::kParen:
      b->append("Paren(");
      Dump(b, static_cast<const ParenExpr&>(*e).expr.get());
      b->push_back(')');
      break;
    case NodeKind::kDuration: {
      const auto& d = static_cast<const DurationExpr&>(*e);
      absl::StrAppend(b, "Dur(", std::string(DurationOpString(d.op)));
      if (d.wrapped) b->append(" wrapped");
      b->push_back(' ');
      Dump(b, d.lhs.get());
      b->push_back(' ');
      Dump(b, d.rhs.get());
      b->push_back(')');
      break;
    }
    case NodeKind::kStepInvariant:
      b->append("StepInvariant(");
      Dump(b, static_cast<const StepInvariantExpr&>(*e).expr.get());
      b->push_back(')');
      break;
  }
  Pos(b, e->Range());
}

}  // namespace

std::string DumpTree(const Expr& e) {
  std::string out;
  Dump(&out, &e);
  return out;
}

}  // namespace promlite::promql
