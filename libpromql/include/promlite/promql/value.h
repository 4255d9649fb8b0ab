// Values PromQL evaluates to: scalars, strings, instant vectors and range
// vectors (matrices), plus the annotations (warnings, infos) of a query.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "promlite/promql/ast.h"
#include "promlite/tsdb/labels.h"

namespace promlite::promql {

// A float point of a range vector / matrix series.
struct FPoint {
  int64_t t = 0;  // milliseconds
  double f = 0;
  friend bool operator==(const FPoint&, const FPoint&) = default;
};

// One element of an instant vector: a series' value at the evaluation time.
struct Sample {
  tsdb::Labels metric;
  int64_t t = 0;
  double f = 0;
};

// One series of a matrix, its points in time order.
struct Series {
  tsdb::Labels metric;
  std::vector<FPoint> floats;
};

using Vector = std::vector<Sample>;
using Matrix = std::vector<Series>;

struct Scalar {
  int64_t t = 0;
  double v = 0;
};

struct String {
  int64_t t = 0;
  std::string v;
};

using Value = std::variant<std::monostate, Scalar, String, Vector, Matrix>;

// The type of a Value (kNone for monostate).
ValueType TypeOf(const Value& v);

// Warnings and infos collected while evaluating, formatted as Prometheus
// returns them: "PromQL warning: <text> (<line>:<col>)" / "PromQL info: ...".
struct Annotations {
  std::vector<std::string> warnings;
  std::vector<std::string> infos;
  void Merge(const Annotations& o);
  bool empty() const { return warnings.empty() && infos.empty(); }
};

}  // namespace promlite::promql
