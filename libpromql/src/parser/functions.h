// The table of PromQL functions (Prometheus 3.x): names, argument and return
// types, variadic arity and the experimental flag.
#pragma once

#include <string_view>
#include <vector>

#include "promlite/promql/ast.h"

namespace promlite::promql {

// The function called `name` (case-sensitive), or nullptr.
const Function* LookupFunction(std::string_view name);
// Every function, sorted by name.
const std::vector<const Function*>& AllFunctions();

}  // namespace promlite::promql
