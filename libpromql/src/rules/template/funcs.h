// The functions a template may call: Go's text/template built-ins and
// Prometheus' template functions, each with its Go parameter types (the
// executor converts and checks arguments as Go's reflection would).
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/promql/template.h"
#include "rules/template/value.h"

namespace promlite::promql::tmpl {

enum class ArgType {
  kAny,         // interface{}
  kString,      // string
  kSample,      // *template.sample
  kSampleList,  // template.queryResult
  kReflect,     // reflect.Value (built-ins that inspect any value)
};

std::string_view ArgTypeName(ArgType t);

struct FuncDef {
  std::vector<ArgType> params;  // for variadic functions the last is the element type
  bool variadic = false;
  // An error is reported as "error calling <name>: <message>".
  std::function<absl::StatusOr<Value>(std::vector<Value>& args, const TemplateEnv& env)> impl;
};

// nullptr for unknown names. "and" and "or" are defined (so they parse) but
// evaluated by the executor, which short-circuits them.
const FuncDef* LookupFunc(std::string_view name);


// Go's eq / lt on template values, shared with tests.
absl::StatusOr<bool> GoEq(const Value& a, const std::vector<Value>& others);
absl::StatusOr<bool> GoLess(const Value& a, const Value& b, bool or_equal);

}  // namespace promlite::promql::tmpl
