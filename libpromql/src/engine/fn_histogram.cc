// histogram_quantile, histogram_quantiles and histogram_fraction over
// classic histograms (series with an `le` bucket label). The buckets of a
// histogram are grouped once by their labels without `le`; each step then
// only gathers the bucket counts present at that step.
#include <algorithm>
#include <cmath>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/annotations.h"
#include "engine/extended_range.h"
#include "engine/functions.h"
#include "engine/labels_util.h"
#include "engine/status_macros.h"
#include "parser/go_format.h"

namespace promlite::promql::engine {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Relative bucket differences below this are floating-point noise.
constexpr double kSmallDeltaTolerance = 1e-12;

struct Bucket {
  double upper;
  double count;
};

// strconv.ParseFloat(s, 64): Go's float syntax only, and an out-of-range
// value is an error.
bool GoParseFloat(std::string_view s, double* out) {
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  std::string lower = absl::AsciiStrToLower(std::string(body));
  if (lower == "inf" || lower == "infinity") {
    *out = neg ? -kInf : kInf;
    return true;
  }
  if (lower == "nan") {
    *out = kNaN;
    return true;
  }
  const bool hex = lower.size() > 2 && lower[0] == '0' && lower[1] == 'x';
  size_t i = hex ? 2 : 0;
  auto is_digit = [&](char c) {
    return hex ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : (c >= '0' && c <= '9');
  };
  bool digits = false, dot = false;
  for (; i < lower.size(); i++) {
    char c = lower[i];
    if (is_digit(c)) {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else if (c == '_' && hex) {
      // Underscores are only allowed with a base prefix.
    } else {
      break;
    }
  }
  if (!digits) return false;
  if (i < lower.size() && lower[i] == (hex ? 'p' : 'e')) {
    i++;
    if (i < lower.size() && (lower[i] == '+' || lower[i] == '-')) i++;
    size_t exp_start = i;
    while (i < lower.size() && (std::isdigit(static_cast<unsigned char>(lower[i])) || (hex && lower[i] == '_'))) i++;
    if (i == exp_start) return false;
  } else if (hex) {
    return false;  // a hexadecimal float needs its p exponent
  }
  if (i != lower.size()) return false;
  std::string clean;
  for (char c : s) {
    if (c != '_') clean.push_back(c);
  }
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return false;
  if (errno == ERANGE && std::isinf(v)) return false;
  *out = v;
  return true;
}

bool AlmostEqual(double a, double b, double eps) {
  if (tsdb::IsStaleNaN(a) || tsdb::IsStaleNaN(b)) return tsdb::IsStaleNaN(a) && tsdb::IsStaleNaN(b);
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kMinNormal = 2.2250738585072014e-308;
  double abs_sum = std::fabs(a) + std::fabs(b);
  double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < eps * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < eps;
}

void SortAndCoalesce(std::vector<Bucket>* b) {
  std::stable_sort(b->begin(), b->end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  size_t i = 0;
  Bucket last = (*b)[0];
  for (size_t k = 1; k < b->size(); k++) {
    if ((*b)[k].upper == last.upper) {
      last.count += (*b)[k].count;
    } else {
      (*b)[i++] = last;
      last = (*b)[k];
    }
  }
  (*b)[i++] = last;
  b->resize(i);
}

struct Monotonicity {
  bool forced = false;
  double min_bucket = kInf, max_bucket = -kInf, max_diff = 0;
};

Monotonicity EnsureMonotonic(std::vector<Bucket>* b) {
  Monotonicity m;
  double prev = (*b)[0].count;
  for (size_t i = 1; i < b->size(); i++) {
    double curr = (*b)[i].count;
    if (curr == prev) continue;
    if (AlmostEqual(prev, curr, kSmallDeltaTolerance)) {
      (*b)[i].count = prev;
      continue;
    }
    if (curr < prev) {
      (*b)[i].count = prev;
      m.forced = true;
      m.min_bucket = std::min(m.min_bucket, (*b)[i].upper);
      m.max_bucket = std::max(m.max_bucket, (*b)[i].upper);
      m.max_diff = std::max(m.max_diff, prev - curr);
      continue;
    }
    prev = curr;
  }
  return m;
}

double BucketQuantile(double q, std::vector<Bucket> buckets, Monotonicity* mono) {
  if (std::isnan(q)) return kNaN;
  if (q < 0) return -kInf;
  if (q > 1) return kInf;
  std::stable_sort(buckets.begin(), buckets.end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (!(std::isinf(buckets.back().upper) && buckets.back().upper > 0)) return kNaN;
  SortAndCoalesce(&buckets);
  *mono = EnsureMonotonic(&buckets);
  if (buckets.size() < 2) return kNaN;
  double observations = buckets.back().count;
  if (observations == 0) return kNaN;
  double rank = q * observations;
  size_t n = buckets.size();
  size_t b = SearchFirst(n - 1, [&](size_t i) { return buckets[i].count >= rank; });
  if (b == n - 1) return buckets[n - 2].upper;
  if (b == 0 && buckets[0].upper <= 0) return buckets[0].upper;
  double start = 0, end = buckets[b].upper, count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

double BucketFraction(double lower, double upper, std::vector<Bucket> buckets) {
  std::stable_sort(buckets.begin(), buckets.end(), [](const Bucket& x, const Bucket& y) { return x.upper < y.upper; });
  if (!(std::isinf(buckets.back().upper) && buckets.back().upper > 0)) return kNaN;
  SortAndCoalesce(&buckets);
  double count = buckets.back().count;
  if (count == 0 || std::isnan(lower) || std::isnan(upper)) return kNaN;
  if (lower >= upper) return 0;
  double rank = 0, lower_rank = 0, upper_rank = 0;
  bool lower_set = false, upper_set = false;
  double lower_bound = buckets[0].upper <= 0 ? -kInf : 0.0;
  for (size_t i = 0; i < buckets.size(); i++) {
    const Bucket& b = buckets[i];
    if (i > 0) lower_bound = buckets[i - 1].upper;
    double upper_bound = b.upper;
    auto interpolate = [&](double v) {
      // No observations are attributed from a bucket of infinite width.
      if (lower_bound == -kInf) return b.count;
      return rank + (b.count - rank) * (v - lower_bound) / (upper_bound - lower_bound);
    };
    if (!lower_set && lower_bound >= lower) {
      lower_rank = rank;
      lower_set = true;
    }
    if (!upper_set && lower_bound >= upper) {
      upper_rank = rank;
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    if (!lower_set && lower_bound < lower && upper_bound > lower) {
      lower_rank = interpolate(lower);
      lower_set = true;
    }
    if (!upper_set && lower_bound < upper && upper_bound > upper) {
      upper_rank = interpolate(upper);
      upper_set = true;
    }
    if (lower_set && upper_set) break;
    rank = b.count;
  }
  if (!lower_set || lower_rank > count) lower_rank = count;
  if (!upper_set || upper_rank > count) upper_rank = count;
  return (upper_rank - lower_rank) / count;
}

// labels.FormatOpenMetricsFloat.
std::string OpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  std::string s = parser::FormatFloatG(f);
  if (s.find_first_of("e.") == std::string::npos) s += ".0";
  return s;
}

// The classic histograms of a vector: rows grouped by their labels without `le`.
struct Histograms {
  std::vector<tsdb::Labels> metric;  // per group, without le
  std::vector<int> group_of_row;     // -1: bad le
  std::vector<double> upper_of_row;
};

Histograms GroupBuckets(Evaluator& ev, const Block& in, const Expr& arg) {
  Histograms h;
  absl::flat_hash_map<tsdb::Labels, int> groups;
  h.group_of_row.resize(in.rows(), -1);
  h.upper_of_row.resize(in.rows(), 0);
  std::vector<std::string> le_name{std::string(kBucketLabel)};
  for (size_t r = 0; r < in.rows(); r++) {
    const tsdb::Labels& l = in.meta(r).metric;
    std::string_view le = l.Get(kBucketLabel);
    double upper;
    if (!GoParseFloat(le, &upper)) {
      if (in.RowPoints(r) > 0) {
        std::string_view name = ev.delayed_names() ? l.MetricName() : std::string_view();
        ev.ctx().annotations.Add(BadBucketLabelWarning(name, le, arg.Range()));
      }
      continue;
    }
    tsdb::Labels key = tsdb::LabelsBuilder(l).Del(kBucketLabel).Build();
    auto [it, inserted] = groups.emplace(key, static_cast<int>(h.metric.size()));
    if (inserted) h.metric.push_back(key);
    h.group_of_row[r] = it->second;
    h.upper_of_row[r] = upper;
  }
  return h;
}

// Calls fn(group, step, buckets) for every group with buckets at a step.
template <typename Fn>
void ForEachHistogram(const Block& in, const Histograms& h, Fn fn) {
  std::vector<std::vector<Bucket>> per_group(h.metric.size());
  for (int step = 0; step < in.steps(); step++) {
    for (auto& g : per_group) g.clear();
    for (size_t r = 0; r < in.rows(); r++) {
      int g = h.group_of_row[r];
      if (g < 0 || !in.Has(r, step)) continue;
      per_group[g].push_back(Bucket{h.upper_of_row[r], in.Get(r, step)});
    }
    for (size_t g = 0; g < per_group.size(); g++) {
      if (!per_group[g].empty()) fn(g, step, per_group[g]);
    }
  }
}

void WarnInvalidQuantile(Evaluator& ev, double q, const Expr& arg) {
  if (std::isnan(q) || q < 0 || q > 1) ev.ctx().annotations.Add(InvalidQuantileWarning(q, arg.Range()));
}

absl::StatusOr<Block> HistogramQuantile(Evaluator& ev, const Call& call, std::vector<Value>& args) {
  const Block& qs = std::get<Block>(args[0]);
  const Block& in = std::get<Block>(args[1]);
  for (int i = 0; i < ev.steps(); i++) WarnInvalidQuantile(ev, qs.Get(0, i), *call.args[0]);
  Histograms h = GroupBuckets(ev, in, *call.args[1]);
  SparseRows out(ev.steps());
  std::vector<int> row_of_group(h.metric.size(), -1);
  ForEachHistogram(in, h, [&](size_t g, int step, const std::vector<Bucket>& buckets) {
    Monotonicity mono;
    double v = BucketQuantile(qs.Get(0, step), buckets, &mono);
    if (mono.forced) {
      std::string_view name = ev.delayed_names() ? h.metric[g].MetricName() : std::string_view();
      ev.ctx().annotations.Add(HistogramQuantileForcedMonotonicityInfo(
          name, call.args[1]->Range(), ev.TimeAt(step), mono.min_bucket, mono.max_bucket, mono.max_diff));
    }
    if (row_of_group[g] < 0) row_of_group[g] = static_cast<int>(out.AddRow(ev.NameDropped(h.metric[g]), true));
    out.Set(row_of_group[g], step, v);
  });
  Block b = std::move(out).Build();
  if (!ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&b));
  return b;
}

absl::StatusOr<Block> HistogramQuantiles(Evaluator& ev, const Call& call, std::vector<Value>& args) {
  const Block& in = std::get<Block>(args[0]);
  const std::string& label = std::get<StringValue>(args[1]).v;
  const size_t nq = args.size() - 2;
  for (size_t k = 0; k < nq; k++) {
    const Block& qb = std::get<Block>(args[2 + k]);
    for (int i = 0; i < ev.steps(); i++) WarnInvalidQuantile(ev, qb.Get(0, i), *call.args[2 + k]);
  }
  Histograms h = GroupBuckets(ev, in, *call.args[0]);
  SparseRows out(ev.steps());
  absl::flat_hash_map<tsdb::Labels, size_t> rows;
  std::vector<std::vector<Bucket>> per_group(h.metric.size());
  for (int step = 0; step < ev.steps(); step++) {
    for (auto& g : per_group) g.clear();
    for (size_t r = 0; r < in.rows(); r++) {
      int g = h.group_of_row[r];
      if (g >= 0 && in.Has(r, step)) per_group[g].push_back(Bucket{h.upper_of_row[r], in.Get(r, step)});
    }
    for (size_t k = 0; k < nq; k++) {
      double q = std::get<Block>(args[2 + k]).Get(0, step);
      for (size_t g = 0; g < per_group.size(); g++) {
        if (per_group[g].empty()) continue;
        Monotonicity mono;
        double v = BucketQuantile(q, per_group[g], &mono);
        if (mono.forced) {
          std::string_view name = ev.delayed_names() ? h.metric[g].MetricName() : std::string_view();
          ev.ctx().annotations.Add(HistogramQuantileForcedMonotonicityInfo(
              name, call.args[0]->Range(), ev.TimeAt(step), mono.min_bucket, mono.max_bucket, mono.max_diff));
        }
        tsdb::Labels l = tsdb::LabelsBuilder(ev.NameDropped(h.metric[g])).Set(label, OpenMetricsFloat(q)).Build();
        size_t row;
        if (ev.single_step()) {
          row = out.AddRow(l, true);  // duplicates are checked at the end of the query
        } else {
          auto [it, inserted] = rows.emplace(l, out.rows());
          if (inserted) out.AddRow(l, true);
          row = it->second;
          if (out.HasStep(row, step)) {
            return ExecutionError("vector cannot contain metrics with the same labelset");
          }
        }
        out.Set(row, step, v);
      }
    }
  }
  Block b = std::move(out).Build();
  if (!ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&b));
  return b;
}

absl::StatusOr<Block> HistogramFraction(Evaluator& ev, const Call& call, std::vector<Value>& args) {
  const Block& lo = std::get<Block>(args[0]);
  const Block& hi = std::get<Block>(args[1]);
  const Block& in = std::get<Block>(args[2]);
  Histograms h = GroupBuckets(ev, in, *call.args[2]);
  SparseRows out(ev.steps());
  std::vector<int> row_of_group(h.metric.size(), -1);
  ForEachHistogram(in, h, [&](size_t g, int step, const std::vector<Bucket>& buckets) {
    double v = BucketFraction(lo.Get(0, step), hi.Get(0, step), buckets);
    if (row_of_group[g] < 0) row_of_group[g] = static_cast<int>(out.AddRow(ev.NameDropped(h.metric[g]), true));
    out.Set(row_of_group[g], step, v);
  });
  Block b = std::move(out).Build();
  if (!ev.delayed_names()) PL_RETURN_IF_ERROR(ev.DedupeRangeEvalRows(&b));
  return b;
}

}  // namespace

void RegisterHistogramFunctions(void (*reg)(std::string_view, InstantFunction)) {
  reg("histogram_quantile", HistogramQuantile);
  reg("histogram_quantiles", HistogramQuantiles);
  reg("histogram_fraction", HistogramFraction);
}

}  // namespace promlite::promql::engine
