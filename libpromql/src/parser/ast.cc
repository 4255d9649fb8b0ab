#include "promlite/promql/ast.h"

#include <type_traits>

namespace promlite::promql {

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNone: return "none";
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "vector";
    case ValueType::kMatrix: return "matrix";
    case ValueType::kString: return "string";
  }
  return "none";
}

std::string_view DocumentedType(ValueType t) {
  switch (t) {
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    default: return ValueTypeName(t);
  }
}

std::string_view BinaryOpString(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kPow: return "^";
    case BinaryOp::kAtan2: return "atan2";
    case BinaryOp::kEql: return "==";
    case BinaryOp::kNeq: return "!=";
    case BinaryOp::kGtr: return ">";
    case BinaryOp::kLss: return "<";
    case BinaryOp::kGte: return ">=";
    case BinaryOp::kLte: return "<=";
    case BinaryOp::kTrimUpper: return "</";
    case BinaryOp::kTrimLower: return ">/";
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kOr: return "or";
    case BinaryOp::kUnless: return "unless";
  }
  return "?";
}

bool IsComparisonOp(BinaryOp op) {
  switch (op) {
    case BinaryOp::kEql: case BinaryOp::kNeq: case BinaryOp::kGtr:
    case BinaryOp::kLss: case BinaryOp::kGte: case BinaryOp::kLte:
      return true;
    default:
      return false;
  }
}

bool IsSetOp(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view AggregateOpString(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum: return "sum";
    case AggregateOp::kAvg: return "avg";
    case AggregateOp::kCount: return "count";
    case AggregateOp::kMin: return "min";
    case AggregateOp::kMax: return "max";
    case AggregateOp::kGroup: return "group";
    case AggregateOp::kStddev: return "stddev";
    case AggregateOp::kStdvar: return "stdvar";
    case AggregateOp::kTopk: return "topk";
    case AggregateOp::kBottomk: return "bottomk";
    case AggregateOp::kCountValues: return "count_values";
    case AggregateOp::kQuantile: return "quantile";
    case AggregateOp::kLimitk: return "limitk";
    case AggregateOp::kLimitRatio: return "limit_ratio";
  }
  return "?";
}

bool AggregateOpHasParam(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk: case AggregateOp::kBottomk: case AggregateOp::kCountValues:
    case AggregateOp::kQuantile: case AggregateOp::kLimitk: case AggregateOp::kLimitRatio:
      return true;
    default:
      return false;
  }
}

std::string_view DurationOpString(DurationOp op) {
  switch (op) {
    case DurationOp::kAdd: return "+";
    case DurationOp::kSub: return "-";
    case DurationOp::kMul: return "*";
    case DurationOp::kDiv: return "/";
    case DurationOp::kMod: return "%";
    case DurationOp::kPow: return "^";
    case DurationOp::kStep: return "step";
    case DurationOp::kRange: return "range";
    case DurationOp::kMinOf: return "min_of";
    case DurationOp::kMaxOf: return "max_of";
  }
  return "?";
}

std::string_view CardinalityString(VectorMatchCardinality c) {
  switch (c) {
    case VectorMatchCardinality::kOneToOne: return "one-to-one";
    case VectorMatchCardinality::kManyToOne: return "many-to-one";
    case VectorMatchCardinality::kOneToMany: return "one-to-many";
    case VectorMatchCardinality::kManyToMany: return "many-to-many";
  }
  return "?";
}

ValueType BinaryExpr::Type() const {
  if (lhs->Type() == ValueType::kScalar && rhs->Type() == ValueType::kScalar) return ValueType::kScalar;
  return ValueType::kVector;
}

PositionRange BinaryExpr::Range() const { return {lhs->Range().start, rhs->Range().end}; }

PositionRange DurationExpr::Range() const {
  if (!lhs && !rhs) return {start_pos, end_pos};
  if (!rhs) return {start_pos, lhs->Range().end};
  if (!lhs) return {start_pos, rhs->Range().end};
  return {lhs->Range().start, rhs->Range().end};
}

namespace {

template <typename E, typename Out>
void CollectChildren(E& e, Out* out) {
  switch (e.kind()) {
    case NodeKind::kAggregate: {
      auto& a = static_cast<std::conditional_t<std::is_const_v<E>, const AggregateExpr, AggregateExpr>&>(e);
      if (a.expr) out->push_back(a.expr.get());
      if (a.param) out->push_back(a.param.get());
      break;
    }
    case NodeKind::kBinary: {
      auto& b = static_cast<std::conditional_t<std::is_const_v<E>, const BinaryExpr, BinaryExpr>&>(e);
      out->push_back(b.lhs.get());
      out->push_back(b.rhs.get());
      break;
    }
    case NodeKind::kCall: {
      auto& c = static_cast<std::conditional_t<std::is_const_v<E>, const Call, Call>&>(e);
      for (auto& a : c.args) out->push_back(a.get());
      break;
    }
    case NodeKind::kSubquery:
      out->push_back(static_cast<std::conditional_t<std::is_const_v<E>, const SubqueryExpr, SubqueryExpr>&>(e).expr.get());
      break;
    case NodeKind::kParen:
      out->push_back(static_cast<std::conditional_t<std::is_const_v<E>, const ParenExpr, ParenExpr>&>(e).expr.get());
      break;
    case NodeKind::kUnary:
      out->push_back(static_cast<std::conditional_t<std::is_const_v<E>, const UnaryExpr, UnaryExpr>&>(e).expr.get());
      break;
    case NodeKind::kMatrixSelector:
      out->push_back(
          static_cast<std::conditional_t<std::is_const_v<E>, const MatrixSelector, MatrixSelector>&>(e).vector_selector.get());
      break;
    case NodeKind::kStepInvariant:
      out->push_back(
          static_cast<std::conditional_t<std::is_const_v<E>, const StepInvariantExpr, StepInvariantExpr>&>(e).expr.get());
      break;
    case NodeKind::kNumberLiteral:
    case NodeKind::kStringLiteral:
    case NodeKind::kVectorSelector:
    case NodeKind::kDuration:
      break;
  }
}

void InspectRec(const Expr& e, std::vector<const Expr*>* path, const InspectFn& fn) {
  if (!fn(e, *path)) return;
  path->push_back(&e);
  for (const Expr* c : Children(e)) {
    if (c) InspectRec(*c, path, fn);
  }
  path->pop_back();
}

}  // namespace

std::vector<const Expr*> Children(const Expr& e) {
  std::vector<const Expr*> out;
  CollectChildren(e, &out);
  return out;
}

std::vector<Expr*> Children(Expr& e) {
  std::vector<Expr*> out;
  CollectChildren(e, &out);
  return out;
}

void Inspect(const Expr& root, const InspectFn& fn) {
  std::vector<const Expr*> path;
  InspectRec(root, &path, fn);
}

std::vector<std::vector<tsdb::Matcher>> ExtractSelectors(const Expr& root) {
  std::vector<std::vector<tsdb::Matcher>> out;
  Inspect(root, [&](const Expr& n, const std::vector<const Expr*>&) {
    if (const auto* vs = n.As<VectorSelector>()) out.push_back(vs->matchers);
    return true;
  });
  return out;
}

}  // namespace promlite::promql
