// Early-return helpers for absl::Status / absl::StatusOr inside the engine.
#pragma once

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#include <string>
#include <string_view>

#define PL_CONCAT_INNER(a, b) a##b
#define PL_CONCAT(a, b) PL_CONCAT_INNER(a, b)

#define PL_RETURN_IF_ERROR(expr)                    \
  do {                                              \
    ::absl::Status pl_status_ = (expr);             \
    if (!pl_status_.ok()) return pl_status_;        \
  } while (0)

#define PL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return std::move(tmp).status(); \
  lhs = std::move(tmp).value()

#define PL_ASSIGN_OR_RETURN(lhs, expr) PL_ASSIGN_OR_RETURN_IMPL(PL_CONCAT(pl_statusor_, __LINE__), lhs, expr)

namespace promlite::promql::engine {

// An error raised while evaluating a query (Prometheus' "execution" error
// type). Errors in the query itself, found before evaluation, are
// InvalidArgument instead.
inline absl::Status ExecutionError(std::string_view msg) { return absl::FailedPreconditionError(std::string(msg)); }

}  // namespace promlite::promql::engine
