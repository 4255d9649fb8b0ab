// The hidden re-checks of Prometheus' runner (execInstantEval /
// runInstantQuery in promqltest/test.go), which the scripts do not show but
// whose results they were written against.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "promlite/promql/ast.h"

namespace promlite::promql::promqltest {

// One extra run of an instant eval with `@` fixed on its selectors.
struct AtRun {
  std::string expr;  // the query with "@ t" added
  int64_t time = 0;  // when it runs
  std::string label;  // "-10t", "0", "t/5", "t", "10t", "-1s", "+1s"
};

// Adds `@ t` to every vector selector, range selector and subquery of `root`
// that is not inside a subquery and has no `@` of its own (`@ start()` and
// `@ end()` count as none, as upstream reads them before they are resolved),
// and returns the runs at -10t, 0, t/5, t, 10t (at -1s, 0, 1s when t = 0).
// Returns no runs when the query calls a function whose value depends on the
// evaluation time even with fixed inputs (time(), timestamp(), hour(), ...).
// Modifies `root`.
std::vector<AtRun> AtModifierRuns(Expr* root, int64_t t);

// Whether the query text calls start(), end(), range() or step(), whose
// values differ between an instant query and the range re-check.
bool UsesQueryContextFunctions(std::string_view query);

}  // namespace promlite::promql::promqltest
