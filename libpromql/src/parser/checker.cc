// Type checking of a parsed tree, with Prometheus' rules, messages and error
// order (children before parents, as its checkAST).
#include "absl/strings/str_cat.h"
#include "parser/parser_impl.h"
#include "promlite/tsdb/labels.h"

namespace promlite::promql::parser {
namespace {

std::string DT(ValueType t) { return std::string(DocumentedType(t)); }

}  // namespace

void Parser::ExpectType(Expr* e, ValueType want, std::string_view context) {
  const ValueType t = Check(e);
  if (t != want) {
    AddError(e->Range(), absl::StrCat("expected type ", DT(want), " in ", std::string(context), ", got ", DT(t)));
  }
}

ValueType Parser::Check(Expr* e) {
  const ValueType type = e->Type();
  switch (e->kind()) {
    case NodeKind::kAggregate: {
      auto* a = static_cast<AggregateExpr*>(e);
      ExpectType(a->expr.get(), ValueType::kVector, "aggregation expression");
      switch (a->op) {
        case AggregateOp::kTopk: case AggregateOp::kBottomk: case AggregateOp::kQuantile:
        case AggregateOp::kLimitk: case AggregateOp::kLimitRatio:
          ExpectType(a->param.get(), ValueType::kScalar, "aggregation parameter");
          break;
        case AggregateOp::kCountValues:
          ExpectType(a->param.get(), ValueType::kString, "aggregation parameter");
          break;
        default:
          break;
      }
      break;
    }
    case NodeKind::kBinary:
      CheckBinary(static_cast<BinaryExpr*>(e));
      break;
    case NodeKind::kCall:
      CheckCall(static_cast<Call*>(e));
      break;
    case NodeKind::kParen:
      Check(static_cast<ParenExpr*>(e)->expr.get());
      break;
    case NodeKind::kUnary: {
      auto* u = static_cast<UnaryExpr*>(e);
      const ValueType t = Check(u->expr.get());
      if (t != ValueType::kScalar && t != ValueType::kVector) {
        AddError(u->Range(), absl::StrCat("unary expression only allowed on expressions of type scalar or "
                                          "instant vector, got ",
                                          Q(DocumentedType(t))));
      }
      break;
    }
    case NodeKind::kSubquery: {
      auto* sq = static_cast<SubqueryExpr*>(e);
      const ValueType t = Check(sq->expr.get());
      if (t != ValueType::kVector) {
        AddError(sq->Range(), absl::StrCat("subquery is only allowed on instant vector, got ",
                                           std::string(ValueTypeName(t)), " instead"));
      }
      break;
    }
    case NodeKind::kMatrixSelector:
      Check(static_cast<MatrixSelector*>(e)->vector_selector.get());
      break;
    case NodeKind::kVectorSelector:
      CheckVectorSelector(static_cast<VectorSelector*>(e));
      break;
    case NodeKind::kNumberLiteral:
    case NodeKind::kStringLiteral:
      break;
    case NodeKind::kStepInvariant:
      Check(static_cast<StepInvariantExpr*>(e)->expr.get());
      break;
    case NodeKind::kDuration:
      AddError(e->Range(), "unknown node type: *parser.DurationExpr");
      break;
  }
  return type;
}

void Parser::CheckBinary(BinaryExpr* n) {
  const ValueType lt = Check(n->lhs.get());
  const ValueType rt = Check(n->rhs.get());

  // The operator's position: between the operands, without surrounding blanks.
  auto op_range = [&]() {
    PositionRange r;
    r.start = n->lhs->Range().end;
    while (r.start < static_cast<int32_t>(input_.size()) && IsSpaceRune(input_[static_cast<size_t>(r.start)])) {
      r.start++;
    }
    r.end = n->rhs->Range().start - 1;
    while (r.end > 0 && IsSpaceRune(input_[static_cast<size_t>(r.end)])) r.end--;
    return r;
  };

  if (n->return_bool && !IsComparisonOp(n->op)) {
    AddError(op_range(), "bool modifier can only be used on comparison operators");
  }
  if (IsComparisonOp(n->op) && !n->return_bool && n->rhs->Type() == ValueType::kScalar &&
      n->lhs->Type() == ValueType::kScalar) {
    AddError(op_range(), "comparisons between scalars must use BOOL modifier");
  }
  VectorMatching* vm = n->matching ? &*n->matching : nullptr;
  if (vm && IsSetOp(n->op) && vm->card == VectorMatchCardinality::kOneToOne) {
    vm->card = VectorMatchCardinality::kManyToMany;
  }
  if (vm && vm->on) {
    for (const std::string& l1 : vm->matching_labels) {
      for (const std::string& l2 : vm->include) {
        if (l1 == l2) AddError(op_range(), "label " + Q(l1) + " must not occur in ON and GROUP clause at once");
      }
    }
  }
  if (lt != ValueType::kScalar && lt != ValueType::kVector) {
    AddError(n->lhs->Range(), "binary expression must contain only scalar and instant vector types");
  }
  if (rt != ValueType::kScalar && rt != ValueType::kVector) {
    AddError(n->rhs->Range(), "binary expression must contain only scalar and instant vector types");
  }
  if ((lt != ValueType::kVector || rt != ValueType::kVector) && vm) {
    if (!vm->matching_labels.empty()) {
      AddError(n->Range(), "vector matching only allowed between instant vectors");
    }
    if (vm->fill_lhs || vm->fill_rhs) {
      AddError(n->Range(), "filling in missing series only allowed between instant vectors");
    }
    n->matching.reset();
  } else if (vm && IsSetOp(n->op)) {
    if (vm->card == VectorMatchCardinality::kOneToMany || vm->card == VectorMatchCardinality::kManyToOne) {
      AddError(n->Range(), "no grouping allowed for " + Q(BinaryOpString(n->op)) + " operation");
    }
    if (vm->card != VectorMatchCardinality::kManyToMany) {
      AddError(n->Range(), "set operations must always be many-to-many");
    }
    if (vm->fill_lhs || vm->fill_rhs) {
      AddError(n->Range(), "filling in missing series not allowed for set operators");
    }
  }
  if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOp(n->op)) {
    AddError(n->Range(), "set operator " + Q(BinaryOpString(n->op)) + " not allowed in binary scalar expression");
  }
}

void Parser::CheckCall(Call* n) {
  const Function* f = n->func;
  const int nargs = static_cast<int>(f->arg_types.size());
  const int got = static_cast<int>(n->args.size());
  if (f->variadic == 0) {
    if (nargs != got) {
      AddError(n->Range(), absl::StrCat("expected ", nargs, " argument(s) in call to ", Q(f->name), ", got ", got));
    }
  } else {
    const int na = nargs - 1;
    if (na > got) {
      AddError(n->Range(),
               absl::StrCat("expected at least ", na, " argument(s) in call to ", Q(f->name), ", got ", got));
    } else if (const int max = na + f->variadic; f->variadic > 0 && max < got) {
      AddError(n->Range(),
               absl::StrCat("expected at most ", max, " argument(s) in call to ", Q(f->name), ", got ", got));
    }
  }

  if (f->name == "info" && got > 1) {
    Expr* arg = n->args[1].get();
    if (arg->Type() != ValueType::kVector) {
      AddError(n->Range(), absl::StrCat("expected type ", DT(ValueType::kVector), " in call to function ",
                                        Q(f->name), ", got ", DT(arg->Type())));
    }
    auto* vs = arg->As<VectorSelector>();
    if (vs != nullptr && !vs->name.empty()) {
      AddError(arg->Range(), "expected label selectors only, got vector selector instead");
    } else if (vs != nullptr) {
      vs->bypass_empty_matcher_check = true;
    } else {
      AddError(arg->Range(), "expected label selectors only");
    }
  }

  for (int i = 0; i < got; i++) {
    int ti = i;
    if (i >= nargs) {
      // Extra arguments of a non-variadic function are not type checked.
      if (f->variadic == 0) break;
      ti = nargs - 1;
    }
    Expr* arg = n->args[static_cast<size_t>(i)].get();
    const ValueType t = Check(arg);
    if (t != f->arg_types[static_cast<size_t>(ti)]) {
      AddError(arg->Range(), absl::StrCat("expected type ", DT(f->arg_types[static_cast<size_t>(ti)]),
                                          " in call to function ", Q(f->name), ", got ", DT(t)));
    }
  }
}

void Parser::CheckVectorSelector(VectorSelector* n) {
  if (!n->name.empty()) {
    // The last matcher is the one for the name written before the braces.
    for (size_t i = 0; i + 1 < n->matchers.size(); i++) {
      if (n->matchers[i].name() == tsdb::kMetricName) {
        AddError(n->Range(), "metric name must not be set twice: " + Q(n->name) + " or " + Q(n->matchers[i].value()));
      }
    }
    return;
  }
  if (n->bypass_empty_matcher_check) return;
  // At least one matcher must reject the empty value, so that a typo cannot
  // select every series.
  for (const tsdb::Matcher& m : n->matchers) {
    if (!m.Matches("")) return;
  }
  AddError(n->Range(), "vector selector must contain at least one non-empty matcher");
}

}  // namespace promlite::promql::parser
