// The PromQL abstract syntax tree.
//
// Nodes are plain structs owned through std::unique_ptr and tagged with a
// NodeKind, so an evaluator can switch on kind() and static_cast (or use
// As<T>()) without RTTI. The shape follows Prometheus' parser AST so that its
// semantics (and its printed forms, see printer.h) carry over one to one.
//
// Times in the tree are milliseconds (the unit of the whole project); values
// Prometheus keeps as Go durations in nanoseconds are truncated to
// milliseconds exactly as its engine does when it uses them.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promlite/tsdb/matcher.h"

namespace promlite::promql {

enum class ValueType : uint8_t { kNone, kScalar, kVector, kMatrix, kString };

// "scalar", "vector", "matrix", "string", "none" (Prometheus' ValueType).
std::string_view ValueTypeName(ValueType t);
// The user-facing name: "instant vector", "range vector", "scalar", ...
std::string_view DocumentedType(ValueType t);

// Byte offsets into the query, [start, end).
struct PositionRange {
  int32_t start = 0;
  int32_t end = 0;
  friend bool operator==(const PositionRange&, const PositionRange&) = default;
};

enum class BinaryOp : uint8_t {
  kAdd, kSub, kMul, kDiv, kMod, kPow, kAtan2,
  kEql, kNeq, kGtr, kLss, kGte, kLte,
  kTrimUpper,  // "</": trims the upper part of native histograms
  kTrimLower,  // ">/"
  kAnd, kOr, kUnless,
};
std::string_view BinaryOpString(BinaryOp op);
bool IsComparisonOp(BinaryOp op);  // == != > < >= <=
bool IsSetOp(BinaryOp op);         // and or unless

enum class AggregateOp : uint8_t {
  kSum, kAvg, kCount, kMin, kMax, kGroup, kStddev, kStdvar,
  kTopk, kBottomk, kCountValues, kQuantile, kLimitk, kLimitRatio,
};
std::string_view AggregateOpString(AggregateOp op);
// topk, bottomk, count_values, quantile, limitk, limit_ratio.
bool AggregateOpHasParam(AggregateOp op);

enum class UnaryOp : uint8_t { kPlus, kMinus };

// Operators of duration expressions (ranges, steps and offsets in 3.x).
enum class DurationOp : uint8_t {
  kAdd, kSub, kMul, kDiv, kMod, kPow,
  kStep,   // step(): the query's resolution
  kRange,  // range(): end - start of the query
  kMinOf,  // min_of(a, b)
  kMaxOf,  // max_of(a, b)
};
std::string_view DurationOpString(DurationOp op);

// "@ start()" / "@ end()".
enum class StartOrEnd : uint8_t { kNone, kStart, kEnd };

// A function of the language: signature and whether it is experimental. The
// full table lives in the parser; evaluators key their implementations on
// `name`.
struct Function {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types.size() arguments. n > 0: between size()-1 and
  // size()-1+n arguments, extra ones of the last type. -1: at least size()-1,
  // with no upper bound.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
  bool experimental = false;
};

enum class NodeKind : uint8_t {
  kNumberLiteral,
  kStringLiteral,
  kVectorSelector,
  kMatrixSelector,
  kSubquery,
  kCall,
  kAggregate,
  kBinary,
  kUnary,
  kParen,
  kDuration,
  kStepInvariant,
};

class Expr {
 public:
  virtual ~Expr() = default;
  NodeKind kind() const { return kind_; }
  // The type the expression evaluates to (valid after a successful parse).
  virtual ValueType Type() const = 0;
  // Where the expression is in the query; error and warning messages use it.
  virtual PositionRange Range() const { return pos; }

  template <typename T>
  T* As() { return kind_ == T::kKind ? static_cast<T*>(this) : nullptr; }
  template <typename T>
  const T* As() const { return kind_ == T::kKind ? static_cast<const T*>(this) : nullptr; }

  PositionRange pos;

 protected:
  explicit Expr(NodeKind k) : kind_(k) {}

 private:
  NodeKind kind_;
};

using ExprPtr = std::unique_ptr<Expr>;

struct NumberLiteral final : Expr {
  static constexpr NodeKind kKind = NodeKind::kNumberLiteral;
  NumberLiteral() : Expr(kKind) {}
  ValueType Type() const override { return ValueType::kScalar; }
  double value = 0;
  // Written as a duration ("5m"); value is then in seconds. Only affects printing.
  bool is_duration = false;
};

struct StringLiteral final : Expr {
  static constexpr NodeKind kKind = NodeKind::kStringLiteral;
  StringLiteral() : Expr(kKind) {}
  ValueType Type() const override { return ValueType::kString; }
  std::string value;
};

struct DurationExpr;

struct VectorSelector final : Expr {
  static constexpr NodeKind kKind = NodeKind::kVectorSelector;
  VectorSelector() : Expr(kKind) {}
  ValueType Type() const override { return ValueType::kVector; }

  // The metric name written before the braces ("" when none). When set, the
  // last matcher is __name__="<name>".
  std::string name;
  std::vector<tsdb::Matcher> matchers;
  // "offset 5m": the offset as written (negative for "offset -5m").
  int64_t offset_ms = 0;
  // "offset <duration expression>" (3.x); the evaluator resolves it.
  std::unique_ptr<DurationExpr> offset_expr;
  // "@ <timestamp>" in milliseconds, or "@ start()" / "@ end()".
  std::optional<int64_t> at_ms;
  StartOrEnd start_or_end = StartOrEnd::kNone;
  bool anchored = false;
  bool smoothed = false;
  // info()'s second argument may consist of matchers that all match "".
  bool bypass_empty_matcher_check = false;
};

struct MatrixSelector final : Expr {
  static constexpr NodeKind kKind = NodeKind::kMatrixSelector;
  MatrixSelector() : Expr(kKind) {}
  ValueType Type() const override { return ValueType::kMatrix; }
  // A VectorSelector in every tree the parser returns.
  VectorSelector& selector() { return *static_cast<VectorSelector*>(vector_selector.get()); }
  const VectorSelector& selector() const { return *static_cast<const VectorSelector*>(vector_selector.get()); }

  ExprPtr vector_selector;
  int64_t range_ms = 0;
  std::unique_ptr<DurationExpr> range_expr;  // "[5m + step()]"
};

struct SubqueryExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kSubquery;
  SubqueryExpr() : Expr(kKind) {}
  ValueType Type() const override { return ValueType::kMatrix; }
  ExprPtr expr;
  int64_t range_ms = 0;
  std::unique_ptr<DurationExpr> range_expr;
  int64_t step_ms = 0;  // 0: the default evaluation interval
  std::unique_ptr<DurationExpr> step_expr;
  int64_t offset_ms = 0;
  std::unique_ptr<DurationExpr> offset_expr;
  std::optional<int64_t> at_ms;
  StartOrEnd start_or_end = StartOrEnd::kNone;
};

struct Call final : Expr {
  static constexpr NodeKind kKind = NodeKind::kCall;
  Call() : Expr(kKind) {}
  ValueType Type() const override { return func ? func->return_type : ValueType::kNone; }
  const Function* func = nullptr;
  std::vector<ExprPtr> args;
};

struct AggregateExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kAggregate;
  AggregateExpr() : Expr(kKind) {}
  ValueType Type() const override { return ValueType::kVector; }
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk's k, quantile's φ, count_values' label, ...
  std::vector<std::string> grouping;
  bool without = false;
};

enum class VectorMatchCardinality : uint8_t { kOneToOne, kManyToOne, kOneToMany, kManyToMany };
std::string_view CardinalityString(VectorMatchCardinality c);  // "one-to-one", ...

struct VectorMatching {
  VectorMatchCardinality card = VectorMatchCardinality::kOneToOne;
  // on(...) / ignoring(...) labels.
  std::vector<std::string> matching_labels;
  bool on = false;
  // group_left(...) / group_right(...) labels.
  std::vector<std::string> include;
  // fill(v), fill_left(v), fill_right(v): values for series missing on one side.
  std::optional<double> fill_lhs;
  std::optional<double> fill_rhs;
};

struct BinaryExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kBinary;
  BinaryExpr() : Expr(kKind) {}
  ValueType Type() const override;
  PositionRange Range() const override;
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  // Set only when both operands are instant vectors.
  std::optional<VectorMatching> matching;
};

struct UnaryExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kUnary;
  UnaryExpr() : Expr(kKind) {}
  ValueType Type() const override { return expr->Type(); }
  PositionRange Range() const override { return {pos.start, expr->Range().end}; }
  UnaryOp op = UnaryOp::kMinus;
  ExprPtr expr;
};

struct ParenExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kParen;
  ParenExpr() : Expr(kKind) {}
  ValueType Type() const override { return expr->Type(); }
  ExprPtr expr;
};

// Arithmetic on durations inside ranges, steps and offsets: "[5m + step()]",
// "offset -(1h / 2)". Operands are NumberLiterals (seconds) or DurationExprs.
// A unary minus has only rhs; step()/range() have neither.
struct DurationExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kDuration;
  DurationExpr() : Expr(kKind) {}
  ValueType Type() const override { return ValueType::kScalar; }
  PositionRange Range() const override;
  DurationOp op = DurationOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool wrapped = false;  // written in parentheses
  int32_t start_pos = 0;  // of a unary operator, step(), range(), min_of/max_of
  int32_t end_pos = 0;
};

// Marks a subtree whose value does not depend on the evaluation step. Only
// evaluators create it (the parser never does).
struct StepInvariantExpr final : Expr {
  static constexpr NodeKind kKind = NodeKind::kStepInvariant;
  StepInvariantExpr() : Expr(kKind) {}
  ValueType Type() const override { return expr->Type(); }
  PositionRange Range() const override { return expr->Range(); }
  ExprPtr expr;
};

// The direct children of a node, in evaluation order (as Prometheus'
// Children(): duration expressions of ranges and offsets are not children).
std::vector<const Expr*> Children(const Expr& e);
std::vector<Expr*> Children(Expr& e);

// Depth-first pre-order traversal. `fn` gets each node and the path of its
// ancestors (root first); returning false skips the node's children.
using InspectFn = std::function<bool(const Expr& node, const std::vector<const Expr*>& path)>;
void Inspect(const Expr& root, const InspectFn& fn);

// The matcher lists of every vector selector, in traversal order.
std::vector<std::vector<tsdb::Matcher>> ExtractSelectors(const Expr& root);

}  // namespace promlite::promql
