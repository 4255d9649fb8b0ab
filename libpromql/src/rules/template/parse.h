// Parsing a Go text/template into a Tree, as text/template/parse does.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "rules/template/tree.h"

namespace promlite::promql::tmpl {

// `has_function` tells whether an identifier names a function (Go checks
// this while parsing). Errors: "template: <name>:<line>: <what>".
absl::StatusOr<std::unique_ptr<Tree>> ParseTemplate(std::string_view name, std::string_view text,
                                                    const std::function<bool(std::string_view)>& has_function);

}  // namespace promlite::promql::tmpl
