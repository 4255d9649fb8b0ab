// Executing a parsed template (Go's text/template exec.go semantics, with
// missingkey=zero as Prometheus sets it).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "promlite/promql/template.h"
#include "rules/template/tree.h"
#include "rules/template/value.h"

namespace promlite::promql::tmpl {

// Output beyond this is an error rather than memory exhaustion.
inline constexpr size_t kMaxOutputBytes = 4 << 20;

absl::StatusOr<std::string> Execute(const Tree& tree, const Value& data, const TemplateEnv& env);

}  // namespace promlite::promql::tmpl
