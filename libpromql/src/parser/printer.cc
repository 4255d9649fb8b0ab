// Expr -> PromQL text, matching Prometheus' String() methods byte for byte.
#include "promlite/promql/printer.h"

#include <algorithm>
#include <cstdio>

#include "parser/go_format.h"
#include "promlite/tsdb/labels.h"

namespace promlite::promql {

using parser::AppendGoQuote;
using parser::FormatFloatF;
using parser::FormatFloatG;

namespace {

bool IsLegacyLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); i++) {
    const char c = s[i];
    const bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

void WriteLabels(std::string* b, const std::vector<std::string>& labels) {
  for (size_t i = 0; i < labels.size(); i++) {
    if (i > 0) b->append(", ");
    if (IsLegacyLabelName(labels[i])) {
      b->append(labels[i]);
    } else {
      AppendGoQuote(b, labels[i]);
    }
  }
}

std::string MsDuration(int64_t ms) { return parser::FormatDurationNs(ms * 1000000); }

void WriteOffset(std::string* b, int64_t offset_ms, const DurationExpr* offset_expr);
void WriteAt(std::string* b, const std::optional<int64_t>& at_ms, StartOrEnd soe) {
  if (at_ms) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " @ %.3f", static_cast<double>(*at_ms) / 1000.0);
    b->append(buf);
  } else if (soe == StartOrEnd::kStart) {
    b->append(" @ start()");
  } else if (soe == StartOrEnd::kEnd) {
    b->append(" @ end()");
  }
}

void WriteExpr(std::string* b, const Expr& e);

void WriteOffset(std::string* b, int64_t offset_ms, const DurationExpr* offset_expr) {
  if (offset_expr != nullptr) {
    b->append(" offset ");
    WriteExpr(b, *offset_expr);
  } else if (offset_ms > 0) {
    b->append(" offset ");
    b->append(MsDuration(offset_ms));
  } else if (offset_ms < 0) {
    b->append(" offset -");
    b->append(MsDuration(-offset_ms));
  }
}

std::string NumberString(const NumberLiteral& n) {
  if (n.is_duration) {
    // Go converts seconds*1e9 to a Duration by truncation.
    auto to_ns = [](double s) {
      double ns = s * 1e9;
      if (!(ns < 9.2e18)) return int64_t{9223372036854775807};
      return static_cast<int64_t>(ns);
    };
    if (n.value < 0) return "-" + parser::FormatDurationNs(to_ns(-n.value));
    return parser::FormatDurationNs(to_ns(n.value));
  }
  return FormatFloatF(n.value);
}

void WriteVectorSelectorCore(std::string* b, const VectorSelector& vs) {
  std::vector<std::string> parts;
  parts.reserve(vs.matchers.size());
  for (const tsdb::Matcher& m : vs.matchers) {
    // The name matcher is printed as the name, unless it is an explicit
    // empty name.
    if (m.name() == tsdb::kMetricName && m.type() == tsdb::MatchType::kEqual && m.value() == vs.name &&
        !m.value().empty()) {
      continue;
    }
    parts.push_back(FormatMatcher(m));
  }
  b->append(vs.name);
  if (!parts.empty()) {
    std::sort(parts.begin(), parts.end());
    b->push_back('{');
    for (size_t i = 0; i < parts.size(); i++) {
      if (i > 0) b->push_back(',');
      b->append(parts[i]);
    }
    b->push_back('}');
  }
}

void WriteDuration(std::string* b, const DurationExpr& d) {
  if (d.wrapped) b->push_back('(');
  switch (d.op) {
    case DurationOp::kStep:
      b->append("step()");
      break;
    case DurationOp::kRange:
      b->append("range()");
      break;
    case DurationOp::kMinOf:
    case DurationOp::kMaxOf:
      b->append(d.op == DurationOp::kMinOf ? "min_of(" : "max_of(");
      WriteExpr(b, *d.lhs);
      b->append(", ");
      WriteExpr(b, *d.rhs);
      b->push_back(')');
      break;
    default:
      if (!d.lhs) {
        // Unary: a minus is printed, a plus (from parentheses) is not.
        if (d.op == DurationOp::kSub) b->push_back('-');
        WriteExpr(b, *d.rhs);
      } else {
        WriteExpr(b, *d.lhs);
        b->push_back(' ');
        b->append(DurationOpString(d.op));
        b->push_back(' ');
        WriteExpr(b, *d.rhs);
      }
      break;
  }
  if (d.wrapped) b->push_back(')');
}

void WriteMatching(std::string* b, const BinaryExpr& n) {
  if (!n.matching) return;
  const VectorMatching& vm = *n.matching;
  const bool grouped = vm.card == VectorMatchCardinality::kManyToOne || vm.card == VectorMatchCardinality::kOneToMany;
  if (!vm.matching_labels.empty() || vm.on || grouped) {
    b->append(vm.on ? " on (" : " ignoring (");
    WriteLabels(b, vm.matching_labels);
    b->push_back(')');
  }
  if (grouped) {
    b->append(vm.card == VectorMatchCardinality::kManyToOne ? " group_left (" : " group_right (");
    WriteLabels(b, vm.include);
    b->push_back(')');
  }
  if (vm.fill_lhs || vm.fill_rhs) {
    if (vm.fill_lhs && vm.fill_rhs && *vm.fill_lhs == *vm.fill_rhs) {
      b->append(" fill (" + FormatFloatG(*vm.fill_lhs) + ")");
    } else {
      if (vm.fill_lhs) b->append(" fill_left (" + FormatFloatG(*vm.fill_lhs) + ")");
      if (vm.fill_rhs) b->append(" fill_right (" + FormatFloatG(*vm.fill_rhs) + ")");
    }
  }
}

void WriteAggregateHead(std::string* b, const AggregateExpr& a) {
  b->append(AggregateOpString(a.op));
  if (a.without) {
    b->append(" without (");
    WriteLabels(b, a.grouping);
    b->append(") ");
  } else if (!a.grouping.empty()) {
    b->append(" by (");
    WriteLabels(b, a.grouping);
    b->append(") ");
  }
}

void WriteRangeSuffix(std::string* b, int64_t range_ms, const DurationExpr* range_expr) {
  if (range_expr != nullptr) {
    WriteExpr(b, *range_expr);
  } else {
    b->append(MsDuration(range_ms));
  }
}

void WriteSubquerySuffix(std::string* b, const SubqueryExpr& s) {
  b->push_back('[');
  WriteRangeSuffix(b, s.range_ms, s.range_expr.get());
  b->push_back(':');
  if (s.step_ms != 0) {
    b->append(MsDuration(s.step_ms));
  } else if (s.step_expr) {
    WriteExpr(b, *s.step_expr);
  }
  b->push_back(']');
  WriteAt(b, s.at_ms, s.start_or_end);
  WriteOffset(b, s.offset_ms, s.offset_expr.get());
}

void WriteExpr(std::string* b, const Expr& e) {
  switch (e.kind()) {
    case NodeKind::kNumberLiteral:
      b->append(NumberString(static_cast<const NumberLiteral&>(e)));
      return;
    case NodeKind::kStringLiteral:
      AppendGoQuote(b, static_cast<const StringLiteral&>(e).value);
      return;
    case NodeKind::kVectorSelector: {
      const auto& vs = static_cast<const VectorSelector&>(e);
      WriteVectorSelectorCore(b, vs);
      WriteAt(b, vs.at_ms, vs.start_or_end);
      if (vs.anchored) {
        b->append(" anchored");
      } else if (vs.smoothed) {
        b->append(" smoothed");
      }
      WriteOffset(b, vs.offset_ms, vs.offset_expr.get());
      return;
    }
    case NodeKind::kMatrixSelector: {
      const auto& ms = static_cast<const MatrixSelector&>(e);
      const VectorSelector& vs = ms.selector();
      WriteVectorSelectorCore(b, vs);
      b->push_back('[');
      WriteRangeSuffix(b, ms.range_ms, ms.range_expr.get());
      b->push_back(']');
      if (vs.anchored) {
        b->append(" anchored");
      } else if (vs.smoothed) {
        b->append(" smoothed");
      }
      WriteAt(b, vs.at_ms, vs.start_or_end);
      WriteOffset(b, vs.offset_ms, vs.offset_expr.get());
      return;
    }
    case NodeKind::kSubquery: {
      const auto& s = static_cast<const SubqueryExpr&>(e);
      WriteExpr(b, *s.expr);
      WriteSubquerySuffix(b, s);
      return;
    }
    case NodeKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      b->append(c.func ? c.func->name : std::string_view("<unknown>"));
      b->push_back('(');
      for (size_t i = 0; i < c.args.size(); i++) {
        if (i > 0) b->append(", ");
        WriteExpr(b, *c.args[i]);
      }
      b->push_back(')');
      return;
    }
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      WriteAggregateHead(b, a);
      b->push_back('(');
      if (AggregateOpHasParam(a.op) && a.param) {
        WriteExpr(b, *a.param);
        b->append(", ");
      }
      if (a.expr) WriteExpr(b, *a.expr);
      b->push_back(')');
      return;
    }
    case NodeKind::kBinary: {
      const auto& n = static_cast<const BinaryExpr&>(e);
      WriteExpr(b, *n.lhs);
      b->push_back(' ');
      b->append(BinaryOpString(n.op));
      if (n.return_bool) b->append(" bool");
      WriteMatching(b, n);
      b->push_back(' ');
      WriteExpr(b, *n.rhs);
      return;
    }
    case NodeKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      b->push_back(u.op == UnaryOp::kMinus ? '-' : '+');
      WriteExpr(b, *u.expr);
      return;
    }
    case NodeKind::kParen:
      b->push_back('(');
      WriteExpr(b, *static_cast<const ParenExpr&>(e).expr);
      b->push_back(')');
      return;
    case NodeKind::kDuration:
      WriteDuration(b, static_cast<const DurationExpr&>(e));
      return;
    case NodeKind::kStepInvariant:
      WriteExpr(b, *static_cast<const StepInvariantExpr&>(e).expr);
      return;
  }
}

// Prettify (Prometheus' prettier.go): a node longer than 100 characters is
// split, its children indented by two spaces per level.
std::string Indent(int level) { return std::string(static_cast<size_t>(level) * 2, ' '); }

struct Prettifier {
  size_t max_line;
  bool NeedsSplit(const Expr& e) const { return Format(e).size() > max_line; }
  std::string Pretty(const Expr& e, int level) const;
};

std::string TrimSpace(std::string s) {
  size_t a = s.find_first_not_of(" \t\n\r");
  if (a == std::string::npos) return "";
  size_t z = s.find_last_not_of(" \t\n\r");
  return s.substr(a, z - a + 1);
}

std::string Prettifier::Pretty(const Expr& e, int level) const {
  switch (e.kind()) {
    case NodeKind::kAggregate: {
      const auto& a = static_cast<const AggregateExpr&>(e);
      std::string s = Indent(level);
      if (!NeedsSplit(e)) return s + Format(e);
      WriteAggregateHead(&s, a);
      s.append("(\n");
      if (AggregateOpHasParam(a.op) && a.param) s += Pretty(*a.param, level + 1) + ",\n";
      s += Pretty(*a.expr, level + 1) + "\n" + Indent(level) + ")";
      return s;
    }
    case NodeKind::kBinary: {
      const auto& n = static_cast<const BinaryExpr&>(e);
      if (!NeedsSplit(e)) return Indent(level) + Format(e);
      std::string op(BinaryOpString(n.op));
      if (n.return_bool) op += " bool";
      WriteMatching(&op, n);
      return Pretty(*n.lhs, level + 1) + "\n" + Indent(level) + op + "\n" + Pretty(*n.rhs, level + 1);
    }
    case NodeKind::kCall: {
      const auto& c = static_cast<const Call&>(e);
      if (!NeedsSplit(e)) return Indent(level) + Format(e);
      std::string s = Indent(level) + std::string(c.func ? c.func->name : "<unknown>") + "(\n";
      for (size_t i = 0; i < c.args.size(); i++) {
        if (i > 0) s += ",\n";
        s += Pretty(*c.args[i], level + 1);
      }
      return s + "\n" + Indent(level) + ")";
    }
    case NodeKind::kParen: {
      if (!NeedsSplit(e)) return Indent(level) + Format(e);
      return Indent(level) + "(\n" + Pretty(*static_cast<const ParenExpr&>(e).expr, level + 1) + "\n" +
             Indent(level) + ")";
    }
    case NodeKind::kSubquery: {
      const auto& s = static_cast<const SubqueryExpr&>(e);
      if (!NeedsSplit(e)) return Format(e);
      std::string out = Pretty(*s.expr, level);
      WriteSubquerySuffix(&out, s);
      return out;
    }
    case NodeKind::kUnary: {
      const auto& u = static_cast<const UnaryExpr&>(e);
      std::string child = TrimSpace(Pretty(*u.expr, level));
      return Indent(level) + (u.op == UnaryOp::kMinus ? "-" : "+") + child;
    }
    case NodeKind::kDuration: {
      // Duration expressions are never split.
      return Format(e);
    }
    case NodeKind::kStepInvariant:
      return Pretty(*static_cast<const StepInvariantExpr&>(e).expr, level);
    default:
      return Indent(level) + Format(e);
  }
}

}  // namespace

std::string FormatMatcher(const tsdb::Matcher& m) {
  std::string out;
  if (IsLegacyLabelName(m.name())) {
    out = m.name();
  } else {
    AppendGoQuote(&out, m.name());
  }
  out.append(tsdb::MatchTypeString(m.type()));
  AppendGoQuote(&out, m.value());
  return out;
}

std::string Format(const Expr& e) {
  std::string out;
  WriteExpr(&out, e);
  return out;
}

std::string Prettify(const Expr& e, size_t max_line) { return Prettifier{max_line}.Pretty(e, 0); }

}  // namespace promlite::promql
