// Warnings and infos of a query (Prometheus' util/annotations).
//
// An annotation is identified by its text without position: adding one whose
// text is already present replaces it (so the later position wins), except
// the histogram_quantile monotonicity info, which accumulates its bucket and
// time ranges and an occurrence count. Positions are turned into
// "(line:col)" only when the set is formatted with the query text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "promlite/promql/ast.h"
#include "promlite/promql/value.h"

namespace promlite::promql::engine {

struct Annotation {
  bool info = false;  // false: warning
  std::string text;   // "PromQL warning: ..." without the position
  PositionRange pos;
  // Only for the forced-monotonicity info of histogram_quantile.
  bool monotonicity = false;
  int64_t min_ts = 0, max_ts = 0;
  double min_bucket = 0, max_bucket = 0, max_diff = 0;
  int count = 0;
};

class AnnotationSet {
 public:
  void Add(Annotation a);
  void Merge(const AnnotationSet& o);
  bool empty() const { return items_.empty(); }
  // Formats every annotation as Prometheus' AsStrings does for `query`.
  Annotations Format(std::string_view query) const;

 private:
  std::vector<Annotation> items_;
  absl::flat_hash_map<std::string, size_t> index_;
};

// "line:col" of a byte offset, as Prometheus' PositionRange.StartPosInput.
std::string StartPosInput(std::string_view query, int32_t pos);

// The annotations the engine emits, with Prometheus' texts.
Annotation InvalidQuantileWarning(double q, PositionRange pos);
Annotation InvalidRatioWarning(double q, double to, PositionRange pos);
Annotation BadBucketLabelWarning(std::string_view metric_name, std::string_view label, PositionRange pos);
Annotation MixedClassicNativeHistogramsWarning(std::string_view metric_name, PositionRange pos);
Annotation PossibleNonCounterInfo(std::string_view metric_name, PositionRange pos);
Annotation PossibleNonCounterLabelInfo(std::string_view metric_name, std::string_view type_label, PositionRange pos);
Annotation HistogramQuantileForcedMonotonicityInfo(std::string_view metric_name, PositionRange pos, int64_t ts,
                                                   double min_bucket, double max_bucket, double max_diff);
Annotation IncompatibleTypesInBinOpInfo(std::string_view lhs_type, std::string_view op, std::string_view rhs_type,
                                        PositionRange pos);
Annotation SortInRangeQueryWarning(PositionRange pos);

}  // namespace promlite::promql::engine
