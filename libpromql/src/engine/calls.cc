// Function calls: dispatch between the range-vector driver, the functions
// with their own argument handling, and instant-vector functions.
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/annotations.h"
#include "engine/evaluator.h"
#include "engine/functions.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {
namespace {

absl::flat_hash_map<std::string_view, InstantFunction>& Registry() {
  static auto* m = new absl::flat_hash_map<std::string_view, InstantFunction>();
  return *m;
}

void Register(std::string_view name, InstantFunction f) { Registry()[name] = f; }

const absl::flat_hash_map<std::string_view, InstantFunction>& Functions() {
  static const auto& m = [] () -> absl::flat_hash_map<std::string_view, InstantFunction>& {
    RegisterMathFunctions(Register);
    RegisterDateFunctions(Register);
    RegisterVectorFunctions(Register);
    RegisterHistogramFunctions(Register);
    return Registry();
  }();
  return m;
}

bool IsSortFunction(std::string_view n) {
  return n == "sort" || n == "sort_desc" || n == "sort_by_label" || n == "sort_by_label_desc";
}

}  // namespace

InstantFunction FindInstantFunction(std::string_view name) {
  const auto& m = Functions();
  auto it = m.find(name);
  return it == m.end() ? nullptr : it->second;
}

int64_t GoFloatToInt64(double v) {
  if (std::isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) {
    return std::numeric_limits<int64_t>::min();
  }
  return static_cast<int64_t>(v);
}

absl::StatusOr<Value> Evaluator::EvalCall(const Call& call) {
  const std::string_view name = call.func->name;
  if ((name == "timestamp") && !call.args.empty()) {
    // A selector's sample timestamps are lost once it is evaluated into
    // step-aligned values, so timestamp() reads the selector itself.
    if (const auto* vs = call.args[0]->As<VectorSelector>()) return EvalTimestampOfSelector(call, *vs);
  }
  for (size_t i = 0; i < call.args.size(); i++) {
    NodeKind k = call.args[i]->kind();
    if (k == NodeKind::kMatrixSelector || k == NodeKind::kSubquery) return EvalRangeCall(call, i);
  }
  if (name == "label_replace") return EvalLabelReplace(call);
  if (name == "label_join") return EvalLabelJoin(call);
  if (name == "info") return EvalInfo(call);

  InstantFunction f = FindInstantFunction(name);
  if (!f) return absl::InternalError(absl::StrCat("unexpected nil implementation for function \"", std::string(name), "\""));
  if (IsSortFunction(name) && !single_step()) ctx_->annotations.Add(SortInRangeQueryWarning(call.Range()));

  std::vector<Value> args;
  args.reserve(call.args.size());
  for (const ExprPtr& a : call.args) {
    PL_ASSIGN_OR_RETURN(Value v, Eval(*a));
    args.push_back(std::move(v));
  }
  int64_t before = 0;
  for (const Value& v : args) {
    if (const Block* b = std::get_if<Block>(&v)) before += b->Points();
  }
  PL_ASSIGN_OR_RETURN(Block out, f(*this, call, args));
  // The arguments are released; the result is held.
  ctx_->SubSamples(before);
  PL_RETURN_IF_ERROR(ctx_->AddSamples(out.Points()));
  return Value(std::move(out));
}

absl::StatusOr<Block> MapValues(Evaluator& ev, Block in, double (*f)(double)) {
  for (size_t r = 0; r < in.rows(); r++) {
    double* v = in.val(r);
    const uint8_t* h = in.has(r);
    for (int i = 0, n = in.hi(r) - in.lo(r); i < n; i++) {
      if (h[i]) v[i] = f(v[i]);
    }
    RowMeta& m = in.meta(r);
    m.metric = ev.NameDropped(m.metric);
    m.drop_name = true;
  }
  if (!ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&in));
  return in;
}

}  // namespace promlite::promql::engine
