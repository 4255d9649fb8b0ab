#include "engine/binop.h"

#include <cmath>

#include "engine/annotations.h"
#include "engine/labels_util.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {

bool ChangesMetricSchema(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: case BinaryOp::kSub: case BinaryOp::kMul: case BinaryOp::kDiv:
    case BinaryOp::kPow: case BinaryOp::kMod: case BinaryOp::kAtan2:
      return true;
    default:
      return false;
  }
}

bool ElemBinop(BinaryOp op, double l, double r, double* value, bool* keep) {
  *keep = true;
  switch (op) {
    case BinaryOp::kAdd: *value = l + r; return true;
    case BinaryOp::kSub: *value = l - r; return true;
    case BinaryOp::kMul: *value = l * r; return true;
    case BinaryOp::kDiv: *value = l / r; return true;
    case BinaryOp::kPow: *value = std::pow(l, r); return true;
    case BinaryOp::kMod: *value = std::fmod(l, r); return true;
    case BinaryOp::kAtan2: *value = std::atan2(l, r); return true;
    case BinaryOp::kEql: *value = l; *keep = l == r; return true;
    case BinaryOp::kNeq: *value = l; *keep = l != r; return true;
    case BinaryOp::kGtr: *value = l; *keep = l > r; return true;
    case BinaryOp::kLss: *value = l; *keep = l < r; return true;
    case BinaryOp::kGte: *value = l; *keep = l >= r; return true;
    case BinaryOp::kLte: *value = l; *keep = l <= r; return true;
    default:
      *keep = false;
      return false;
  }
}

namespace {

absl::StatusOr<Block> ScalarScalar(Evaluator& ev, const BinaryExpr& e, Block lhs, const Block& rhs) {
  double* v = lhs.val(0);
  for (int i = 0; i < ev.steps(); i++) {
    double value;
    bool keep;
    ElemBinop(e.op, v[i], rhs.Get(0, i), &value, &keep);
    // Comparisons between scalars always have `bool`.
    v[i] = IsComparisonOp(e.op) ? (keep ? 1 : 0) : value;
  }
  return lhs;
}

// `vec op scalar`, or `scalar op vec` when swapped.
absl::StatusOr<Block> VectorScalar(Evaluator& ev, const BinaryExpr& e, Block vec, const Block& scalar, bool swapped) {
  const bool cmp = IsComparisonOp(e.op);
  const bool renames = ChangesMetricSchema(e.op) || e.return_bool;
  bool unsupported = false;
  for (size_t r = 0; r < vec.rows(); r++) {
    double* v = vec.val(r);
    uint8_t* h = vec.has(r);
    for (int k = 0, n = vec.hi(r) - vec.lo(r); k < n; k++) {
      if (!h[k]) continue;
      double lf = v[k], rf = scalar.Get(0, vec.lo(r) + k);
      if (swapped) std::swap(lf, rf);
      double value;
      bool keep;
      if (!ElemBinop(e.op, lf, rf, &value, &keep)) {
        unsupported = true;
        h[k] = 0;
        continue;
      }
      // A comparison keeps the vector element's value, whichever side it is on.
      if (cmp && swapped) value = rf;
      if (e.return_bool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) {
        h[k] = 0;
        continue;
      }
      v[k] = value;
    }
    if (renames) {
      RowMeta& m = vec.meta(r);
      m.metric = ev.NameDropped(m.metric);
      m.drop_name = true;
    }
  }
  if (unsupported) {
    ev.ctx().annotations.Add(IncompatibleTypesInBinOpInfo("float", BinaryOpString(e.op), "float", e.Range()));
  }
  vec.DropEmptyRows();
  if (renames && !ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&vec));
  return vec;
}

}  // namespace

absl::StatusOr<Value> Evaluator::EvalBinary(const BinaryExpr& e) {
  const ValueType lt = e.lhs->Type(), rt = e.rhs->Type();
  PL_ASSIGN_OR_RETURN(Block lhs, EvalBlock(*e.lhs));
  PL_ASSIGN_OR_RETURN(Block rhs, EvalBlock(*e.rhs));
  const int64_t in_points = lhs.Points() + rhs.Points();
  Block out;
  if (lt == ValueType::kScalar && rt == ValueType::kScalar) {
    PL_ASSIGN_OR_RETURN(out, ScalarScalar(*this, e, std::move(lhs), rhs));
  } else if (lt == ValueType::kVector && rt == ValueType::kVector) {
    PL_ASSIGN_OR_RETURN(out, VectorVectorBinop(*this, e, lhs, rhs));
  } else if (lt == ValueType::kVector) {
    PL_ASSIGN_OR_RETURN(out, VectorScalar(*this, e, std::move(lhs), rhs, false));
  } else {
    PL_ASSIGN_OR_RETURN(out, VectorScalar(*this, e, std::move(rhs), lhs, true));
  }
  ctx_->SubSamples(in_points);
  PL_RETURN_IF_ERROR(ctx_->AddSamples(out.Points()));
  return Value(std::move(out));
}

}  // namespace promlite::promql::engine
