// Label matchers: =, !=, =~, !~ with Prometheus semantics.
//
// Regexes are RE2, fully anchored, and `.` matches a newline (Prometheus 3).
// A label that a series does not have is matched as the empty string.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace re2 {
class RE2;
}

namespace promlite::tsdb {

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// "=", "!=", "=~", "!~".
std::string_view MatchTypeString(MatchType t);

class Matcher {
 public:
  // Fails only for an invalid regex; the message is RE2's, prefixed like
  // Prometheus': "error parsing regexp: ...".
  static absl::StatusOr<Matcher> Make(MatchType type, std::string_view name, std::string_view value);
  // For values known to be valid (=, != never fail); aborts on a bad regex.
  static Matcher MustMake(MatchType type, std::string_view name, std::string_view value);

  MatchType type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }

  bool Matches(std::string_view v) const;
  // True when the matcher accepts the empty string, i.e. also matches series
  // that lack the label.
  bool MatchesEmpty() const { return matches_empty_; }
  // For =~ with a set of literal alternatives ("a|b|c"), the literals; the
  // index uses them to look postings up directly instead of scanning values.
  const std::vector<std::string>& SetMatches() const { return set_; }
  bool IsRegex() const { return type_ == MatchType::kRegexMatch || type_ == MatchType::kRegexNoMatch; }

  // name="value" form, as PromQL prints it.
  std::string ToString() const;

 private:
  enum class Fast : uint8_t { kNone, kAny, kNonEmpty, kLiteral, kSet, kPrefix };
  bool RegexMatches(std::string_view v) const;

  MatchType type_ = MatchType::kEqual;
  std::string name_;
  std::string value_;
  Fast fast_ = Fast::kNone;
  bool matches_empty_ = false;
  std::string literal_;            // kLiteral / kPrefix
  std::vector<std::string> set_;   // kSet, sorted
  std::shared_ptr<const re2::RE2> re_;
};

// True when the series' label set satisfies every matcher.
class Labels;
bool MatchesAll(const Labels& lset, const std::vector<Matcher>& matchers);

}  // namespace promlite::tsdb
