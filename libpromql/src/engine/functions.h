// Functions over instant vectors and scalars. Each receives its evaluated
// arguments (strings as StringValue) and returns its result over all steps.
#pragma once

#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/block.h"
#include "engine/evaluator.h"

namespace promlite::promql::engine {

using InstantFunction = absl::StatusOr<Block> (*)(Evaluator& ev, const Call& call, std::vector<Value>& args);

// nullptr for functions handled elsewhere (range-vector functions,
// label_replace, label_join, info).
InstantFunction FindInstantFunction(std::string_view name);

// Registries of the files that implement the functions.
void RegisterMathFunctions(void (*reg)(std::string_view, InstantFunction));
void RegisterDateFunctions(void (*reg)(std::string_view, InstantFunction));
void RegisterVectorFunctions(void (*reg)(std::string_view, InstantFunction));
void RegisterHistogramFunctions(void (*reg)(std::string_view, InstantFunction));

// Applies f to every value of every row of `in` (a vector), marking rows as
// having lost their metric name.
absl::StatusOr<Block> MapValues(Evaluator& ev, Block in, double (*f)(double));

// Go's conversion of a float64 to int64 on amd64 (NaN and out of range give
// the minimum int64).
int64_t GoFloatToInt64(double v);

}  // namespace promlite::promql::engine
