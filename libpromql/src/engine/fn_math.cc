// Element-wise math functions, clamping and rounding, and the functions
// that build scalars and vectors (time, pi, vector, scalar, absent, ...).
#include <cmath>
#include <limits>

#include "engine/functions.h"
#include "engine/gomath.h"
#include "engine/labels_util.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {

tsdb::Labels LabelsForAbsent(const Expr& e);

namespace {

constexpr double kPi = 3.14159265358979323846264338327950288419716939937510582097494459;

Block& B(std::vector<Value>& args, size_t i) { return std::get<Block>(args[i]); }

template <double (*F)(double)>
absl::StatusOr<Block> Map(Evaluator& ev, const Call&, std::vector<Value>& args) {
  return MapValues(ev, std::move(B(args, 0)), F);
}

double Abs(double v) { return std::fabs(v); }
double Ceil(double v) { return std::ceil(v); }
double Floor(double v) { return std::floor(v); }
double Exp(double v) { return std::exp(v); }
double Sqrt(double v) { return std::sqrt(v); }
double Ln(double v) { return std::log(v); }
double Log2(double v) { return std::log2(v); }
double Log10(double v) { return std::log10(v); }
double Sin(double v) { return std::sin(v); }
double Cos(double v) { return std::cos(v); }
double Tan(double v) { return std::tan(v); }
double Asin(double v) { return std::asin(v); }
double Acos(double v) { return std::acos(v); }
double Atan(double v) { return std::atan(v); }
double Sinh(double v) { return std::sinh(v); }
double Cosh(double v) { return std::cosh(v); }
double Tanh(double v) { return std::tanh(v); }
double Asinh(double v) { return std::asinh(v); }
double Acosh(double v) { return std::acosh(v); }
double Atanh(double v) { return std::atanh(v); }
double Rad(double v) { return v * kPi / 180; }
double Deg(double v) { return v * 180 / kPi; }
double Sgn(double v) {
  if (v < 0) return -1;
  if (v > 0) return 1;
  return v;  // keeps 0, -0 and NaN
}

// clamp(v, min, max) with per-step bounds; no output at a step where max < min.
absl::StatusOr<Block> ClampImpl(Evaluator& ev, Block in, const Block* lo, const Block* hi) {
  const double inf = std::numeric_limits<double>::infinity();
  for (size_t r = 0; r < in.rows(); r++) {
    double* v = in.val(r);
    uint8_t* h = in.has(r);
    for (int k = 0, n = in.hi(r) - in.lo(r); k < n; k++) {
      if (!h[k]) continue;
      const int i = in.lo(r) + k;
      double mn = lo ? lo->Get(0, i) : -inf;
      double mx = hi ? hi->Get(0, i) : inf;
      if (mx < mn) {
        h[k] = 0;
        continue;
      }
      v[k] = GoMax(mn, GoMin(mx, v[k]));
    }
    RowMeta& m = in.meta(r);
    m.metric = ev.NameDropped(m.metric);
    m.drop_name = true;
  }
  in.DropEmptyRows();
  if (!ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&in));
  return in;
}

absl::StatusOr<Block> Clamp(Evaluator& ev, const Call&, std::vector<Value>& args) {
  return ClampImpl(ev, std::move(B(args, 0)), &B(args, 1), &B(args, 2));
}
absl::StatusOr<Block> ClampMax(Evaluator& ev, const Call&, std::vector<Value>& args) {
  return ClampImpl(ev, std::move(B(args, 0)), nullptr, &B(args, 1));
}
absl::StatusOr<Block> ClampMin(Evaluator& ev, const Call&, std::vector<Value>& args) {
  return ClampImpl(ev, std::move(B(args, 0)), &B(args, 1), nullptr);
}

absl::StatusOr<Block> Round(Evaluator& ev, const Call&, std::vector<Value>& args) {
  Block in = std::move(B(args, 0));
  const Block* to = args.size() > 1 ? &B(args, 1) : nullptr;
  for (size_t r = 0; r < in.rows(); r++) {
    double* v = in.val(r);
    const uint8_t* h = in.has(r);
    for (int k = 0, n = in.hi(r) - in.lo(r); k < n; k++) {
      if (!h[k]) continue;
      double to_nearest = to ? to->Get(0, in.lo(r) + k) : 1;
      // Dividing by the inverse loses less precision than multiplying.
      double inverse = 1.0 / to_nearest;
      v[k] = std::floor(v[k] * inverse + 0.5) / inverse;
    }
    RowMeta& m = in.meta(r);
    m.metric = ev.NameDropped(m.metric);
    m.drop_name = true;
  }
  if (!ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&in));
  return in;
}

absl::StatusOr<Block> Time(Evaluator& ev, const Call&, std::vector<Value>&) {
  Block b = Block::Scalar(ev.steps(), 0);
  for (int i = 0; i < ev.steps(); i++) b.val(0)[i] = static_cast<double>(ev.TimeAt(i)) / 1000;
  return b;
}

absl::StatusOr<Block> Pi(Evaluator& ev, const Call&, std::vector<Value>&) { return Block::Scalar(ev.steps(), kPi); }

absl::StatusOr<Block> MinOf(Evaluator&, const Call&, std::vector<Value>& args) {
  Block a = std::move(B(args, 0));
  const Block& b = B(args, 1);
  for (int i = 0; i < a.steps(); i++) a.val(0)[i] = GoMin(a.Get(0, i), b.Get(0, i));
  return a;
}

absl::StatusOr<Block> MaxOf(Evaluator&, const Call&, std::vector<Value>& args) {
  Block a = std::move(B(args, 0));
  const Block& b = B(args, 1);
  for (int i = 0; i < a.steps(); i++) a.val(0)[i] = GoMax(a.Get(0, i), b.Get(0, i));
  return a;
}

absl::StatusOr<Block> VectorFn(Evaluator&, const Call&, std::vector<Value>& args) {
  // The scalar's single unlabelled row is already the vector.
  Block b = std::move(B(args, 0));
  return b;
}

absl::StatusOr<Block> ScalarFn(Evaluator& ev, const Call&, std::vector<Value>& args) {
  const Block& in = B(args, 0);
  Block out = Block::Scalar(ev.steps(), std::numeric_limits<double>::quiet_NaN());
  std::vector<int> count(ev.steps(), 0);
  for (size_t r = 0; r < in.rows(); r++) {
    for (int i = in.lo(r); i < in.hi(r); i++) {
      if (!in.Has(r, i)) continue;
      if (count[i]++ == 0) out.val(0)[i] = in.Get(r, i);
    }
  }
  for (int i = 0; i < ev.steps(); i++) {
    if (count[i] != 1) out.val(0)[i] = std::numeric_limits<double>::quiet_NaN();
  }
  return out;
}

absl::StatusOr<Block> Absent(Evaluator& ev, const Call& call, std::vector<Value>& args) {
  const Block& in = B(args, 0);
  std::vector<uint8_t> present(ev.steps(), 0);
  for (size_t r = 0; r < in.rows(); r++) {
    const uint8_t* h = in.has(r);
    for (int k = 0, n = in.hi(r) - in.lo(r); k < n; k++) present[in.lo(r) + k] |= h[k];
  }
  Block out(ev.steps());
  size_t row = out.AddRow(LabelsForAbsent(*call.args[0]), false);
  for (int i = 0; i < ev.steps(); i++) {
    if (!present[i]) out.Set(row, i, 1);
  }
  out.DropEmptyRows();
  return out;
}

absl::StatusOr<Block> TimestampFn(Evaluator& ev, const Call&, std::vector<Value>& args) {
  // The samples of an evaluated expression carry the step's time.
  Block in = std::move(B(args, 0));
  for (size_t r = 0; r < in.rows(); r++) {
    double* v = in.val(r);
    for (int k = 0, n = in.hi(r) - in.lo(r); k < n; k++) v[k] = static_cast<double>(ev.TimeAt(in.lo(r) + k)) / 1000;
    RowMeta& m = in.meta(r);
    m.metric = ev.NameDropped(m.metric);
    m.drop_name = true;
  }
  if (!ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&in));
  return in;
}

// Functions that only act on native histograms (or on start timestamps,
// which promlite's storage does not keep) have no output for float samples.
absl::StatusOr<Block> NoFloatOutput(Evaluator& ev, const Call&, std::vector<Value>&) { return Block(ev.steps()); }

}  // namespace

void RegisterMathFunctions(void (*reg)(std::string_view, InstantFunction)) {
  reg("abs", Map<Abs>);
  reg("ceil", Map<Ceil>);
  reg("floor", Map<Floor>);
  reg("exp", Map<Exp>);
  reg("sqrt", Map<Sqrt>);
  reg("ln", Map<Ln>);
  reg("log2", Map<Log2>);
  reg("log10", Map<Log10>);
  reg("sin", Map<Sin>);
  reg("cos", Map<Cos>);
  reg("tan", Map<Tan>);
  reg("asin", Map<Asin>);
  reg("acos", Map<Acos>);
  reg("atan", Map<Atan>);
  reg("sinh", Map<Sinh>);
  reg("cosh", Map<Cosh>);
  reg("tanh", Map<Tanh>);
  reg("asinh", Map<Asinh>);
  reg("acosh", Map<Acosh>);
  reg("atanh", Map<Atanh>);
  reg("rad", Map<Rad>);
  reg("deg", Map<Deg>);
  reg("sgn", Map<Sgn>);
  reg("clamp", Clamp);
  reg("clamp_max", ClampMax);
  reg("clamp_min", ClampMin);
  reg("round", Round);
  reg("time", Time);
  reg("pi", Pi);
  reg("min_of", MinOf);
  reg("max_of", MaxOf);
  reg("vector", VectorFn);
  reg("scalar", ScalarFn);
  reg("absent", Absent);
  reg("timestamp", TimestampFn);
  reg("start_timestamp", NoFloatOutput);
  reg("histogram_count", NoFloatOutput);
  reg("histogram_sum", NoFloatOutput);
  reg("histogram_avg", NoFloatOutput);
  reg("histogram_stddev", NoFloatOutput);
  reg("histogram_stdvar", NoFloatOutput);
}

}  // namespace promlite::promql::engine
