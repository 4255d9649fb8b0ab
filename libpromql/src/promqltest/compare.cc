// Result comparison with Prometheus' promqltest rules; see compare.h. The
// order of the checks and the wording of the messages follow upstream's
// compareResult so that a failure reads the same as in Prometheus' CI.
#include "promqltest/compare.h"

#include <cmath>
#include <limits>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parser/go_format.h"
#include "promlite/tsdb/duration.h"
#include "promqltest/text.h"
#include "re2/re2.h"

namespace promlite::promql::promqltest {
namespace {

std::string L(const tsdb::Labels& l) { return l.ToString(); }

std::string FormatSeq(const SeqValue& v) {
  switch (v.kind) {
    case SeqValue::Kind::kOmitted: return "_";
    case SeqValue::Kind::kHistogram: return "{{histogram}}";
    case SeqValue::Kind::kFloat: break;
  }
  return FormatFloat(v.value);
}

std::string FormatSeqs(const std::vector<SeqValue>& vs) {
  std::vector<std::string> parts;
  parts.reserve(vs.size());
  for (const auto& v : vs) parts.push_back(FormatSeq(v));
  return absl::StrCat("[", absl::StrJoin(parts, " "), "]");
}

// Go's formatSeriesResult: "2 float points [1 @[0] 2 @[60000]] and 0 histogram points []".
std::string SeriesResult(const Series& s) {
  std::vector<std::string> pts;
  pts.reserve(s.floats.size());
  for (const auto& p : s.floats) pts.push_back(absl::StrCat(FormatFloat(p.f), " @[", p.t, "]"));
  return absl::StrCat(s.floats.size(), " float point", s.floats.size() == 1 ? "" : "s", " [", absl::StrJoin(pts, " "),
                      "] and 0 histogram points []");
}

std::string CompareMatrix(const Expectation& e, const Matrix& m) {
  if (e.ordered) return "expected ordered result, but query returned a matrix";
  if (e.expect_scalar) return absl::StrCat("expected scalar result, but got matrix ", FormatValue(Value(m)));
  if (auto err = CheckMatrixSorted(m); !err.empty()) return err;
  std::vector<bool> seen(e.series.size(), false);
  for (const Series& s : m) {
    const ExpectedSeries* exp = e.Find(s.metric);
    if (exp == nullptr) return absl::StrCat("unexpected metric ", L(s.metric), " in result, has ", SeriesResult(s));
    seen[static_cast<size_t>(exp - e.series.data())] = true;
    std::vector<FPoint> want;
    size_t want_histograms = 0;
    for (size_t i = 0; i < exp->values.size(); i++) {
      // start + i*step, without overflowing on absurd grids.
      __int128 t = static_cast<__int128>(e.start) + static_cast<__int128>(i) * e.step;
      if (t > e.end) {
        return absl::StrCat("expected ", exp->values.size(), " points for ", L(exp->metric),
                            ", but query time range cannot return this many points");
      }
      const SeqValue& v = exp->values[i];
      if (v.kind == SeqValue::Kind::kHistogram) {
        want_histograms++;
      } else if (v.kind == SeqValue::Kind::kFloat) {
        want.push_back({static_cast<int64_t>(t), v.value});
      }
    }
    if (want.size() != s.floats.size() || want_histograms != 0) {
      return absl::StrCat("expected ", want.size(), " float points and ", want_histograms, " histogram points for ",
                          L(exp->metric), ", but got ", SeriesResult(s));
    }
    for (size_t i = 0; i < want.size(); i++) {
      const FPoint& got = s.floats[i];
      if (want[i].t != got.t) {
        return absl::StrCat("expected float value at index ", i, " for ", L(exp->metric), " to have timestamp ",
                            want[i].t, ", but it had timestamp ", got.t, " (result has ", SeriesResult(s), ")");
      }
      if (!AlmostEqual(got.f, want[i].f, kEpsilon)) {
        return absl::StrCat("expected float value at index ", i, " (t=", got.t, ") for ", L(exp->metric), " to be ",
                            FormatFloat(want[i].f), ", but got ", FormatFloat(got.f), " (result has ", SeriesResult(s),
                            ")");
      }
    }
  }
  for (size_t i = 0; i < e.series.size(); i++) {
    if (!seen[i]) return absl::StrCat("expected metric ", L(e.series[i].metric), " not found");
  }
  return "";
}

std::string CompareVector(const Expectation& e, const Vector& vec) {
  if (e.expect_scalar) return absl::StrCat("expected scalar result, but got vector ", FormatValue(Value(vec)));
  std::vector<bool> seen(e.series.size(), false);
  for (size_t pos = 0; pos < vec.size(); pos++) {
    const Sample& s = vec[pos];
    const ExpectedSeries* exp = e.Find(s.metric);
    if (exp == nullptr) {
      return absl::StrCat("unexpected metric ", L(s.metric), " in result, has value ", FormatFloat(s.f));
    }
    if (e.ordered && exp->pos != static_cast<int>(pos) + 1) {
      return absl::StrCat("expected metric ", L(s.metric), " with ", FormatSeqs(exp->values), " at position ",
                          exp->pos, " but was at ", pos + 1);
    }
    if (exp->values.empty()) return absl::StrCat("no value given for expected metric ", L(exp->metric));
    const SeqValue& want = exp->values[0];
    if (want.kind == SeqValue::Kind::kHistogram) {
      return absl::StrCat("expected a histogram for ", L(s.metric), " but got float value ", FormatFloat(s.f));
    }
    // An omitted value ("_") compares as 0, as upstream's zero SequenceValue does.
    if (!AlmostEqual(want.value, s.f, kEpsilon)) {
      return absl::StrCat("expected ", FormatFloat(want.value), " for ", L(s.metric), " but got ", FormatFloat(s.f));
    }
    seen[static_cast<size_t>(exp - e.series.data())] = true;
  }
  for (size_t i = 0; i < e.series.size(); i++) {
    if (!seen[i]) {
      return absl::StrCat("expected metric ", L(e.series[i].metric), " with ", FormatSeqs(e.series[i].values),
                          " not found");
    }
  }
  return "";
}

}  // namespace

bool AlmostEqual(double a, double b, double epsilon) {
  if (tsdb::IsStaleNaN(a) || tsdb::IsStaleNaN(b)) return tsdb::IsStaleNaN(a) && tsdb::IsStaleNaN(b);
  if (std::isnan(a) && std::isnan(b)) return true;
  if (a == b) return true;
  constexpr double kMinNormal = std::numeric_limits<double>::min();  // 0x0010000000000000
  const double abs_sum = std::fabs(a) + std::fabs(b);
  const double diff = std::fabs(a - b);
  if (a == 0 || b == 0 || abs_sum < kMinNormal) return diff < epsilon * kMinNormal;
  return diff / std::min(abs_sum, std::numeric_limits<double>::max()) < epsilon;
}

void Expectation::AddSeries(ExpectedSeries s) {
  for (auto& existing : series) {
    if (existing.metric == s.metric) {
      existing = std::move(s);
      return;
    }
  }
  series.push_back(std::move(s));
}

const ExpectedSeries* Expectation::Find(const tsdb::Labels& l) const {
  for (const auto& s : series) {
    if (s.metric == l) return &s;
  }
  return nullptr;
}

std::string CompareResult(const Expectation& e, const Value& v) {
  if (const auto* m = std::get_if<Matrix>(&v)) return CompareMatrix(e, *m);
  if (const auto* vec = std::get_if<Vector>(&v)) return CompareVector(e, *vec);
  if (const auto* s = std::get_if<Scalar>(&v)) {
    if (!e.expect_scalar) return absl::StrCat("expected vector or matrix result, but got scalar ", FormatFloat(s->v));
    if (e.scalar.kind == SeqValue::Kind::kHistogram) {
      return absl::StrCat("expected a histogram but got scalar ", FormatFloat(s->v));
    }
    if (!AlmostEqual(e.scalar.value, s->v, kEpsilon)) {
      return absl::StrCat("expected scalar ", FormatFloat(e.scalar.value), " but got ", FormatFloat(s->v));
    }
    return "";
  }
  if (const auto* str = std::get_if<String>(&v)) {
    if (e.string_value != str->v) {
      return absl::StrCat("expected string ", parser::GoQuote(e.string_value), " but got ", parser::GoQuote(str->v));
    }
    return "";
  }
  return "the query returned no value";
}

std::string CheckMatrixSorted(const Matrix& m) {
  for (size_t i = 0; i + 1 < m.size(); i++) {
    if (Compare(m[i].metric, m[i + 1].metric) > 0) {
      return absl::StrCat("matrix results should always be sorted by labels, but matrix is not sorted: series at index ",
                          i + 1, " with labels ", L(m[i + 1].metric), " sorts before series at index ", i,
                          " with labels ", L(m[i].metric));
    }
  }
  return "";
}

TextMatcher TextMatcher::Any() {
  std::string err;
  return *Regex("^.*$", &err);
}

TextMatcher TextMatcher::Message(std::string msg) {
  TextMatcher m;
  m.text_ = std::move(msg);
  return m;
}

std::optional<TextMatcher> TextMatcher::Regex(std::string_view pattern, std::string* err) {
  // Go's regexp defaults: `.` does not match a newline, ^ and $ anchor the
  // whole text; RE2's defaults are the same.
  auto re = std::make_shared<const re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), re2::RE2::Quiet);
  if (!re->ok()) {
    *err = re->error();
    return std::nullopt;
  }
  TextMatcher m;
  m.text_ = std::string(pattern);
  m.re_ = std::move(re);
  return m;
}

bool TextMatcher::Matches(std::string_view s) const {
  if (re_ == nullptr) return s == text_;
  if (!tsdb::IsValidUtf8(s)) {
    // Go's regexp reads each invalid byte as U+FFFD, which `.` matches; RE2
    // matches nothing against invalid UTF-8. Matching the text with those
    // bytes replaced gives Go's answer (error messages quote label names
    // such as "\xff" raw).
    std::string fixed;
    for (size_t i = 0; i < s.size();) {
      int width = 0;
      const int32_t r = parser::DecodeRune(s, i, &width);
      parser::AppendRune(&fixed, r);
      i += static_cast<size_t>(width);
    }
    return re2::RE2::PartialMatch(fixed, *re_);
  }
  return re2::RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

std::string TextMatcher::Describe() const {
  return absl::StrCat(re_ == nullptr ? "message " : "pattern ", parser::GoQuote(text_));
}

namespace {

std::string CheckKind(const std::vector<TextMatcher>& want, const std::vector<std::string>& got, std::string_view kind,
                      std::string_view query) {
  if (want.empty()) return "";
  if (got.empty()) return absl::StrCat("expected ", AV(kind), " annotations but none were found for query ", parser::GoQuote(query));
  for (const auto& w : want) {
    bool found = false;
    for (const auto& g : got) found = found || w.Matches(g);
    if (!found) {
      return absl::StrCat("expected ", AV(kind), " annotation matching ", w.Describe(),
                          " but no matching annotation was found for query ", parser::GoQuote(query), ", found: [",
                          absl::StrJoin(got, ", "), "]");
    }
  }
  for (const auto& g : got) {
    bool found = false;
    for (const auto& w : want) found = found || w.Matches(g);
    if (!found) return absl::StrCat("unexpected ", AV(kind), " annotation ", parser::GoQuote(g), " found for query ", AV(query));
  }
  return "";
}

}  // namespace

std::string CheckAnnotations(const AnnotationRules& r, const Annotations& a, std::string_view query) {
  if (r.require_warn && a.warnings.empty()) {
    return absl::StrCat("expected warnings evaluating query ", parser::GoQuote(query), " but got none");
  }
  if (r.require_info && a.infos.empty()) {
    return absl::StrCat("expected info annotations evaluating query ", parser::GoQuote(query), " but got none");
  }
  if (auto err = CheckKind(r.expects[kExpectWarn], a.warnings, "warn", query); !err.empty()) return err;
  if (auto err = CheckKind(r.expects[kExpectInfo], a.infos, "info", query); !err.empty()) return err;
  if (!r.expects[kExpectNoWarn].empty() && !a.warnings.empty()) {
    return absl::StrCat("unexpected warning annotations evaluating query ", parser::GoQuote(query), ": [",
                        absl::StrJoin(a.warnings, ", "), "]");
  }
  if (!r.expects[kExpectNoInfo].empty() && !a.infos.empty()) {
    return absl::StrCat("unexpected info annotations evaluating query ", parser::GoQuote(query), ": [",
                        absl::StrJoin(a.infos, ", "), "]");
  }
  return "";
}

std::string FormatFloat(double f) {
  if (tsdb::IsStaleNaN(f)) return "stale";
  return parser::FormatFloatG(f);
}

std::string FormatTime(int64_t ms) { return tsdb::FormatDuration(ms); }

std::string FormatValue(const Value& v) {
  std::string out;
  if (const auto* vec = std::get_if<Vector>(&v)) {
    if (vec->empty()) return "(empty vector)";
    for (const auto& s : *vec) absl::StrAppend(&out, out.empty() ? "" : "\n", L(s.metric), " ", FormatFloat(s.f));
    return out;
  }
  if (const auto* m = std::get_if<Matrix>(&v)) {
    if (m->empty()) return "(empty matrix)";
    for (const auto& s : *m) {
      absl::StrAppend(&out, out.empty() ? "" : "\n", L(s.metric));
      for (const auto& p : s.floats) absl::StrAppend(&out, " ", FormatFloat(p.f), "@", FormatTime(p.t));
      if (s.floats.empty()) out.append(" (no points)");
    }
    return out;
  }
  if (const auto* s = std::get_if<Scalar>(&v)) return FormatFloat(s->v);
  if (const auto* s = std::get_if<String>(&v)) return absl::StrCat("string ", parser::GoQuote(s->v));
  return "(no value)";
}

}  // namespace promlite::promql::promqltest
