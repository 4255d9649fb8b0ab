// Parsing of the text form of a label set, for tests and tools.
#include <string>

#include "absl/strings/str_cat.h"
#include "promlite/tsdb/labels.h"

namespace promlite::tsdb {
namespace {

class TextReader {
 public:
  explicit TextReader(std::string_view s) : s_(s) {}
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) i_++;
  }
  bool Done() const { return i_ >= s_.size(); }
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void Advance() { i_++; }
  size_t pos() const { return i_; }

  // A bare identifier (legacy metric or label name).
  std::string_view Ident(bool metric) {
    size_t start = i_;
    while (i_ < s_.size()) {
      char c = s_[i_];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':') ||
                (i_ > start && c >= '0' && c <= '9');
      if (!ok) break;
      i_++;
    }
    return s_.substr(start, i_ - start);
  }

  absl::Status Quoted(std::string* out) {
    if (Peek() != '"') return Err("expected '\"'");
    i_++;
    out->clear();
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c == '\\') {
        if (i_ >= s_.size()) return Err("unterminated escape");
        char e = s_[i_++];
        switch (e) {
          case 'n': out->push_back('\n'); break;
          case 't': out->push_back('\t'); break;
          case '\\': out->push_back('\\'); break;
          case '"': out->push_back('"'); break;
          default: return Err(absl::StrCat("unknown escape \\", std::string(1, e)));
        }
      } else {
        out->push_back(c);
      }
    }
    if (i_ >= s_.size()) return Err("unterminated string");
    i_++;
    return absl::OkStatus();
  }

  absl::Status Err(const std::string& what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot parse labels \"", std::string(s_), "\" at byte ", i_, ": ", what));
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

absl::Status Labels::Parse(std::string_view text, Labels* out) {
  TextReader r(text);
  std::vector<std::pair<std::string, std::string>> pairs;
  r.SkipSpace();
  std::string_view metric = r.Ident(true);
  if (!metric.empty()) pairs.emplace_back(std::string(kMetricName), std::string(metric));
  r.SkipSpace();
  if (r.Peek() == '{') {
    r.Advance();
    for (;;) {
      r.SkipSpace();
      if (r.Peek() == '}') {
        r.Advance();
        break;
      }
      std::string name;
      if (r.Peek() == '"') {
        if (auto st = r.Quoted(&name); !st.ok()) return st;
      } else {
        name = std::string(r.Ident(false));
        if (name.empty()) return r.Err("expected label name");
      }
      r.SkipSpace();
      if (r.Peek() != '=' ) {
        // {"metric.name"} sets the metric name in the quoted form.
        if (pairs.empty() && (r.Peek() == ',' || r.Peek() == '}')) {
          pairs.emplace_back(std::string(kMetricName), name);
          if (r.Peek() == ',') r.Advance();
          continue;
        }
        return r.Err("expected '='");
      }
      r.Advance();
      r.SkipSpace();
      std::string value;
      if (auto st = r.Quoted(&value); !st.ok()) return st;
      pairs.emplace_back(std::move(name), std::move(value));
      r.SkipSpace();
      if (r.Peek() == ',') {
        r.Advance();
      } else if (r.Peek() != '}') {
        return r.Err("expected ',' or '}'");
      }
    }
  }
  r.SkipSpace();
  if (!r.Done()) return r.Err("unexpected trailing characters");
  std::vector<std::pair<std::string_view, std::string_view>> views;
  views.reserve(pairs.size());
  for (const auto& [k, v] : pairs) views.emplace_back(k, v);
  *out = FromPairs(std::move(views));
  return absl::OkStatus();
}

}  // namespace promlite::tsdb
