// promtool's metric lint rules over our parsers. Samples are grouped into
// metric families the way the Go text decoder groups them (a histogram's
// _bucket/_sum/_count lines belong to its family, a sample that fits no open
// family starts an untyped one), because the rules are stated per family.
#include "promlite/scrape/lint.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape {
namespace {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

struct Family {
  std::string name;
  MetricType type = MetricType::kUnknown;
  bool has_help = false;
  std::vector<LabelPairs> metrics;  // histograms/summaries: one per label set without le/quantile
};

const std::map<std::string, std::string, std::less<>>& Units() {
  static const auto* m = new std::map<std::string, std::string, std::less<>>{
      {"amperes", "amperes"}, {"bytes", "bytes"},   {"celsius", "celsius"}, {"grams", "grams"},
      {"joules", "joules"},   {"kelvin", "kelvin"}, {"meters", "meters"},   {"metres", "metres"},
      {"seconds", "seconds"}, {"volts", "volts"},   {"minutes", "seconds"}, {"hours", "seconds"},
      {"days", "seconds"},    {"weeks", "seconds"}, {"kelvins", "kelvin"},  {"fahrenheit", "celsius"},
      {"rankine", "celsius"}, {"inches", "meters"}, {"yards", "meters"},    {"miles", "meters"},
      {"bits", "bytes"},      {"calories", "joules"}, {"pounds", "grams"},  {"ounces", "grams"},
  };
  return *m;
}

constexpr std::string_view kPrefixes[] = {"pico", "nano", "micro", "milli", "centi", "deci", "deca", "hecto", "kilo",
                                          "kibi", "mega", "mibi", "giga",  "gibi",  "tera", "tebi", "peta",  "pebi"};
constexpr std::string_view kAbbreviations[] = {"s", "ms", "us", "ns", "sec", "b", "kb",
                                               "mb", "gb", "tb", "pb", "m", "h", "d"};

bool HasSuffix(std::string_view s, std::string_view suf) {
  return s.size() >= suf.size() && s.substr(s.size() - suf.size()) == suf;
}

bool ContainsWord(std::string_view name, std::string_view word) {
  std::string mid = absl::StrCat("_", A(word), "_");
  return name.find(mid) != std::string_view::npos || HasSuffix(name, absl::StrCat("_", A(word)));
}

bool CamelCase(std::string_view s) {
  for (size_t i = 1; i < s.size(); i++) {
    if (s[i - 1] >= 'a' && s[i - 1] <= 'z' && s[i] >= 'A' && s[i] <= 'Z') return true;
  }
  return false;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The first underscore-separated word that names a unit, with its base unit.
bool MetricUnit(std::string_view name, std::string* unit, std::string* base) {
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('_', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (auto it = Units().find(part); it != Units().end()) {
      *unit = std::string(part);
      *base = it->second;
      return true;
    }
    for (std::string_view p : kPrefixes) {
      if (part.size() > p.size() && part.substr(0, p.size()) == p) {
        if (auto it = Units().find(part.substr(p.size())); it != Units().end()) {
          *unit = std::string(part);
          *base = it->second;
          return true;
        }
      }
    }
    start = end + 1;
  }
  return false;
}

void LintFamily(const Family& f, std::vector<LintProblem>* out) {
  auto add = [&](std::string text) { out->push_back(LintProblem{f.name, std::move(text)}); };
  const std::string& n = f.name;
  const bool untyped = f.type == MetricType::kUnknown;
  const bool counter = f.type == MetricType::kCounter;
  const bool histogram = f.type == MetricType::kHistogram;
  const bool summary = f.type == MetricType::kSummary;
  if (!f.has_help) add("no help text");
  std::string unit, base;
  if (MetricUnit(n, &unit, &base) && unit != base) add(absl::StrCat("use base unit ", QuoteGo(base), " instead of ", QuoteGo(unit)));
  if (counter && !HasSuffix(n, "_total")) add("counter metrics should have \"_total\" suffix");
  if (!untyped && !counter && HasSuffix(n, "_total")) add("non-counter metrics should not have \"_total\" suffix");
  if (!untyped && f.type != MetricType::kGauge && HasSuffix(n, "_timestamp_seconds")) {
    add("non-gauge metrics should not have \"_timestamp_seconds\" suffix");
  }
  if (!untyped) {
    if (!histogram && HasSuffix(n, "_bucket")) add("non-histogram metrics should not have \"_bucket\" suffix");
    if (!histogram && !summary && HasSuffix(n, "_count")) {
      add("non-histogram and non-summary metrics should not have \"_count\" suffix");
    }
    if (!histogram && !summary && HasSuffix(n, "_sum")) {
      add("non-histogram and non-summary metrics should not have \"_sum\" suffix");
    }
    for (const LabelPairs& m : f.metrics) {
      for (const auto& [ln, lv] : m) {
        if (!histogram && ln == "le") add("non-histogram metrics should not have \"le\" label");
        if (!summary && ln == "quantile") add("non-summary metrics should not have \"quantile\" label");
      }
    }
  }
  std::string lower = Lower(n);
  for (std::string_view t : {"counter", "gauge", "summary", "histogram", "gauge_histogram"}) {
    if (ContainsWord(lower, t)) add(absl::StrCat("metric name should not include type '", A(t), "'"));
  }
  if (n.find(':') != std::string::npos) add("metric names should not contain ':'");
  if (CamelCase(n)) add("metric names should be written in 'snake_case' not 'camelCase'");
  for (const LabelPairs& m : f.metrics) {
    for (const auto& [ln, lv] : m) {
      if (CamelCase(ln)) add("label names should be written in 'snake_case' not 'camelCase'");
    }
  }
  for (std::string_view a : kAbbreviations) {
    if (ContainsWord(lower, a)) add("metric names should not contain abbreviated units");
  }
  for (size_t i = 0; i < f.metrics.size(); i++) {
    for (size_t k = i + 1; k < f.metrics.size(); k++) {
      if (f.metrics[i] == f.metrics[k]) {
        add("metric not unique");
        break;
      }
    }
  }
}

// Whether a sample named `sample` belongs to family `f`.
bool BelongsTo(const Family& f, std::string_view sample) {
  if (sample == f.name) return true;
  auto with = [&](std::string_view suf) { return sample == absl::StrCat(f.name, A(suf)); };
  switch (f.type) {
    case MetricType::kHistogram:
      return with("_bucket") || with("_sum") || with("_count") || with("_created");
    case MetricType::kSummary:
      return with("_sum") || with("_count") || with("_created");
    default:
      return false;
  }
}

absl::StatusOr<std::vector<Family>> Group(std::string_view body, Format format) {
  std::unique_ptr<Parser> p = format == Format::kOpenMetrics ? NewOpenMetricsParser(body) : NewPromTextParser(body);
  std::vector<Family> fams;
  std::map<std::string, size_t, std::less<>> index;
  // Indexes, not pointers: fams grows.
  auto family = [&](std::string_view name) -> size_t {
    auto it = index.find(name);
    if (it != index.end()) return it->second;
    index.emplace(std::string(name), fams.size());
    fams.push_back(Family{std::string(name)});
    return fams.size() - 1;
  };
  // OpenMetrics names counter families without _total; promlint expects the
  // text format's names.
  auto family_name = [&](std::string_view name, MetricType t) -> std::string {
    std::string s(name);
    if (format == Format::kOpenMetrics && t == MetricType::kCounter && !HasSuffix(s, "_total")) s += "_total";
    return s;
  };
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t current = kNone;
  for (;;) {
    absl::StatusOr<EntryType> e = p->Next();
    if (!e.ok()) return e.status();
    if (*e == EntryType::kEOF) break;
    if (*e == EntryType::kType) {
      current = family(family_name(p->MetricFamily(), p->Type()));
      fams[current].type = p->Type();
      continue;
    }
    if (*e == EntryType::kHelp) {
      // An OpenMetrics counter's HELP names "x" while its family is
      // "x_total"; they are merged below.
      current = family(p->MetricFamily());
      fams[current].has_help = true;
      continue;
    }
    if (*e != EntryType::kSeries) continue;
    std::string sample(p->MetricName());
    if (current == kNone || !BelongsTo(fams[current], sample)) current = family(sample);
    if (format == Format::kOpenMetrics && HasSuffix(sample, "_created")) continue;
    Family& f = fams[current];
    LabelPairs labels;
    p->ForEachLabel([&](std::string_view n, std::string_view v) {
      bool grouped = (f.type == MetricType::kHistogram && n == "le") || (f.type == MetricType::kSummary && n == "quantile");
      if (!grouped) labels.emplace_back(std::string(n), std::string(v));
    });
    std::sort(labels.begin(), labels.end());
    if (f.type == MetricType::kHistogram || f.type == MetricType::kSummary) {
      if (std::find(f.metrics.begin(), f.metrics.end(), labels) == f.metrics.end()) f.metrics.push_back(std::move(labels));
    } else {
      f.metrics.push_back(std::move(labels));
    }
  }
  if (format == Format::kOpenMetrics) {
    // Merge a HELP-only family "x" into its counter family "x_total".
    for (Family& f : fams) {
      if (f.type == MetricType::kCounter && HasSuffix(f.name, "_total")) {
        auto it = index.find(f.name.substr(0, f.name.size() - 6));
        if (it != index.end() && fams[it->second].has_help && fams[it->second].metrics.empty()) {
          f.has_help = true;
          fams[it->second].name.clear();
        }
      }
    }
  }
  std::vector<Family> out;
  for (Family& f : fams) {
    if (!f.name.empty() && (!f.metrics.empty() || f.type != MetricType::kUnknown || f.has_help)) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<LintProblem>> LintExposition(std::string_view body, Format format) {
  absl::StatusOr<std::vector<Family>> fams = Group(body, format);
  if (!fams.ok()) return fams.status();
  std::vector<LintProblem> out;
  for (const Family& f : *fams) LintFamily(f, &out);
  std::stable_sort(out.begin(), out.end(), [](const LintProblem& a, const LintProblem& b) {
    return a.metric != b.metric ? a.metric < b.metric : a.text < b.text;
  });
  return out;
}

absl::StatusOr<std::vector<MetricCardinality>> MetricCardinalities(std::string_view body, Format format) {
  std::unique_ptr<Parser> p = format == Format::kOpenMetrics ? NewOpenMetricsParser(body) : NewPromTextParser(body);
  std::map<std::string, std::set<std::string>> series;
  for (;;) {
    absl::StatusOr<EntryType> e = p->Next();
    if (!e.ok()) return e.status();
    if (*e == EntryType::kEOF) break;
    if (*e != EntryType::kSeries) continue;
    tsdb::Labels l = p->Labels();
    series[std::string(l.MetricName())].insert(l.ToString());
  }
  std::vector<MetricCardinality> out;
  for (auto& [name, s] : series) out.push_back(MetricCardinality{name, s.size()});
  std::stable_sort(out.begin(), out.end(), [](const MetricCardinality& a, const MetricCardinality& b) {
    return a.series > b.series;
  });
  return out;
}

}  // namespace promlite::scrape
