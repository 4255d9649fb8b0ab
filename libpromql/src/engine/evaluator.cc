#include "engine/evaluator.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/labels_util.h"
#include "engine/preprocess.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {
namespace {

// Deeper recursion than the parser allows means a tree built by hand;
// refuse it rather than risk the stack.
constexpr int kMaxEvalDepth = 2000;

absl::Status SameLabelsetError() {
  return ExecutionError("vector cannot contain metrics with the same labelset");
}

}  // namespace

Evaluator::Evaluator(QueryContext* ctx, int64_t start, int64_t end, int64_t interval)
    : ctx_(ctx), start_(start), end_(end), interval_(interval) {
  steps_ = end < start ? 0 : static_cast<int>((end - start) / interval) + 1;
}

absl::StatusOr<Value> Evaluator::Eval(const Expr& e) {
  PL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
  if (end_ < start_) return Value(Block(0));
  if (++depth_ > kMaxEvalDepth) {
    depth_--;
    return ExecutionError("query is too deeply nested to evaluate");
  }
  auto v = EvalNode(e);
  depth_--;
  return v;
}

absl::StatusOr<Block> Evaluator::EvalBlock(const Expr& e) {
  PL_ASSIGN_OR_RETURN(Value v, Eval(e));
  if (auto* b = std::get_if<Block>(&v)) return std::move(*b);
  return absl::InternalError(absl::StrCat("expected an instant vector or scalar, got a ",
                                          std::holds_alternative<RangeBlock>(v) ? "range vector" : "string"));
}

absl::StatusOr<Value> Evaluator::EvalNode(const Expr& e) {
  switch (e.kind()) {
    case NodeKind::kNumberLiteral:
      return EvalNumber(static_cast<const NumberLiteral&>(e));
    case NodeKind::kStringLiteral:
      return Value(StringValue{static_cast<const StringLiteral&>(e).value});
    case NodeKind::kParen:
      return Eval(*static_cast<const ParenExpr&>(e).expr);
    case NodeKind::kUnary:
      return EvalUnary(static_cast<const UnaryExpr&>(e));
    case NodeKind::kBinary:
      return EvalBinary(static_cast<const BinaryExpr&>(e));
    case NodeKind::kCall:
      return EvalCall(static_cast<const Call&>(e));
    case NodeKind::kAggregate:
      return EvalAggregate(static_cast<const AggregateExpr&>(e));
    case NodeKind::kVectorSelector:
      return EvalVectorSelector(static_cast<const VectorSelector&>(e));
    case NodeKind::kMatrixSelector:
      if (!single_step()) return absl::InternalError("cannot do range evaluation of matrix selector");
      return EvalMatrixSelector(static_cast<const MatrixSelector&>(e));
    case NodeKind::kSubquery: {
      PL_ASSIGN_OR_RETURN(RangeBlock r, RunSubquery(static_cast<const SubqueryExpr&>(e)));
      return Value(std::move(r));
    }
    case NodeKind::kStepInvariant:
      return EvalStepInvariant(static_cast<const StepInvariantExpr&>(e));
    case NodeKind::kDuration:
      break;
  }
  return absl::InternalError("unhandled expression");
}

absl::StatusOr<Value> Evaluator::EvalNumber(const NumberLiteral& n) {
  PL_RETURN_IF_ERROR(ctx_->AddSamples(steps_));
  return Value(Block::Scalar(steps_, n.value));
}

absl::StatusOr<Value> Evaluator::EvalUnary(const UnaryExpr& u) {
  PL_ASSIGN_OR_RETURN(Value v, Eval(*u.expr));
  if (u.op != UnaryOp::kMinus) return v;
  Block& b = std::get<Block>(v);
  bool is_vector = u.expr->Type() == ValueType::kVector;
  for (size_t r = 0; r < b.rows(); r++) {
    double* vals = b.val(r);
    for (int i = 0, n = b.hi(r) - b.lo(r); i < n; i++) vals[i] = -vals[i];
    if (is_vector) {
      RowMeta& m = b.meta(r);
      if (!delayed_names()) m.metric = DropMetadata(m.metric);
      m.drop_name = true;
    }
  }
  if (is_vector && !delayed_names()) PL_RETURN_IF_ERROR(MergeSameLabels(&b));
  return v;
}

absl::StatusOr<Value> Evaluator::EvalStepInvariant(const StepInvariantExpr& e) {
  Evaluator child(ctx_, start_, start_, interval_);
  PL_ASSIGN_OR_RETURN(Value v, child.Eval(*e.expr));
  NodeKind k = e.expr->kind();
  if (k == NodeKind::kMatrixSelector || k == NodeKind::kSubquery) return v;
  Block* one = std::get_if<Block>(&v);
  if (!one) return v;
  if (steps_ == 1) return v;
  // The value is the same at every step; only its timestamp changes.
  Block out(steps_);
  out.Reserve(one->rows(), one->rows() * steps_);
  int64_t added = 0;
  for (size_t r = 0; r < one->rows(); r++) {
    if (!one->Has(r, 0)) continue;
    size_t n = out.AddRow(one->meta(r).metric, one->meta(r).drop_name);
    double x = one->Get(r, 0);
    double* vals = out.val(n);
    uint8_t* has = out.has(n);
    for (int i = 0; i < steps_; i++) {
      vals[i] = x;
      has[i] = 1;
    }
    added += steps_ - 1;
  }
  PL_RETURN_IF_ERROR(ctx_->AddSamples(added));
  return Value(std::move(out));
}

absl::StatusOr<RangeBlock> Evaluator::RunSubquery(const SubqueryExpr& sq) {
  int64_t offset = ctx_->OffsetOf(&sq, sq.offset_ms);
  int64_t range = sq.range_ms;
  // The parent only consumes its last aligned step, so the subquery stops there.
  int64_t parent_end = end_;
  if (interval_ > 0) parent_end = start_ + ((end_ - start_) / interval_) * interval_;
  int64_t sub_end = parent_end - offset;
  int64_t sub_interval = sq.step_ms != 0 ? sq.step_ms : ctx_->default_subquery_step_ms;
  // The first step-aligned timestamp after start - offset - range.
  int64_t lower = start_ - offset - range;
  int64_t sub_start = sub_interval * (lower / sub_interval);
  if (sub_start <= lower) sub_start += sub_interval;
  if (sub_start != start_) SetOffsetsForAtModifier(sub_start, *sq.expr, ctx_);

  Evaluator child(ctx_, sub_start, sub_end, sub_interval);
  PL_ASSIGN_OR_RETURN(Block b, child.EvalBlock(*sq.expr));
  return child.BlockToRange(b);
}

RangeBlock Evaluator::BlockToRange(const Block& b) const {
  RangeBlock out;
  out.reserve(b.rows());
  for (size_t r = 0; r < b.rows(); r++) {
    RangeRow row{b.meta(r).metric, b.meta(r).drop_name, {}};
    const double* v = b.val(r);
    const uint8_t* h = b.has(r);
    for (int i = 0, lo = b.lo(r), n = b.hi(r) - lo; i < n; i++) {
      if (h[i]) row.pts.push_back(tsdb::Sample{TimeAt(lo + i), v[i]});
    }
    if (!row.pts.empty()) out.push_back(std::move(row));
  }
  return out;
}

// ---- shared helpers ----

absl::StatusOr<std::vector<SelectedSeries>> Evaluator::Select(const std::vector<tsdb::Matcher>& matchers,
                                                              int64_t mint, int64_t maxt, int64_t range_ms,
                                                              std::string_view func) {
  tsdb::SelectHints hints;
  hints.start = mint;
  hints.end = maxt;
  hints.step_ms = interval_;
  hints.range_ms = range_ms;
  hints.func = std::string(func);
  std::unique_ptr<tsdb::SeriesSet> set = ctx_->querier->Select(false, &hints, matchers);
  std::vector<SelectedSeries> out;
  size_t n = 0;
  while (set->Next()) {
    if ((++n & 1023) == 0) PL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    const tsdb::Series& s = set->At();
    out.push_back(SelectedSeries{s.labels(), s.Iterator()});
  }
  for (const std::string& w : set->Warnings()) {
    Annotation a;
    a.text = w;
    a.pos = PositionRange{-1, -1};
    ctx_->annotations.Add(std::move(a));
  }
  absl::Status st = set->Err();
  if (!st.ok()) return absl::Status(st.code(), absl::StrCat("expanding series: ", st.message()));
  return out;
}

void Evaluator::ParallelFor(size_t n, size_t work_units, const std::function<void(size_t)>& fn) {
  // Below this much work the threads cost more than they save.
  constexpr size_t kMinParallelWork = 200000;
  if (ctx_->pool == nullptr || ctx_->parallelism <= 1 || n < 2 || work_units < kMinParallelWork) {
    for (size_t i = 0; i < n; i++) fn(i);
    return;
  }
  ctx_->pool->ParallelFor(n, ctx_->parallelism, fn);
}

tsdb::Labels Evaluator::NameDropped(const tsdb::Labels& l) const {
  return delayed_names() ? l : DropMetadata(l);
}

absl::Status Evaluator::CheckNoDuplicateLabels(const Block& b) {
  if (b.rows() < 2) return absl::OkStatus();
  absl::flat_hash_map<tsdb::Labels, size_t> seen;
  seen.reserve(b.rows());
  for (size_t r = 0; r < b.rows(); r++) {
    if (!seen.emplace(b.meta(r).metric, r).second) return SameLabelsetError();
  }
  return absl::OkStatus();
}

absl::Status Evaluator::MergeSameLabels(Block* b) {
  if (b->rows() < 2) return absl::OkStatus();
  absl::flat_hash_map<tsdb::Labels, size_t> first;
  first.reserve(b->rows());
  std::vector<uint8_t> keep(b->rows(), 1);
  bool merged = false;
  for (size_t r = 0; r < b->rows(); r++) {
    auto [it, inserted] = first.emplace(b->meta(r).metric, r);
    if (inserted) continue;
    size_t base = it->second;
    b->Widen(base, b->lo(r), b->hi(r));
    for (int i = b->lo(r); i < b->hi(r); i++) {
      if (!b->Has(r, i)) continue;
      if (b->Has(base, i)) return SameLabelsetError();
      b->Set(base, i, b->Get(r, i));
    }
    keep[r] = 0;
    merged = true;
  }
  if (merged) b->KeepRows(keep);
  return absl::OkStatus();
}

absl::Status Evaluator::DedupeRangeEvalRows(Block* b) {
  if (single_step()) {
    if (!delayed_names()) return CheckNoDuplicateLabels(*b);
    return absl::OkStatus();
  }
  return MergeSameLabels(b);
}

}  // namespace promlite::promql::engine
