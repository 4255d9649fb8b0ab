#include "promlite/tsdb/matcher.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "promlite/tsdb/labels.h"
#include "re2/re2.h"

namespace promlite::tsdb {
namespace {

bool HasRegexMeta(std::string_view s) {
  for (char c : s) {
    switch (c) {
      case '\\': case '.': case '+': case '*': case '?': case '(': case ')': case '|':
      case '[': case ']': case '{': case '}': case '^': case '$':
        return true;
      default:
        break;
    }
  }
  return false;
}

// Splits "a|b|c" into literals when no alternative has regex syntax.
bool SplitLiteralAlternation(std::string_view s, std::vector<std::string>* out) {
  out->clear();
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i == s.size() || s[i] == '|') {
      std::string_view part = s.substr(start, i - start);
      if (HasRegexMeta(part)) {
        out->clear();
        return false;
      }
      out->emplace_back(part);
      start = i + 1;
    }
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  return true;
}

}  // namespace

std::string_view MatchTypeString(MatchType t) {
  switch (t) {
    case MatchType::kEqual: return "=";
    case MatchType::kNotEqual: return "!=";
    case MatchType::kRegexMatch: return "=~";
    case MatchType::kRegexNoMatch: return "!~";
  }
  return "?";
}

absl::StatusOr<Matcher> Matcher::Make(MatchType type, std::string_view name, std::string_view value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::string(name);
  m.value_ = std::string(value);
  if (!m.IsRegex()) {
    m.matches_empty_ = (type == MatchType::kEqual) == value.empty();
    return m;
  }
  RE2::Options opts;
  opts.set_dot_nl(true);
  opts.set_log_errors(false);
  // RE2 defaults to 8 MiB of program memory; user regexes beyond that fail
  // with an error instead of growing without bound.
  auto re = std::make_shared<RE2>(re2::StringPiece(value.data(), value.size()), opts);
  if (!re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat("error parsing regexp: ", re->error()));
  }
  m.re_ = std::move(re);
  if (value == ".*") {
    m.fast_ = Fast::kAny;
  } else if (value == ".+") {
    m.fast_ = Fast::kNonEmpty;
  } else if (!HasRegexMeta(value)) {
    m.fast_ = Fast::kLiteral;
    m.literal_ = m.value_;
  } else if (SplitLiteralAlternation(value, &m.set_)) {
    m.fast_ = Fast::kSet;
  } else if (value.size() > 2 && value.substr(value.size() - 2) == ".*" &&
             !HasRegexMeta(value.substr(0, value.size() - 2))) {
    m.fast_ = Fast::kPrefix;
    m.literal_ = m.value_.substr(0, value.size() - 2);
  }
  if (m.fast_ == Fast::kLiteral) m.set_ = {m.literal_};
  m.matches_empty_ = m.Matches("");
  return m;
}

Matcher Matcher::MustMake(MatchType type, std::string_view name, std::string_view value) {
  auto m = Make(type, name, value);
  if (!m.ok()) {
    // A programming error: callers only pass constant, valid regexes.
    std::abort();
  }
  return *std::move(m);
}

bool Matcher::RegexMatches(std::string_view v) const {
  switch (fast_) {
    case Fast::kAny: return true;
    case Fast::kNonEmpty: return !v.empty();
    case Fast::kLiteral: return v == literal_;
    case Fast::kSet: return std::binary_search(set_.begin(), set_.end(), v);
    case Fast::kPrefix: return v.substr(0, literal_.size()) == literal_;
    case Fast::kNone: break;
  }
  return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case MatchType::kEqual: return v == value_;
    case MatchType::kNotEqual: return v != value_;
    case MatchType::kRegexMatch: return RegexMatches(v);
    case MatchType::kRegexNoMatch: return !RegexMatches(v);
  }
  return false;
}

std::string Matcher::ToString() const {
  std::string out;
  if (IsValidLegacyLabelName(name_)) {
    out = name_;
  } else {
    out = absl::StrCat("\"", name_, "\"");
  }
  out.append(MatchTypeString(type_));
  out.push_back('"');
  for (char c : value_) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out.append("\\n");
      continue;
    }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

bool MatchesAll(const Labels& lset, const std::vector<Matcher>& matchers) {
  for (const auto& m : matchers) {
    if (!m.Matches(lset.Get(m.name()))) return false;
  }
  return true;
}

}  // namespace promlite::tsdb
