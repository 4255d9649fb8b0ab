// Comparing a query result with the expectation of an eval, by the rules of
// Prometheus' promqltest (compareResult, checkAnnotations): series matched by
// their full label set, floats within a relative 1e-6, staleness markers only
// equal to staleness markers, order checked only when asked for.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "promlite/promql/value.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/sample.h"
#include "promqltest/series_desc.h"

namespace re2 {
class RE2;
}

namespace promlite::promql::promqltest {

// Prometheus' almost.Equal: both stale markers, both (other) NaNs, identical,
// or |a-b| / (|a|+|b|) < epsilon; next to zero the difference must be below
// epsilon times the smallest normal double.
bool AlmostEqual(double a, double b, double epsilon);
inline constexpr double kEpsilon = 1e-6;

struct ExpectedSeries {
  tsdb::Labels metric;
  std::vector<SeqValue> values;
  // Position among the body lines (1-based, `expect` lines not counted),
  // which `expect ordered` compares with the result's order.
  int pos = 0;
};

struct Expectation {
  // The time grid expected values sit on: value i is at start + i*step.
  // For an instant eval without `expect range vector`, end is kMinTime so
  // that a matrix result can match only when nothing is expected of it.
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 0;
  bool ordered = false;
  bool expect_scalar = false;
  SeqValue scalar;
  // Compared whenever the result is a string ("" unless `expect string`).
  std::string string_value;
  std::vector<ExpectedSeries> series;

  // Adds or (same labels) replaces an expected series.
  void AddSeries(ExpectedSeries s);
  const ExpectedSeries* Find(const tsdb::Labels& l) const;
};

// "" when `v` meets `e`, otherwise what differs, in the words of Prometheus'
// runner ("expected 3 for {a=\"b\"} but got 4").
std::string CompareResult(const Expectation& e, const Value& v);

// "" when the matrix is sorted by labels, as every range result must be.
std::string CheckMatrixSorted(const Matrix& m);

// An `expect fail|warn|info ... [msg: text | regex: re]` line.
class TextMatcher {
 public:
  static TextMatcher Any();
  static TextMatcher Message(std::string msg);
  // Fails for a regex RE2 does not accept.
  static std::optional<TextMatcher> Regex(std::string_view pattern, std::string* err);
  bool Matches(std::string_view s) const;
  std::string Describe() const;  // `message "x"` / `pattern "x"`
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const re2::RE2> re_;  // null: exact message
};

enum ExpectKind { kExpectOrdered, kExpectFail, kExpectWarn, kExpectNoWarn, kExpectInfo, kExpectNoInfo, kNumExpectKinds };

struct AnnotationRules {
  bool require_warn = false;  // eval_warn header
  bool require_info = false;  // eval_info header
  std::array<std::vector<TextMatcher>, kNumExpectKinds> expects;
};

// "" when the annotations meet the `expect warn/info/no_warn/no_info` lines.
std::string CheckAnnotations(const AnnotationRules& r, const Annotations& a, std::string_view query);

// Result values in the notation of the scripts, one series per line:
//   {a="b"} 1.5                      (vector)
//   {a="b"} 1@0s 2@1m                (matrix: value@time)
//   1.5 / "text"                     (scalar / string)
std::string FormatValue(const Value& v);
// Go's %v of a float, "stale" for the staleness marker.
std::string FormatFloat(double f);
// A time in ms as a Prometheus duration, "-" for negative values.
std::string FormatTime(int64_t ms);

}  // namespace promlite::promql::promqltest
