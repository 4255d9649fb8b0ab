#include "engine/annotations.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "parser/go_format.h"

namespace promlite::promql::engine {
namespace {

constexpr std::string_view kWarn = "PromQL warning: ";
constexpr std::string_view kInfo = "PromQL info: ";

Annotation Make(bool info, std::string text, PositionRange pos) {
  Annotation a;
  a.info = info;
  a.text = absl::StrCat(std::string(info ? kInfo : kWarn), text);
  a.pos = pos;
  return a;
}

// fmt's %g for a float64: shortest representation, exponent form for large
// and small magnitudes.
std::string G(double v) { return parser::FormatFloatG(v); }

// Go's %.2g.
std::string G2(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2g", v);
  return buf;
}

std::string WithMetricName(std::string text, std::string_view metric_name) {
  if (metric_name.empty()) return text;
  return absl::StrCat(text, " for metric name ", parser::GoQuote(metric_name));
}

// time.Unix(ms/1000, 0).UTC().Format(time.RFC3339).
std::string Rfc3339(int64_t ms) {
  int64_t secs = ms / 1000;  // Go's integer division truncates toward zero
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

}  // namespace

std::string StartPosInput(std::string_view query, int32_t pos) {
  if (query.empty()) return "unknown position";
  if (pos < 0 || static_cast<size_t>(pos) > query.size()) return "invalid position";
  int line = 1;
  int64_t last_break = -1;
  for (int32_t i = 0; i < pos; i++) {
    if (query[i] == '\n') {
      last_break = i;
      line++;
    }
  }
  return absl::StrCat(line, ":", pos - last_break);
}

void AnnotationSet::Add(Annotation a) {
  auto it = index_.find(a.text);
  if (it == index_.end()) {
    index_.emplace(a.text, items_.size());
    items_.push_back(std::move(a));
    return;
  }
  Annotation& prev = items_[it->second];
  if (a.monotonicity && prev.monotonicity) {
    // The earlier annotation absorbs the new one's ranges.
    if (a.min_ts < prev.min_ts) prev.min_ts = a.min_ts;
    if (a.max_ts > prev.max_ts) prev.max_ts = a.max_ts;
    if (a.min_bucket < prev.min_bucket) prev.min_bucket = a.min_bucket;
    if (a.max_bucket > prev.max_bucket) prev.max_bucket = a.max_bucket;
    if (a.max_diff > prev.max_diff) prev.max_diff = a.max_diff;
    prev.count += a.count + 1;
    return;
  }
  prev = std::move(a);
}

void AnnotationSet::Merge(const AnnotationSet& o) {
  for (const Annotation& a : o.items_) Add(a);
}

Annotations AnnotationSet::Format(std::string_view query) const {
  Annotations out;
  for (const Annotation& a : items_) {
    std::string s;
    std::string where = StartPosInput(query, a.pos.start);
    if (a.monotonicity && !query.empty()) {
      s = absl::StrCat(a.text, ", from buckets ", G(a.min_bucket), " to ", G(a.max_bucket), ", with a max diff of ",
                       G2(a.max_diff), ", over ", a.count + 1, " samples from ", Rfc3339(a.min_ts), " to ",
                       Rfc3339(a.max_ts), " (", where, ")");
    } else if (query.empty() || a.pos.start < 0) {
      s = a.text;
    } else {
      s = absl::StrCat(a.text, " (", where, ")");
    }
    (a.info ? out.infos : out.warnings).push_back(std::move(s));
  }
  return out;
}

Annotation InvalidQuantileWarning(double q, PositionRange pos) {
  return Make(false, absl::StrCat("quantile value should be between 0 and 1, got ", G(q)), pos);
}

Annotation InvalidRatioWarning(double q, double to, PositionRange pos) {
  return Make(false, absl::StrCat("ratio value should be between -1 and 1, got ", G(q), ", capping to ", G(to)), pos);
}

Annotation BadBucketLabelWarning(std::string_view metric_name, std::string_view label, PositionRange pos) {
  return Make(false,
              WithMetricName(absl::StrCat("bucket label \"le\" is missing or has a malformed value of ",
                                          parser::GoQuote(label)),
                             metric_name),
              pos);
}

Annotation MixedClassicNativeHistogramsWarning(std::string_view metric_name, PositionRange pos) {
  return Make(false, WithMetricName("vector contains a mix of classic and native histograms", metric_name), pos);
}

Annotation PossibleNonCounterInfo(std::string_view metric_name, PositionRange pos) {
  return Make(true,
              absl::StrCat("metric might not be a counter, name does not end in _total/_sum/_count/_bucket: ",
                           parser::GoQuote(metric_name)),
              pos);
}

Annotation PossibleNonCounterLabelInfo(std::string_view metric_name, std::string_view type_label, PositionRange pos) {
  return Make(true,
              absl::StrCat("metric might not be a counter, __type__ label is not set to \"counter\" or \"histogram\"",
                           ", got ", parser::GoQuote(type_label), ": ", parser::GoQuote(metric_name)),
              pos);
}

Annotation HistogramQuantileForcedMonotonicityInfo(std::string_view metric_name, PositionRange pos, int64_t ts,
                                                   double min_bucket, double max_bucket, double max_diff) {
  Annotation a = Make(true,
                      WithMetricName("input to histogram_quantile needed to be fixed for monotonicity (see "
                                     "https://prometheus.io/docs/prometheus/latest/querying/functions/"
                                     "#histogram_quantile)",
                                     metric_name),
                      pos);
  a.monotonicity = true;
  a.min_ts = a.max_ts = ts;
  a.min_bucket = min_bucket;
  a.max_bucket = max_bucket;
  a.max_diff = max_diff;
  return a;
}

Annotation IncompatibleTypesInBinOpInfo(std::string_view lhs_type, std::string_view op, std::string_view rhs_type,
                                        PositionRange pos) {
  return Make(true,
              absl::StrCat("incompatible sample types encountered for binary operator ", parser::GoQuote(op), ": ",
                           std::string(lhs_type), " ", std::string(op), " ", std::string(rhs_type)),
              pos);
}

Annotation SortInRangeQueryWarning(PositionRange pos) {
  return Make(false, "sort is ineffective for range queries since results are always ordered by labels", pos);
}

}  // namespace promlite::promql::engine
