// The Prometheus text format (0.0.4, and 1.0.0's quoted UTF-8 names), parsed
// line by line straight from the response buffer.
//
// The grammar follows Prometheus' promlex.l, including its leniencies that
// exporters rely on: blanks around tokens, an optional comma between labels,
// raw newlines inside label values, a missing final newline. Where Prometheus
// would silently stop (a NUL byte at the start of a line) we fail instead, so a
// truncated exposition is never stored as a complete one.
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

class PromTextParser final : public Parser {
 public:
  PromTextParser(std::string_view body, const ParserOptions& opts) : Parser(body, Format::kPrometheusText, opts) {}
  absl::StatusOr<EntryType> Next() override;

 private:
  absl::StatusOr<EntryType> ParseComment();
  absl::StatusOr<EntryType> ParseMeta(EntryType kind, size_t keyword_pos);
  absl::StatusOr<EntryType> ParseSeries();
  absl::Status ParseLabels();

  void SkipBlanks() {
    while (pos_ < buf_.size() && Is(buf_[pos_], lex::kBlank)) pos_++;
  }
  // Past the end the body reads as one final newline.
  char At(size_t i) const { return i < buf_.size() ? buf_[i] : '\n'; }
  void ConsumeNewline() {
    if (pos_ < buf_.size()) pos_++;
    line_++;
    line_start_ = pos_;
  }
  size_t LineEnd(size_t from) const {
    size_t e = buf_.find('\n', from);
    return e == std::string_view::npos ? buf_.size() : e;
  }
};

absl::StatusOr<EntryType> PromTextParser::Next() {
  if (!failed_.ok()) return failed_;
  for (;;) {
    SkipBlanks();
    StartEntry();
    if (pos_ >= buf_.size()) return EntryType::kEOF;
    char c = buf_[pos_];
    if (c == '\n') {
      ConsumeNewline();
      continue;
    }
    if (c == '#') return ParseComment();
    if (c == '{' || Is(c, lex::kNameStart)) return ParseSeries();
    return ErrorGot(pos_, "expected a valid start token");
  }
}

absl::StatusOr<EntryType> PromTextParser::ParseComment() {
  size_t hash = pos_++;
  if (pos_ < buf_.size() && Is(buf_[pos_], lex::kBlank)) {
    SkipBlanks();
    auto keyword = [&](std::string_view w) {
      return buf_.substr(pos_, w.size()) == w && pos_ + w.size() < buf_.size() &&
             Is(buf_[pos_ + w.size()], lex::kBlank);
    };
    if (keyword("HELP")) return ParseMeta(EntryType::kHelp, pos_);
    if (keyword("TYPE")) return ParseMeta(EntryType::kType, pos_);
  }
  // Any other comment, including "#HELP" without the blank, is free text.
  size_t e = LineEnd(pos_);
  text_ = buf_.substr(hash, e - hash);
  pos_ = e;
  ConsumeNewline();
  return EntryType::kComment;
}

absl::StatusOr<EntryType> PromTextParser::ParseMeta(EntryType kind, size_t keyword_pos) {
  std::string_view what = kind == EntryType::kHelp ? "HELP" : "TYPE";
  pos_ += 4;
  SkipBlanks();
  size_t name_pos = pos_;
  char c = At(pos_);
  if (c == '"') {
    ScanResult r = ScanQuoted(&family_, /*allow_raw_newline=*/true);
    if (r != ScanResult::kOk) return ErrorGot(name_pos, absl::StrCat("expected metric name after ", A(what)));
  } else if (Is(c, lex::kNameStart)) {
    size_t b = pos_;
    while (pos_ < buf_.size() && Is(buf_[pos_], lex::kNameChar)) pos_++;
    family_ = Span{static_cast<uint32_t>(b), static_cast<uint32_t>(pos_), false};
  } else {
    return ErrorGot(name_pos, absl::StrCat("expected metric name after ", A(what)));
  }
  // The text is the rest of the line minus the one blank that separates it
  // from the name; a rest made only of blanks is an empty text.
  size_t e = LineEnd(pos_);
  std::string_view rest = buf_.substr(pos_, e - pos_);
  bool all_blank = true;
  for (char r : rest) {
    if (!Is(r, lex::kBlank)) {
      all_blank = false;
      break;
    }
  }
  size_t text_pos = pos_ + 1;
  std::string_view text = (all_blank || rest.size() <= 1) ? std::string_view() : rest.substr(1);
  pos_ = e;
  ConsumeNewline();
  if (kind == EntryType::kType) {
    if (text == "counter") {
      type_ = MetricType::kCounter;
    } else if (text == "gauge") {
      type_ = MetricType::kGauge;
    } else if (text == "histogram") {
      type_ = MetricType::kHistogram;
    } else if (text == "summary") {
      type_ = MetricType::kSummary;
    } else if (text == "untyped") {
      type_ = MetricType::kUnknown;
    } else {
      return Error(text_pos, absl::StrCat("invalid metric type ", QuoteGo(text)));
    }
    text_ = text;
  } else {
    if (!tsdb::IsValidUtf8(text)) {
      return Error(text_pos, absl::StrCat("help text ", QuoteGo(text), " is not a valid utf8 string"));
    }
    help_ = Span{static_cast<uint32_t>(text.empty() ? pos_ : text_pos),
                 static_cast<uint32_t>((text.empty() ? pos_ : text_pos) + text.size()),
                 text.find('\\') != std::string_view::npos};
    text_ = text;
  }
  (void)keyword_pos;
  std::string_view fam = MetricFamily();
  if (fam != family_name_) family_name_.assign(fam);
  return kind;
}

absl::StatusOr<EntryType> PromTextParser::ParseSeries() {
  labels_.clear();
  has_exemplar_ = false;
  name_set_ = false;
  series_begin_ = pos_;
  if (Is(buf_[pos_], lex::kNameStart)) {
    size_t b = pos_;
    while (pos_ < buf_.size() && Is(buf_[pos_], lex::kNameChar)) pos_++;
    name_ = Span{static_cast<uint32_t>(b), static_cast<uint32_t>(pos_), false};
    name_set_ = true;
    series_end_ = pos_;
    SkipBlanks();
    if (At(pos_) == '{') {
      if (absl::Status st = ParseLabels(); !st.ok()) return st;
      series_end_ = pos_;
      SkipBlanks();
    }
  } else {
    if (absl::Status st = ParseLabels(); !st.ok()) return st;
    series_end_ = pos_;
    if (!name_set_) {
      return Error(series_begin_, absl::StrCat("metric name not set while parsing: ",
                                               QuoteGo(buf_.substr(series_begin_, pos_ - series_begin_), 200)));
    }
    SkipBlanks();
  }
  // Value: any run of bytes up to a blank, newline or brace, read as a Go float.
  size_t vb = pos_;
  while (pos_ < buf_.size()) {
    char c = buf_[pos_];
    if (c == ' ' || c == '\t' || c == '\n' || c == '{') break;
    pos_++;
  }
  if (pos_ == vb) return ErrorGot(vb, "expected value after metric");
  std::string_view v = buf_.substr(vb, pos_ - vb);
  if (!ParsePromFloat(v, &value_)) {
    return Error(vb, absl::StrCat("invalid float ", QuoteGo(v), " while parsing: ",
                                  QuoteGo(buf_.substr(series_begin_, pos_ - series_begin_), 200)));
  }
  if (value_ != value_) value_ = std::bit_cast<double>(kNormalNaNBits);
  has_ts_ = false;
  SkipBlanks();
  char c = At(pos_);
  if (c == '\n') {
    ConsumeNewline();
    return EntryType::kSeries;
  }
  if (c >= '0' && c <= '9') {
    size_t tb = pos_;
    uint64_t t = 0;
    bool overflow = false;
    while (pos_ < buf_.size() && buf_[pos_] >= '0' && buf_[pos_] <= '9') {
      t = t * 10 + static_cast<uint64_t>(buf_[pos_] - '0');
      if (t > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) overflow = true;
      pos_++;
    }
    if (overflow) {
      return Error(tb, absl::StrCat("timestamp ", QuoteGo(buf_.substr(tb, pos_ - tb)), " out of range"));
    }
    ts_ = static_cast<int64_t>(t);
    has_ts_ = true;
    SkipBlanks();
    if (At(pos_) != '\n') return ErrorGot(pos_, "expected next entry after timestamp");
    ConsumeNewline();
    return EntryType::kSeries;
  }
  return ErrorGot(pos_, "expected timestamp or new record");
}

absl::Status PromTextParser::ParseLabels() {
  pos_++;  // '{'
  for (;;) {
    SkipBlanks();
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
      if (ScanQuoted(&name, true) != ScanResult::kOk) return ErrorGot(tok, "expected label name");
      quoted = true;
    } else {
      return ErrorGot(pos_, "expected label name");
    }
    SkipBlanks();
    c = At(pos_);
    if (quoted && (c == ',' || c == '}')) {
      // A lone quoted string is the metric name ({"my.metric", a="b"}).
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
    SkipBlanks();
    size_t vpos = pos_;
    if (At(pos_) != '"') return ErrorGot(pos_, "expected label value");
    Span value;
    ScanResult r = ScanQuoted(&value, true);
    if (r == ScanResult::kUnterminated) return ErrorGot(vpos, "expected label value");
    if (r == ScanResult::kInvalidUtf8) {
      return Error(vpos, absl::StrCat("invalid UTF-8 label value: ", QuoteGo(View(value), 200)));
    }
    labels_.push_back(name);
    labels_.push_back(value);
    SkipBlanks();
    if (At(pos_) == ',') pos_++;
  }
}

}  // namespace

std::unique_ptr<Parser> NewPromTextParser(std::string_view body, const ParserOptions& opts) {
  return std::make_unique<PromTextParser>(body, opts);
}

}  // namespace promlite::scrape
