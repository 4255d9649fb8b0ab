// Streaming parsers for the Prometheus text format (0.0.4) and OpenMetrics 1.0.
//
// A parser walks a response body that the caller keeps alive and returns one
// entry (metadata line or sample) per Next(). The steady path allocates
// nothing: Series() is a view of the raw series text, which the scrape loop
// uses as its cache key, and labels are only materialised (Labels()) when the
// cache misses. Any malformed line ends the walk with an error that names the
// line and the byte within it; callers treat the whole exposition as failed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "promlite/tsdb/labels.h"

namespace promlite::scrape {

enum class MetricType : uint8_t {
  kUnknown,  // "untyped" in the text format, "unknown" in OpenMetrics
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateset,
};

// Prometheus' names: "counter", "gauge", ..., "unknown".
std::string_view MetricTypeName(MetricType t);

enum class EntryType : uint8_t {
  kEOF,      // the exposition ended cleanly
  kType,     // # TYPE
  kHelp,     // # HELP
  kUnit,     // # UNIT (OpenMetrics only)
  kComment,  // any other comment (text format only)
  kSeries,   // a sample
};

enum class Format : uint8_t { kPrometheusText, kOpenMetrics };

struct ParsedExemplar {
  tsdb::Labels labels;
  double value = 0;
  bool has_ts = false;
  int64_t ts = 0;  // milliseconds
};

struct ParserOptions {
  // OpenMetrics: leave `<family>_created` lines of counters, summaries and
  // histograms out of the samples (their value is still available through
  // CreatedTimestamp()). Prometheus ingests them as samples by default.
  bool skip_om_created_series = false;
};

// The canonical NaN Prometheus stores for a NaN sample value (not the stale marker).
inline constexpr uint64_t kNormalNaNBits = 0x7ff8000000000001ull;

class Parser {
 public:
  virtual ~Parser() = default;
  Parser(const Parser&) = default;
  Parser& operator=(const Parser&) = default;

  // Advances to the next entry. After an error the parser stays failed and
  // returns the same error again.
  virtual absl::StatusOr<EntryType> Next() = 0;

  Format format() const { return format_; }
  // 1-based line of the current entry.
  size_t Line() const { return entry_line_; }

  // ---- kSeries ----
  // The raw series text (metric name and label block as exposed), stable for
  // the life of the body. Equal texts denote the same series.
  std::string_view Series() const { return buf_.substr(series_begin_, series_end_ - series_begin_); }
  double Value() const { return value_; }
  bool HasTimestamp() const { return has_ts_; }
  int64_t Timestamp() const { return ts_; }  // milliseconds
  // The unescaped metric name of the current sample.
  std::string_view MetricName();
  // The sample's label set including __name__, unescaped and sorted. The
  // values of `le` (histograms) and `quantile` (summaries) are normalised to
  // OpenMetrics float formatting ("1" -> "1.0"), as Prometheus 3 does.
  // Duplicate label names are kept so that validation can report them.
  tsdb::Labels Labels();
  // Calls f(name, value) for each label (without __name__), unescaped, in
  // exposition order, without normalisation. For lint tools.
  template <typename F>
  void ForEachLabel(F&& f);
  // The exemplar of the current sample, once (OpenMetrics only).
  bool Exemplar(ParsedExemplar* e);
  // OpenMetrics: the `_created` value (ms) belonging to the current counter,
  // summary or histogram sample, found by looking ahead in its family; 0 if none.
  int64_t CreatedTimestamp();

  // ---- kHelp / kType / kUnit ----
  // The metric family named by the metadata line (unescaped).
  std::string_view MetricFamily();
  std::string_view Help();  // unescaped
  MetricType Type() const { return type_; }
  std::string_view Unit() const { return text_; }
  // ---- kComment ----
  std::string_view Comment() const { return text_; }

 protected:
  Parser(std::string_view body, Format f, const ParserOptions& opts) : buf_(body), format_(f), opts_(opts) {}

  // Positions of a token inside buf_. Quoted tokens are stored without quotes.
  struct Span {
    uint32_t b = 0, e = 0;
    bool escaped = false;  // contains a backslash: needs unescaping
  };
  std::string_view View(const Span& s) const { return buf_.substr(s.b, s.e - s.b); }
  // Unescapes \\ \" \n (label values, quoted names; OpenMetrics help).
  std::string_view Unescape(const Span& s, std::string* scratch) const;

  enum class ScanResult { kOk, kUnterminated, kInvalidUtf8 };
  // Scans a quoted string starting at buf_[pos_] == '"' and leaves pos_ after
  // the closing quote. Escapes are `\` followed by any byte but a newline.
  ScanResult ScanQuoted(Span* out, bool allow_raw_newline);

  absl::Status Error(size_t at, std::string_view msg);
  absl::Status ErrorGot(size_t at, std::string_view expected);
  void StartEntry() {
    entry_start_ = pos_;
    entry_line_ = line_;
    entry_line_start_ = line_start_;
  }

  std::string_view buf_;
  Format format_;
  ParserOptions opts_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t line_start_ = 0;
  size_t entry_start_ = 0;
  size_t entry_line_ = 1;
  size_t entry_line_start_ = 0;
  absl::Status failed_;

  // Current series.
  size_t series_begin_ = 0, series_end_ = 0;
  Span name_;
  bool name_set_ = false;
  std::vector<Span> labels_;  // name, value, name, value, ...
  double value_ = 0;
  bool has_ts_ = false;
  int64_t ts_ = 0;
  // Exemplar of the current series (OpenMetrics).
  bool has_exemplar_ = false;
  std::vector<Span> ex_labels_;
  double ex_value_ = 0;
  bool ex_has_ts_ = false;
  int64_t ex_ts_ = 0;

  // Current metadata line and the type in force (the last # TYPE seen).
  Span family_;
  std::string_view text_;
  Span help_;
  MetricType type_ = MetricType::kUnknown;
  std::string family_name_;  // family of the last metadata line, for _created matching

  std::string scratch_;       // unescaped metric or family name
  std::string help_scratch_;  // unescaped help text
};

template <typename F>
void Parser::ForEachLabel(F&& f) {
  std::string sn, sv;
  for (size_t i = 0; i + 1 < labels_.size(); i += 2) {
    std::string_view n = Unescape(labels_[i], &sn);
    std::string_view v = Unescape(labels_[i + 1], &sv);
    f(n, v);
  }
}

// Parser for `text/plain; version=0.0.4` (and 1.0.0, which only adds quoted UTF-8 names).
std::unique_ptr<Parser> NewPromTextParser(std::string_view body, const ParserOptions& opts = {});
// Parser for `application/openmetrics-text; version=1.0.0` (and 0.0.1).
std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body, const ParserOptions& opts = {});

// Picks the parser from a response's Content-Type as Prometheus 3 does:
// application/openmetrics-text -> OpenMetrics, text/plain -> text format. A
// blank, unparsable or unsupported type uses `fallback_media_type` when given
// (with a warning in *warning) and is an error otherwise.
absl::StatusOr<std::unique_ptr<Parser>> NewParserForContentType(std::string_view body, std::string_view content_type,
                                                                 std::string_view fallback_media_type,
                                                                 const ParserOptions& opts = {},
                                                                 std::string* warning = nullptr);

// Extracts the lower-cased media type ("text/plain") from a Content-Type
// value, validating its syntax like Go's mime.ParseMediaType.
absl::StatusOr<std::string> ParseMediaType(std::string_view content_type);

// Formats a float as OpenMetrics does for `le`/`quantile` values: Go's
// shortest 'g' formatting, with ".0" added to integers ("1.0", "+Inf", "1e+06").
std::string FormatOpenMetricsFloat(double v);

// Parses a sample value like Prometheus: Go's strconv.ParseFloat syntax
// (decimal, Inf/NaN in any case, optional sign) without hex floats or underscores.
bool ParsePromFloat(std::string_view s, double* out);

}  // namespace promlite::scrape
