// Binary operators. binop.cc: dispatch, scalar and vector/scalar
// operations and the element-wise arithmetic; binop_match.cc: vector
// matching (one-to-one, many-to-one, fill values) and the set operators.
#pragma once

#include "absl/status/statusor.h"
#include "engine/block.h"
#include "engine/evaluator.h"

namespace promlite::promql::engine {

// The value of `l op r` for float operands; false in *keep when a
// comparison is false. Returns false for operators not defined on floats
// (the histogram trimming operators).
bool ElemBinop(BinaryOp op, double l, double r, double* value, bool* keep);

// Arithmetic changes what a metric measures, so its name no longer applies.
bool ChangesMetricSchema(BinaryOp op);

absl::StatusOr<Block> VectorVectorBinop(Evaluator& ev, const BinaryExpr& e, const Block& lhs, const Block& rhs);

}  // namespace promlite::promql::engine
