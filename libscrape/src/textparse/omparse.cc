// OpenMetrics 1.0 text, parsed from the response buffer.
//
// Stricter than the text format, as the spec and Prometheus' openmetricslex.l
// require: single spaces only, no blank lines or free comments, no raw newline
// in a quoted string, float timestamps in seconds, exemplars after " # ", and a
// final "# EOF" with nothing after it.
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "promlite/scrape/textparse.h"
#include "promlite/tsdb/labels.h"
#include "textparse/lex.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape {
namespace {

using lex::Is;

bool TypeHasCreated(MetricType t) {
  return t == MetricType::kCounter || t == MetricType::kSummary || t == MetricType::kHistogram;
}

class OpenMetricsParser final : public Parser {
 public:
  OpenMetricsParser(std::string_view body, const ParserOptions& opts) : Parser(body, Format::kOpenMetrics, opts) {}
  absl::StatusOr<EntryType> Next() override;
  int64_t Created();

 private:
  absl::StatusOr<EntryType> ParseMeta(EntryType kind);
  absl::Status ParseSeries();
  absl::Status ParseLabels(std::vector<Span>* out, bool exemplar);
  absl::Status ParseExemplar();
  // Reads " <token>" (one space, then bytes up to a space or newline).
  bool SpacedToken(std::string_view* tok) {
    if (At(pos_) != ' ') return false;
    size_t b = pos_ + 1, e = b;
    while (e < buf_.size() && buf_[e] != ' ' && buf_[e] != '\n') e++;
    if (e == b) return false;
    *tok = buf_.substr(b, e - b);
    pos_ = e;
    return true;
  }
  // Past the end there is nothing: OpenMetrics needs its own final newline.
  char At(size_t i) const { return i < buf_.size() ? buf_[i] : '\0'; }
  bool AtEnd() const { return pos_ >= buf_.size(); }
  void ConsumeNewline() {
    pos_++;
    line_++;
    line_start_ = pos_;
  }
  bool IsCreatedSeries() {
    std::string_view n = View(name_);
    return TypeHasCreated(type_) && n.size() >= 8 && n.substr(n.size() - 8) == "_created";
  }
  std::string CreatedKey(std::string_view family);
  absl::Status Truncated() { return Error(pos_, "data does not end with # EOF"); }
  absl::Status ParseTimestamp(std::string_view tok, size_t at, int64_t* out, std::string_view what);

  bool eof_ = false;
  std::string ct_key_;
  int64_t ct_value_ = 0;
};

absl::StatusOr<EntryType> OpenMetricsParser::Next() {
  if (!failed_.ok()) return failed_;
  if (eof_) return EntryType::kEOF;
  for (;;) {
    StartEntry();
    if (AtEnd()) return Truncated();
    char c = buf_[pos_];
    if (c == '#') {
      if (At(pos_ + 1) != ' ') return ErrorGot(pos_, "expected a valid start token");
      std::string_view rest = buf_.substr(pos_ + 2);
      if (rest.substr(0, 5) == "HELP ") return ParseMeta(EntryType::kHelp);
      if (rest.substr(0, 5) == "TYPE ") return ParseMeta(EntryType::kType);
      if (rest.substr(0, 5) == "UNIT ") return ParseMeta(EntryType::kUnit);
      if (rest.substr(0, 3) == "EOF") {
        size_t q = pos_ + 5;
        if (q < buf_.size() && buf_[q] == '\n') q++;
        if (q != buf_.size()) return Error(q, "unexpected data after # EOF");
        pos_ = q;
        eof_ = true;
        return EntryType::kEOF;
      }
      return ErrorGot(pos_, "expected a valid start token");
    }
    if (c == '{' || Is(c, lex::kNameStart)) {
      if (absl::Status st = ParseSeries(); !st.ok()) return st;
      if (opts_.skip_om_created_series && IsCreatedSeries()) continue;
      return EntryType::kSeries;
    }
    return ErrorGot(pos_, "expected a valid start token");
  }
}

absl::StatusOr<EntryType> OpenMetricsParser::ParseMeta(EntryType kind) {
  std::string_view what = kind == EntryType::kHelp ? "HELP" : kind == EntryType::kType ? "TYPE" : "UNIT";
  pos_ += 7;  // "# HELP "
  size_t name_pos = pos_;
  char c = At(pos_);
  if (c == '"') {
    if (ScanQuoted(&family_, false) != ScanResult::kOk) {
      return ErrorGot(name_pos, absl::StrCat("expected metric name after ", A(what)));
    }
  } else if (Is(c, lex::kNameStart)) {
    size_t b = pos_;
    while (pos_ < buf_.size() && Is(buf_[pos_], lex::kNameChar)) pos_++;
    family_ = Span{static_cast<uint32_t>(b), static_cast<uint32_t>(pos_), false};
  } else {
    return ErrorGot(name_pos, absl::StrCat("expected metric name after ", A(what)));
  }
  size_t e = buf_.find('\n', pos_);
  if (At(pos_) != ' ' || e == std::string_view::npos) {
    return Error(pos_, absl::StrCat("expected text in ", A(what)));
  }
  size_t text_pos = pos_ + 1;
  std::string_view text = buf_.substr(text_pos, e - text_pos);
  pos_ = e;
  ConsumeNewline();
  text_ = text;
  switch (kind) {
    case EntryType::kType:
      if (text == "counter") {
        type_ = MetricType::kCounter;
      } else if (text == "gauge") {
        type_ = MetricType::kGauge;
      } else if (text == "histogram") {
        type_ = MetricType::kHistogram;
      } else if (text == "gaugehistogram") {
        type_ = MetricType::kGaugeHistogram;
      } else if (text == "summary") {
        type_ = MetricType::kSummary;
      } else if (text == "info") {
        type_ = MetricType::kInfo;
      } else if (text == "stateset") {
        type_ = MetricType::kStateset;
      } else if (text == "unknown") {
        type_ = MetricType::kUnknown;
      } else {
        return Error(text_pos, absl::StrCat("invalid metric type ", QuoteGo(text)));
      }
      break;
    case EntryType::kHelp:
      if (!tsdb::IsValidUtf8(text)) {
        return Error(text_pos, absl::StrCat("help text ", QuoteGo(text), " is not a valid utf8 string"));
      }
      help_ = Span{static_cast<uint32_t>(text_pos), static_cast<uint32_t>(e), text.find('\\') != std::string_view::npos};
      break;
    default: {
      std::string_view m = View(family_);
      if (!text.empty() && (m.size() < text.size() + 1 || m.substr(m.size() - text.size()) != text ||
                            m[m.size() - text.size() - 1] != '_')) {
        return Error(text_pos, absl::StrCat("unit ", QuoteGo(text), " not a suffix of metric ", QuoteGo(m)));
      }
      break;
    }
  }
  std::string_view fam = MetricFamily();
  if (fam != family_name_) family_name_.assign(fam);
  return kind;
}

absl::Status OpenMetricsParser::ParseSeries() {
  labels_.clear();
  has_exemplar_ = false;
  name_set_ = false;
  series_begin_ = pos_;
  if (Is(buf_[pos_], lex::kNameStart)) {
    size_t b = pos_;
    while (pos_ < buf_.size() && Is(buf_[pos_], lex::kNameChar)) pos_++;
    name_ = Span{static_cast<uint32_t>(b), static_cast<uint32_t>(pos_), false};
    name_set_ = true;
    if (At(pos_) == '{') {
      if (absl::Status st = ParseLabels(&labels_, false); !st.ok()) return st;
    }
  } else {
    if (absl::Status st = ParseLabels(&labels_, false); !st.ok()) return st;
    if (!name_set_) {
      return Error(series_begin_, absl::StrCat("metric name not set while parsing: ",
                                               QuoteGo(buf_.substr(series_begin_, pos_ - series_begin_), 200)));
    }
  }
  series_end_ = pos_;
  std::string_view tok;
  size_t vpos = pos_ + 1;
  if (!SpacedToken(&tok)) {
    if (AtEnd()) return Truncated();
    return ErrorGot(pos_, "expected value after metric");
  }
  if (!ParsePromFloat(tok, &value_)) {
    return Error(vpos, absl::StrCat("invalid float ", QuoteGo(tok), " while parsing: ",
                                    QuoteGo(buf_.substr(series_begin_, pos_ - series_begin_), 200)));
  }
  if (value_ != value_) value_ = std::bit_cast<double>(kNormalNaNBits);
  has_ts_ = false;
  for (int field = 0;; field++) {
    if (AtEnd()) return Truncated();
    if (buf_[pos_] == '\n') {
      ConsumeNewline();
      return absl::OkStatus();
    }
    if (buf_.substr(pos_, 4) == " # {") {
      pos_ += 3;
      return ParseExemplar();
    }
    if (field > 0) return ErrorGot(pos_, "expected next entry after timestamp");
    size_t tpos = pos_ + 1;
    if (!SpacedToken(&tok)) return ErrorGot(pos_, "expected timestamp or comment");
    if (absl::Status st = ParseTimestamp(tok, tpos, &ts_, "timestamp"); !st.ok()) return st;
    has_ts_ = true;
  }
}

absl::Status OpenMetricsParser::ParseTimestamp(std::string_view tok, size_t at, int64_t* out, std::string_view what) {
  double secs;
  if (!ParsePromFloat(tok, &secs)) {
    return Error(at, absl::StrCat("invalid ", A(what), " ", QuoteGo(tok), " while parsing: ",
                                  QuoteGo(buf_.substr(series_begin_, pos_ - series_begin_), 200)));
  }
  double ms = secs * 1000;
  // Go converts with truncation; values beyond int64 have no meaning.
  if (std::isnan(ms) || std::isinf(ms) || ms >= 9.2233720368547758e18 || ms < -9.2233720368547758e18) {
    return Error(at, absl::StrCat("invalid ", A(what), " ", QuoteGo(tok)));
  }
  *out = static_cast<int64_t>(ms);
  return absl::OkStatus();
}

absl::Status OpenMetricsParser::ParseExemplar() {
  if (absl::Status st = ParseLabels(&ex_labels_, true); !st.ok()) return st;
  std::string_view tok;
  size_t vpos = pos_ + 1;
  if (!SpacedToken(&tok)) {
    if (AtEnd()) return Truncated();
    return ErrorGot(pos_, "expected value after exemplar labels");
  }
  if (!ParsePromFloat(tok, &ex_value_)) {
    return Error(vpos, absl::StrCat("invalid float ", QuoteGo(tok), " in exemplar"));
  }
  ex_has_ts_ = false;
  if (AtEnd()) return Truncated();
  if (buf_[pos_] != '\n') {
    size_t tpos = pos_ + 1;
    if (!SpacedToken(&tok)) return ErrorGot(pos_, "expected timestamp or comment");
    if (absl::Status st = ParseTimestamp(tok, tpos, &ex_ts_, "exemplar timestamp"); !st.ok()) return st;
    ex_has_ts_ = true;
    if (AtEnd()) return Truncated();
    if (buf_[pos_] != '\n') return ErrorGot(pos_, "expected next entry after exemplar timestamp");
  }
  ConsumeNewline();
  has_exemplar_ = true;
  return absl::OkStatus();
}

absl::Status OpenMetricsParser::ParseLabels(std::vector<Span>* out, bool exemplar) {
  out->clear();
  pos_++;  // '{'
  for (;;) {
    char c = At(pos_);
    if (c == '}') {
      pos_++;
      return absl::OkStatus();
    }
    Span name;
    bool quoted = false;
    size_t tok = pos_;
    if (Is(c, lex::kLNameStart)) {
      while (pos_ < buf_.size() && Is(buf_[pos_], lex::kLNameChar)) pos_++;
      name = Span{static_cast<uint32_t>(tok), static_cast<uint32_t>(pos_), false};
    } else if (c == '"') {
      if (ScanQuoted(&name, false) != ScanResult::kOk) return ErrorGot(tok, "expected label name");
      quoted = true;
    } else {
      if (AtEnd()) return Truncated();
      return ErrorGot(pos_, "expected label name");
    }
    c = At(pos_);
    if (quoted && (c == ',' || c == '}')) {
      if (exemplar) return ErrorGot(pos_, "expected label name");
      if (name_set_) {
        return Error(tok, absl::StrCat("metric name already set while parsing: ",
                                       QuoteGo(buf_.substr(series_begin_, pos_ + 1 - series_begin_), 200)));
      }
      name_ = name;
      name_set_ = true;
      pos_++;
      if (c == '}') return absl::OkStatus();
      continue;
    }
    if (c != '=') return ErrorGot(pos_, "expected equal");
    pos_++;
    size_t vpos = pos_;
    if (At(pos_) != '"') return ErrorGot(pos_, "expected label value");
    Span value;
    ScanResult r = ScanQuoted(&value, false);
    if (r == ScanResult::kUnterminated) return ErrorGot(vpos, "expected label value");
    if (r == ScanResult::kInvalidUtf8) {
      return Error(vpos, absl::StrCat("invalid UTF-8 label value: ", QuoteGo(View(value), 200)));
    }
    out->push_back(name);
    out->push_back(value);
    c = At(pos_);
    if (c == ',') {
      pos_++;
    } else if (c != '}') {
      return ErrorGot(pos_, "expected comma or brace close");
    }
  }
}

// Identity of a sample within its family for pairing it with its _created
// line: the labels without `le`/`quantile`, plus the family name.
std::string OpenMetricsParser::CreatedKey(std::string_view family) {
  std::string key;
  for (size_t i = 0; i + 1 < labels_.size(); i += 2) {
    std::string_view n = View(labels_[i]);
    if ((type_ == MetricType::kSummary && n == "quantile") || (type_ == MetricType::kHistogram && n == "le")) continue;
    key.append(n);
    key.push_back('\xff');
    key.append(View(labels_[i + 1]));
    key.push_back('\xff');
  }
  key.append(family);
  return key;
}

int64_t OpenMetricsParser::Created() {
  if (!TypeHasCreated(type_) || !name_set_) return 0;
  std::string key = CreatedKey(family_name_);
  if (key == ct_key_) return ct_value_;
  // Look ahead on a copy: the _created line follows the samples it belongs to
  // within the same family.
  OpenMetricsParser peek(*this);
  peek.opts_.skip_om_created_series = false;
  int64_t found = 0;
  for (;;) {
    absl::StatusOr<EntryType> e = peek.Next();
    if (!e.ok() || *e != EntryType::kSeries) break;
    std::string_view n = peek.View(peek.name_);
    if (n.size() < 8 || n.substr(n.size() - 8) != "_created") continue;
    if (peek.CreatedKey(n.substr(0, n.size() - 8)) != key) break;
    found = static_cast<int64_t>(peek.value_ * 1000.0);
    break;
  }
  ct_key_ = std::move(key);
  ct_value_ = found;
  return found;
}

}  // namespace

int64_t Parser::CreatedTimestamp() {
  if (format_ != Format::kOpenMetrics) return 0;
  return static_cast<OpenMetricsParser*>(this)->Created();
}

std::unique_ptr<Parser> NewOpenMetricsParser(std::string_view body, const ParserOptions& opts) {
  return std::make_unique<OpenMetricsParser>(body, opts);
}

}  // namespace promlite::scrape
