// The parts of a parser both formats share: unescaping, label sets,
// exemplars, metadata accessors and error messages with line and byte.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "promlite/scrape/textparse.h"
#include "util/quote.h"

namespace promlite::scrape {

std::string_view MetricTypeName(MetricType t) {
  switch (t) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
    case MetricType::kGaugeHistogram: return "gaugehistogram";
    case MetricType::kSummary: return "summary";
    case MetricType::kInfo: return "info";
    case MetricType::kStateset: return "stateset";
    case MetricType::kUnknown: break;
  }
  return "unknown";
}

std::string_view Parser::Unescape(const Span& s, std::string* scratch) const {
  std::string_view raw = View(s);
  if (!s.escaped) return raw;
  scratch->clear();
  scratch->reserve(raw.size());
  for (size_t i = 0; i < raw.size(); i++) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char n = raw[i + 1];
      if (n == '\\' || n == '"') {
        scratch->push_back(n);
        i++;
        continue;
      }
      if (n == 'n') {
        scratch->push_back('\n');
        i++;
        continue;
      }
    }
    scratch->push_back(c);
  }
  return *scratch;
}

std::string_view Parser::MetricName() { return Unescape(name_, &scratch_); }

tsdb::Labels Parser::Labels() {
  // Unescaped strings live in a deque so the views stay valid while the
  // vector of pairs is built.
  std::deque<std::string> store;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(labels_.size() / 2 + 1);
  auto text = [&](const Span& s) -> std::string_view {
    if (!s.escaped) return View(s);
    store.emplace_back();
    return Unescape(s, &store.back());
  };
  pairs.emplace_back(tsdb::kMetricName, text(name_));
  for (size_t i = 0; i + 1 < labels_.size(); i += 2) {
    std::string_view n = text(labels_[i]);
    std::string_view v = text(labels_[i + 1]);
    if ((type_ == MetricType::kHistogram && n == "le") || (type_ == MetricType::kSummary && n == "quantile")) {
      double f;
      if (ParsePromFloat(v, &f)) {
        store.push_back(FormatOpenMetricsFloat(f));
        v = store.back();
      }
    }
    pairs.emplace_back(n, v);
  }
  return tsdb::Labels::FromPairs(std::move(pairs));
}

bool Parser::Exemplar(ParsedExemplar* e) {
  if (!has_exemplar_) return false;
  has_exemplar_ = false;  // one exemplar per sample
  std::deque<std::string> store;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  for (size_t i = 0; i + 1 < ex_labels_.size(); i += 2) {
    store.emplace_back();
    std::string_view n = Unescape(ex_labels_[i], &store.back());
    store.emplace_back();
    std::string_view v = Unescape(ex_labels_[i + 1], &store.back());
    pairs.emplace_back(n, v);
  }
  e->labels = tsdb::Labels::FromPairs(std::move(pairs));
  e->value = ex_value_;
  e->has_ts = ex_has_ts_;
  e->ts = ex_ts_;
  return true;
}

std::string_view Parser::MetricFamily() { return Unescape(family_, &scratch_); }

std::string_view Parser::Help() {
  if (!help_.escaped) return View(help_);
  // The text format only knows \\ and \n in help; OpenMetrics also \".
  std::string_view raw = View(help_);
  help_scratch_.clear();
  for (size_t i = 0; i < raw.size(); i++) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char n = raw[i + 1];
      if (n == '\\' || (n == '"' && format_ == Format::kOpenMetrics)) {
        help_scratch_.push_back(n);
        i++;
        continue;
      }
      if (n == 'n') {
        help_scratch_.push_back('\n');
        i++;
        continue;
      }
    }
    help_scratch_.push_back(c);
  }
  return help_scratch_;
}

Parser::ScanResult Parser::ScanQuoted(Span* out, bool allow_raw_newline) {
  const size_t n = buf_.size();
  size_t b = ++pos_;
  bool escaped = false;
  bool high = false;  // saw a non-ASCII byte: validate UTF-8 (rare, so off the fast path)
  while (pos_ < n) {
    unsigned char c = static_cast<unsigned char>(buf_[pos_]);
    if (c == '"') {
      *out = Span{static_cast<uint32_t>(b), static_cast<uint32_t>(pos_), escaped};
      pos_++;
      if (high && !tsdb::IsValidUtf8(View(*out))) return ScanResult::kInvalidUtf8;
      return ScanResult::kOk;
    }
    if (c == '\\') {
      if (pos_ + 1 >= n || buf_[pos_ + 1] == '\n') break;
      escaped = true;
      high |= static_cast<unsigned char>(buf_[pos_ + 1]) >= 0x80;
      pos_ += 2;
      continue;
    }
    if (c == '\n') {
      if (!allow_raw_newline) break;
      line_++;
      line_start_ = pos_ + 1;
    }
    high |= c >= 0x80;
    pos_++;
  }
  *out = Span{static_cast<uint32_t>(b), static_cast<uint32_t>(pos_), escaped};
  return ScanResult::kUnterminated;
}

absl::Status Parser::Error(size_t at, std::string_view msg) {
  // Locate `at` from the start of the entry: label values of the text format
  // may span lines, so count the newlines in between.
  size_t line = entry_line_, line_start = entry_line_start_;
  at = std::min(at, buf_.size());
  for (size_t i = entry_line_start_; i < at; i++) {
    if (buf_[i] == '\n') {
      line++;
      line_start = i + 1;
    }
  }
  failed_ = absl::InvalidArgumentError(
      absl::StrFormat("line %d, byte %d: %s", line, at - line_start + 1, std::string(msg)));
  return failed_;
}

absl::Status Parser::ErrorGot(size_t at, std::string_view expected) {
  std::string got;
  if (at >= buf_.size()) {
    got = "EOF";
  } else {
    size_t e = at + 1;
    // Show the whole offending word rather than one byte of it.
    while (e < buf_.size() && e - at < 32 && buf_[e] != ' ' && buf_[e] != '\n' && buf_[e] != '\t' &&
           buf_[e] != ',' && buf_[e] != '}' && buf_[e] != '{' && buf_[e] != '=' && buf_[at] != '\n') {
      e++;
    }
    got = QuoteGo(buf_.substr(at, e - at));
  }
  size_t end = std::min(buf_.size(), at + 1);
  return Error(at, absl::StrCat(std::string(expected), ", got ", got, " while parsing: ",
                                QuoteGo(buf_.substr(entry_start_, end - entry_start_), 200)));
}

}  // namespace promlite::scrape
