// Scanner and parser for the series notation; see series_desc.h. Token rules
// (what a number is, where blanks are required, which words are values)
// follow Prometheus' lexer in series-description mode so that a line means
// the same here as there.
#include "promqltest/series_desc.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "parser/go_format.h"
#include "parser/literals.h"
#include "promlite/tsdb/duration.h"
#include "promlite/tsdb/sample.h"
#include "promqltest/text.h"

namespace promlite::promql::promqltest {
namespace {

bool IsAlpha(char c) { return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsAlpha(c) || IsDigit(c); }
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string Quote(std::string_view s) { return parser::GoQuote(s); }
std::string QuoteChar(char c) { return parser::GoQuoteRune(static_cast<unsigned char>(c)); }

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool Done() const { return i_ >= s_.size(); }
  char Peek(size_t k = 0) const { return i_ + k < s_.size() ? s_[i_ + k] : '\0'; }
  size_t pos() const { return i_; }
  void Advance(size_t n = 1) { i_ += n; }
  bool Accept(char c) {
    if (Done() || s_[i_] != c) return false;
    i_++;
    return true;
  }
  bool AcceptAny(std::string_view set) {
    if (Done() || set.find(s_[i_]) == std::string_view::npos) return false;
    i_++;
    return true;
  }
  void SkipBlanks() {
    while (!Done() && IsBlank(s_[i_])) i_++;
  }
  std::string_view Slice(size_t from) const { return s_.substr(from, i_ - from); }
  // Describes the character at the cursor for error messages.
  std::string Here() const { return Done() ? "end of line" : QuoteChar(s_[i_]); }

  absl::Status Err(size_t at, std::string_view msg) const {
    return absl::InvalidArgumentError(absl::StrCat("column ", at + 1, ": ", AV(msg)));
  }
  absl::Status ErrHere(std::string_view msg) const { return Err(i_, msg); }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// A quoted string in any of PromQL's three quotes, unescaped.
absl::Status ReadString(Scanner& sc, std::string* out) {
  const size_t start = sc.pos();
  const char quote = sc.Peek();
  if (quote != '"' && quote != '\'' && quote != '`') return sc.ErrHere(absl::StrCat("expected a quoted string, found ", sc.Here()));
  sc.Advance();
  for (;;) {
    if (sc.Done()) return sc.Err(start, "unterminated quoted string");
    const char c = sc.Peek();
    if (c == '\\' && quote != '`') {
      sc.Advance(2);
      continue;
    }
    sc.Advance();
    if (c == quote) break;
  }
  if (!parser::UnquoteString(sc.Slice(start), out)) {
    return sc.Err(start, absl::StrCat("invalid quoted string ", AV(sc.Slice(start))));
  }
  return absl::OkStatus();
}

// `name`, `name{l="v", ...}`, `{l="v"}` or `{"name", l="v"}`.
absl::Status ReadMetric(Scanner& sc, tsdb::Labels* out) {
  std::vector<std::pair<std::string, std::string>> pairs;
  const size_t start = sc.pos();
  if (IsAlpha(sc.Peek()) || sc.Peek() == ':') {
    while (IsAlnum(sc.Peek()) || sc.Peek() == ':') sc.Advance();
    pairs.emplace_back(std::string(tsdb::kMetricName), std::string(sc.Slice(start)));
  }
  if (sc.Peek() != '{') {
    if (pairs.empty()) return sc.ErrHere(absl::StrCat("expected a metric name or a label set, found ", sc.Here()));
  } else {
    sc.Advance();
    for (;;) {
      sc.SkipBlanks();
      if (sc.Accept('}')) break;
      if (sc.Done()) return sc.ErrHere("unterminated label set, expected \"}\"");
      const size_t name_pos = sc.pos();
      std::string name;
      bool quoted = false;
      if (sc.Peek() == '"' || sc.Peek() == '\'' || sc.Peek() == '`') {
        if (auto st = ReadString(sc, &name); !st.ok()) return st;
        quoted = true;
      } else if (IsAlpha(sc.Peek())) {
        while (IsAlnum(sc.Peek())) sc.Advance();
        name = std::string(sc.Slice(name_pos));
      } else {
        return sc.ErrHere(absl::StrCat("unexpected ", sc.Here(), " in label set, expected a label name or \"}\""));
      }
      sc.SkipBlanks();
      if (sc.Accept('=')) {
        if (sc.Peek() == '~') return sc.Err(sc.pos() - 1, "unexpected \"=~\" in label set, expected \"=\"");
        sc.SkipBlanks();
        std::string value;
        if (auto st = ReadString(sc, &value); !st.ok()) return st;
        pairs.emplace_back(std::move(name), std::move(value));
      } else if (quoted && (sc.Peek() == ',' || sc.Peek() == '}')) {
        // {"metric.name", ...}: a quoted name alone is the metric name.
        pairs.emplace_back(std::string(tsdb::kMetricName), std::move(name));
      } else {
        return sc.ErrHere(absl::StrCat("unexpected ", sc.Here(), " in label set, expected \"=\" after label name ",
                                       Quote(name)));
      }
      sc.SkipBlanks();
      if (sc.Accept(',')) continue;
      if (sc.Peek() != '}') return sc.ErrHere(absl::StrCat("unexpected ", sc.Here(), " in label set, expected \",\" or \"}\""));
    }
  }
  for (size_t i = 0; i < pairs.size(); i++) {
    for (size_t j = i + 1; j < pairs.size(); j++) {
      if (pairs[i].first == pairs[j].first) {
        return sc.Err(start, pairs[i].first == tsdb::kMetricName
                                 ? std::string("metric name given twice")
                                 : absl::StrCat("duplicate label name ", Quote(pairs[i].first)));
      }
    }
  }
  std::vector<std::pair<std::string_view, std::string_view>> views(pairs.begin(), pairs.end());
  *out = tsdb::Labels::FromPairs(std::move(views));
  return absl::OkStatus();
}

// Prometheus' scanNumber in series-description mode: decimal digits, one dot,
// one exponent, "_" separators; the next character must not be alphanumeric
// unless it is the repetition "x". Returns false for a malformed token.
bool ScanNumber(Scanner& sc) {
  const size_t start = sc.pos();
  constexpr std::string_view kDigits = "0123456789";
  sc.Accept('.');
  sc.AcceptAny(kDigits);
  bool dot = false, exponent = false;
  while (!sc.Done() && std::string_view("0123456789._eE").find(sc.Peek()) != std::string_view::npos) {
    const char c = sc.Peek();
    if (c == '.' && dot) {
      sc.Advance();
      return false;
    }
    if ((c == 'e' || c == 'E') && exponent) {
      sc.Advance();
      return false;
    }
    if (sc.Accept('.')) {
      dot = true;
      if (sc.AcceptAny("_.")) return false;
      continue;
    }
    if (sc.AcceptAny("eE")) {
      exponent = true;
      sc.AcceptAny("+-");
      if (sc.AcceptAny("._eE") || sc.Done()) return false;
      continue;
    }
    if (sc.Accept('_')) {
      if (sc.AcceptAny("._eE") || sc.Done()) return false;
      continue;
    }
    while (sc.AcceptAny(kDigits)) {
    }
  }
  if (sc.pos() == start) return false;
  return sc.Peek() == 'x' || !IsAlnum(sc.Peek());
}

// An unsigned number: digits, or the words Inf / NaN (any case).
absl::Status ReadNumber(Scanner& sc, double* out) {
  const size_t start = sc.pos();
  if (IsAlpha(sc.Peek())) {
    while (IsAlnum(sc.Peek()) || sc.Peek() == ':') sc.Advance();
    const std::string word = Lower(sc.Slice(start));
    if (word == "inf") {
      *out = std::numeric_limits<double>::infinity();
      return absl::OkStatus();
    }
    if (word == "nan") {
      *out = std::numeric_limits<double>::quiet_NaN();
      return absl::OkStatus();
    }
    return sc.Err(start, absl::StrCat("unexpected identifier ", Quote(sc.Slice(start)), " in series values, expected a number"));
  }
  if (!IsDigit(sc.Peek()) && !(sc.Peek() == '.' && IsDigit(sc.Peek(1)))) {
    return sc.ErrHere(absl::StrCat("unexpected ", sc.Here(), " in series values, expected a number"));
  }
  if (!ScanNumber(sc)) return sc.Err(start, absl::StrCat("bad number syntax: ", Quote(sc.Slice(start))));
  std::string err;
  if (!parser::ParseNumberLiteral(sc.Slice(start), out, &err)) {
    return sc.Err(start, absl::StrCat("error parsing number: ", err));
  }
  return absl::OkStatus();
}

// The repetition count after "x".
absl::Status ReadCount(Scanner& sc, uint64_t* out) {
  const size_t start = sc.pos();
  if (!IsDigit(sc.Peek())) return sc.ErrHere(absl::StrCat("expected a repetition count after \"x\", found ", sc.Here()));
  if (!ScanNumber(sc)) return sc.Err(start, absl::StrCat("bad number syntax: ", Quote(sc.Slice(start))));
  const std::string_view tok = sc.Slice(start);
  uint64_t n = 0;
  for (char c : tok) {
    if (!IsDigit(c)) {
      return sc.Err(start, absl::StrCat("invalid repetition in series values: ", Quote(tok), " is not an unsigned integer"));
    }
    if (n > (std::numeric_limits<uint64_t>::max() - 9) / 10) {
      return sc.Err(start, absl::StrCat("invalid repetition in series values: ", AV(tok), " is out of range"));
    }
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n >= kMaxValuesPerLine) {
    return sc.Err(start, absl::StrCat("repetition count ", AV(tok), " is too large (at most ", kMaxValuesPerLine - 1, ")"));
  }
  *out = n;
  return absl::OkStatus();
}

// A float value item: stale, a number, or a signed number.
absl::Status ReadValue(Scanner& sc, double* out) {
  const size_t start = sc.pos();
  if (sc.Peek() == '+' || sc.Peek() == '-') {
    const bool neg = sc.Peek() == '-';
    sc.Advance();
    if (auto st = ReadNumber(sc, out); !st.ok()) return st;
    if (neg) *out = -*out;
    return absl::OkStatus();
  }
  if (IsAlpha(sc.Peek())) {
    while (IsAlnum(sc.Peek()) || sc.Peek() == ':') sc.Advance();
    const std::string_view word = sc.Slice(start);
    if (word == "stale") {
      *out = tsdb::StaleNaN();
      return absl::OkStatus();
    }
    const std::string lower = Lower(word);
    if (lower == "inf" || lower == "nan") {
      *out = lower == "inf" ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
      return absl::OkStatus();
    }
    return sc.Err(start, absl::StrCat("unexpected identifier ", Quote(word),
                                      " in series values, expected a number or \"stale\""));
  }
  return ReadNumber(sc, out);
}

// The inside of {{...}}: `key:value` items. Keys and value shapes are
// checked; the histogram itself is not built (no storage for it yet).
absl::Status SkipHistogram(Scanner& sc) {
  const size_t start = sc.pos();
  sc.Advance(2);  // "{{"
  for (;;) {
    sc.SkipBlanks();
    if (sc.Peek() == '}' && sc.Peek(1) == '}') {
      sc.Advance(2);
      return absl::OkStatus();
    }
    if (sc.Done()) return sc.Err(start, "histogram description incomplete: missing \"}}\"");
    const size_t key_pos = sc.pos();
    if (!IsAlpha(sc.Peek())) return sc.ErrHere(absl::StrCat("unexpected ", sc.Here(), " in histogram description"));
    while (IsAlpha(sc.Peek())) sc.Advance();
    const std::string key = Lower(sc.Slice(key_pos));
    static constexpr std::string_view kScalars[] = {"schema", "sum", "count", "z_bucket", "z_bucket_w", "offset", "n_offset"};
    static constexpr std::string_view kLists[] = {"buckets", "n_buckets", "custom_values"};
    bool scalar = false, list = false;
    for (auto k : kScalars) scalar = scalar || k == key;
    for (auto k : kLists) list = list || k == key;
    if (!scalar && !list && key != "counter_reset_hint") {
      return sc.Err(key_pos, absl::StrCat("bad histogram descriptor found: ", Quote(sc.Slice(key_pos))));
    }
    if (!sc.Accept(':')) return sc.ErrHere(absl::StrCat("missing \":\" after histogram descriptor ", Quote(key)));
    sc.SkipBlanks();
    double v;
    if (scalar) {
      if (auto st = ReadValue(sc, &v); !st.ok()) return st;
    } else if (list) {
      if (!sc.Accept('[')) return sc.ErrHere(absl::StrCat("expected \"[\" after ", key, ":"));
      for (;;) {
        sc.SkipBlanks();
        if (sc.Accept(']')) break;
        if (sc.Done()) return sc.Err(start, "unterminated bucket list, expected \"]\"");
        if (auto st = ReadValue(sc, &v); !st.ok()) return st;
      }
    } else {
      const size_t hint_pos = sc.pos();
      while (IsAlpha(sc.Peek())) sc.Advance();
      const std::string hint = Lower(sc.Slice(hint_pos));
      if (hint != "unknown" && hint != "reset" && hint != "not_reset" && hint != "gauge") {
        return sc.Err(hint_pos, absl::StrCat("invalid counter_reset_hint ", Quote(sc.Slice(hint_pos)),
                                             ", expected unknown, reset, not_reset or gauge"));
      }
    }
    if (!sc.Done() && !IsBlank(sc.Peek()) && sc.Peek() != '}') {
      return sc.ErrHere(absl::StrCat("unexpected ", sc.Here(), " in histogram description"));
    }
  }
}

absl::Status CheckRoom(const Scanner& sc, size_t at, const SeriesDesc& d, uint64_t n) {
  if (d.values.size() + n > kMaxValuesPerLine) {
    return sc.Err(at, absl::StrCat("too many values on one line (at most ", kMaxValuesPerLine, ")"));
  }
  return absl::OkStatus();
}

absl::Status Append(const Scanner& sc, size_t at, SeriesDesc* d, SeqValue v, uint64_t n) {
  if (auto st = CheckRoom(sc, at, *d, n); !st.ok()) return st;
  d->values.insert(d->values.end(), n, v);
  return absl::OkStatus();
}

absl::Status ReadItem(Scanner& sc, SeriesDesc* d) {
  const size_t at = sc.pos();
  uint64_t n = 0;
  if (sc.Accept('_')) {
    if (!sc.Accept('x')) return Append(sc, at, d, SeqValue::Omitted(), 1);
    if (auto st = ReadCount(sc, &n); !st.ok()) return st;
    return Append(sc, at, d, SeqValue::Omitted(), n);
  }
  if (sc.Peek() == '{' && sc.Peek(1) == '{') {
    d->has_histograms = true;
    if (auto st = SkipHistogram(sc); !st.ok()) return st;
    if (sc.Accept('x')) {
      if (auto st = ReadCount(sc, &n); !st.ok()) return st;
      return Append(sc, at, d, SeqValue::Histogram(), n + 1);
    }
    if (sc.AcceptAny("+-")) {
      if (!(sc.Peek() == '{' && sc.Peek(1) == '{')) return sc.ErrHere("expected a histogram \"{{\" after the operator");
      if (auto st = SkipHistogram(sc); !st.ok()) return st;
      if (!sc.Accept('x')) return sc.ErrHere(absl::StrCat("expected \"x\" and a repetition count, found ", sc.Here()));
      if (auto st = ReadCount(sc, &n); !st.ok()) return st;
      return Append(sc, at, d, SeqValue::Histogram(), n + 1);
    }
    return Append(sc, at, d, SeqValue::Histogram(), 1);
  }
  double v;
  if (auto st = ReadValue(sc, &v); !st.ok()) return st;
  if (sc.Accept('x')) {
    if (auto st = ReadCount(sc, &n); !st.ok()) return st;
    return Append(sc, at, d, SeqValue::Float(v), n + 1);
  }
  if (sc.Peek() == '+' || sc.Peek() == '-') {
    const bool neg = sc.Peek() == '-';
    sc.Advance();
    double delta;
    if (auto st = ReadNumber(sc, &delta); !st.ok()) return st;
    if (neg) delta = -delta;
    if (!sc.Accept('x')) return sc.ErrHere(absl::StrCat("expected \"x\" and a repetition count, found ", sc.Here()));
    if (auto st = ReadCount(sc, &n); !st.ok()) return st;
    if (auto st = CheckRoom(sc, at, *d, n + 1); !st.ok()) return st;
    // Repeated addition, not v + i*delta: the float rounding of the values
    // the expectations were computed from depends on it.
    for (uint64_t i = 0; i <= n; i++) {
      d->values.push_back(SeqValue::Float(v));
      v += delta;
    }
    return absl::OkStatus();
  }
  return Append(sc, at, d, SeqValue::Float(v), 1);
}

absl::Status ReadValues(Scanner& sc, SeriesDesc* d) {
  while (!sc.Done()) {
    if (!IsBlank(sc.Peek())) return sc.ErrHere(absl::StrCat("unexpected ", sc.Here(), " in series values, expected a blank"));
    sc.SkipBlanks();
    if (sc.Done()) break;
    if (auto st = ReadItem(sc, d); !st.ok()) return st;
  }
  return absl::OkStatus();
}

// A signed duration at the start of `s`, as in "-30s-1mx2"; the unit stops
// before "x" (the repetition), and "0" needs no unit.
bool DurationPrefix(std::string_view s, int64_t* ms, std::string_view* rest, std::string* err) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  const size_t digits = i;
  while (i < s.size() && IsDigit(s[i])) i++;
  if (i == digits) {
    *err = absl::StrCat("expected digits in duration ", Quote(s));
    return false;
  }
  while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) && s[i] != 'x') i++;
  auto d = tsdb::ParseDuration(s.substr(digits, i - digits));
  if (!d.ok()) {
    *err = absl::StrCat("invalid duration ", Quote(s.substr(digits, i - digits)), ": ", d.status().message());
    return false;
  }
  *ms = neg ? -*d : *d;
  *rest = s.substr(i);
  return true;
}

bool ParseCountWord(std::string_view s, uint64_t* n) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (!IsDigit(c) || v >= kMaxValuesPerLine) return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v >= kMaxValuesPerLine) return false;
  *n = v;
  return true;
}

// One item of an @st sequence: _, _xN, D, DxN, D+ExN, D-ExN.
bool StartTimestampItem(std::string_view item, std::vector<SeqValue>* out, std::string* err) {
  uint64_t n = 0;
  if (item == "_") {
    out->push_back(SeqValue::Omitted());
    return true;
  }
  if (item.substr(0, 2) == "_x") {
    if (!ParseCountWord(item.substr(2), &n) || n == 0) {
      *err = "invalid repeat count";
      return false;
    }
    out->insert(out->end(), n, SeqValue::Omitted());
    return true;
  }
  int64_t base;
  std::string_view rest;
  if (!DurationPrefix(item, &base, &rest, err)) return false;
  if (rest.empty()) {
    out->push_back(SeqValue::Float(static_cast<double>(base)));
    return true;
  }
  if (rest[0] == 'x') {
    if (!ParseCountWord(rest.substr(1), &n)) {
      *err = "invalid repeat count";
      return false;
    }
    out->insert(out->end(), n + 1, SeqValue::Float(static_cast<double>(base)));
    return true;
  }
  if (rest[0] != '+' && rest[0] != '-') {
    *err = absl::StrCat("unexpected character ", QuoteChar(rest[0]), " after duration");
    return false;
  }
  int64_t delta;
  std::string_view rest2;
  if (!DurationPrefix(rest.substr(1), &delta, &rest2, err)) {
    *err = absl::StrCat("invalid step duration: ", *err);
    return false;
  }
  if (rest[0] == '-') delta = -delta;
  if (rest2.empty() || rest2[0] != 'x') {
    *err = "expected 'x<count>' after step duration";
    return false;
  }
  if (!ParseCountWord(rest2.substr(1), &n)) {
    *err = "invalid repeat count";
    return false;
  }
  int64_t offset = base;
  for (uint64_t i = 0; i <= n; i++) {
    out->push_back(SeqValue::Float(static_cast<double>(offset)));
    if (i < n && __builtin_add_overflow(offset, delta, &offset)) {
      *err = "offset out of range";
      return false;
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<SeriesDesc> ParseSeriesDesc(std::string_view line) {
  Scanner sc(line);
  SeriesDesc d;
  sc.SkipBlanks();
  if (auto st = ReadMetric(sc, &d.metric); !st.ok()) return st;
  if (auto st = ReadValues(sc, &d); !st.ok()) return st;
  return d;
}

bool IsStartTimestampLine(std::string_view line) {
  line = Trim(line);
  const size_t blank = line.find_first_of(" \t");
  if (blank == std::string_view::npos) return false;
  const std::string_view word = line.substr(0, blank);
  return word.size() >= 3 && word.substr(word.size() - 3) == "@st";
}

absl::StatusOr<SeriesDesc> ParseStartTimestampLine(std::string_view line) {
  line = Trim(line);
  const size_t blank = line.find_first_of(" \t");
  if (blank == std::string_view::npos || blank < 3) {
    return absl::InvalidArgumentError("invalid @st line: missing value sequence");
  }
  SeriesDesc d;
  const std::string_view metric = line.substr(0, blank - 3);
  Scanner sc(metric);
  if (auto st = ReadMetric(sc, &d.metric); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid @st line metric ", Quote(metric), ": ", st.message()));
  }
  if (!sc.Done()) {
    return absl::InvalidArgumentError(absl::StrCat("invalid @st line metric ", Quote(metric), ": unexpected ",
                                                   sc.Here(), " after the label set"));
  }
  std::string_view rest = line.substr(blank);
  while (true) {
    rest = Trim(rest);
    if (rest.empty()) break;
    const size_t end = std::min(rest.find_first_of(" \t"), rest.size());
    const std::string_view item = rest.substr(0, end);
    rest.remove_prefix(end);
    std::string err;
    if (!StartTimestampItem(item, &d.values, &err)) {
      return absl::InvalidArgumentError(absl::StrCat("invalid @st sequence: invalid ST item ", Quote(item), ": ", err));
    }
    if (d.values.size() > kMaxValuesPerLine) {
      return absl::InvalidArgumentError(absl::StrCat("too many values on one line (at most ", kMaxValuesPerLine, ")"));
    }
  }
  return d;
}

bool ParseScalarLine(std::string_view s, double* out) {
  std::string err;
  return parser::ParseNumberLiteral(s, out, &err);
}

}  // namespace promlite::promql::promqltest
