// Anchored relabel regexes and Go's template expansion ($1, ${name}).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "promlite/scrape/relabel.h"
#include "re2/re2.h"
#include "util/strings.h"

namespace promlite::scrape {

struct RelabelRegex::Compiled {
  std::unique_ptr<re2::RE2> re;
  int groups = 0;
};

namespace {

// Go's regexp/syntax messages, so configuration errors read like Prometheus'.
std::string_view GoErrorText(re2::RE2::ErrorCode code) {
  switch (code) {
    case re2::RE2::ErrorBadEscape: return "invalid escape sequence";
    case re2::RE2::ErrorBadCharClass: return "invalid character class";
    case re2::RE2::ErrorBadCharRange: return "invalid character class range";
    case re2::RE2::ErrorMissingBracket: return "missing closing ]";
    case re2::RE2::ErrorMissingParen: return "missing closing )";
    case re2::RE2::ErrorUnexpectedParen: return "unexpected )";
    case re2::RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case re2::RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case re2::RE2::ErrorRepeatSize: return "invalid repeat count";
    case re2::RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case re2::RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case re2::RE2::ErrorBadUTF8: return "invalid UTF-8";
    case re2::RE2::ErrorBadNamedCapture: return "invalid named capture";
    case re2::RE2::ErrorPatternTooLarge: return "expression too large";
    default: return "regexp/syntax: internal error";
  }
}

bool IsNameByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Expands a Go regexp template. `groups[i]` is submatch i (data()==nullptr when
// the group did not participate).
void Expand(std::string_view tmpl, const std::vector<std::string_view>& groups,
            const std::map<std::string, int>* names, std::string* out) {
  out->clear();
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t d = tmpl.find('$', i);
    if (d == std::string_view::npos) {
      out->append(tmpl.substr(i));
      return;
    }
    out->append(tmpl.substr(i, d - i));
    i = d + 1;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out->push_back('$');
      i++;
      continue;
    }
    // $name or ${name}; anything else leaves the '$' as text.
    bool brace = i < tmpl.size() && tmpl[i] == '{';
    size_t s = brace ? i + 1 : i;
    size_t e = s;
    while (e < tmpl.size() && IsNameByte(tmpl[e])) e++;
    if (e == s || (brace && (e >= tmpl.size() || tmpl[e] != '}'))) {
      out->push_back('$');
      continue;
    }
    std::string_view name = tmpl.substr(s, e - s);
    i = brace ? e + 1 : e;
    long num = 0;
    for (char c : name) {
      if (c < '0' || c > '9' || num >= 100000000) {
        num = -1;
        break;
      }
      num = num * 10 + (c - '0');
    }
    if (name.size() > 1 && name[0] == '0') num = -1;  // no leading zeros
    if (num >= 0) {
      if (static_cast<size_t>(num) < groups.size() && groups[num].data() != nullptr) out->append(groups[num]);
      continue;
    }
    if (names) {
      auto it = names->find(std::string(name));
      if (it != names->end() && static_cast<size_t>(it->second) < groups.size() &&
          groups[it->second].data() != nullptr) {
        out->append(groups[it->second]);
      }
    }
  }
}

}  // namespace

RelabelRegex::RelabelRegex() : pattern_("(.*)"), is_default_(true) {}

absl::StatusOr<RelabelRegex> RelabelRegex::Compile(std::string_view pattern) {
  RelabelRegex r;
  r.pattern_ = std::string(pattern);
  r.is_default_ = pattern == "(.*)";
  if (r.is_default_) return r;  // matched without RE2, see Match
  auto c = std::make_shared<Compiled>();
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  std::string anchored = absl::StrCat("^(?s:", A(pattern), ")$");
  c->re = std::make_unique<re2::RE2>(anchored, opts);
  if (!c->re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat("error parsing regexp: ", A(GoErrorText(c->re->error_code())),
                                                   ": `", c->re->error_arg(), "`"));
  }
  c->groups = c->re->NumberOfCapturingGroups();
  r.re_ = std::move(c);
  return r;
}

bool RelabelRegex::Match(std::string_view s) const {
  if (is_default_) return true;
  return re_->re->Match(s, 0, s.size(), re2::RE2::UNANCHORED, nullptr, 0);
}

bool RelabelRegex::MatchExpand(std::string_view s, std::string_view tmpl, std::string* out) const {
  return MatchExpand2(s, tmpl, out, {}, nullptr);
}

bool RelabelRegex::MatchExpand2(std::string_view s, std::string_view t1, std::string* o1, std::string_view t2,
                                std::string* o2) const {
  std::vector<std::string_view> groups;
  const std::map<std::string, int>* names = nullptr;
  if (is_default_) {
    // "(.*)" with dot matching newlines: group 0 and 1 are the whole input.
    groups = {s, s};
  } else {
    int n = re_->groups + 1;
    std::vector<re2::StringPiece> sub(static_cast<size_t>(n));
    if (!re_->re->Match(s, 0, s.size(), re2::RE2::UNANCHORED, sub.data(), n)) return false;
    groups.reserve(sub.size());
    for (const auto& p : sub) groups.emplace_back(p.data(), p.size());
    names = &re_->re->NamedCapturingGroups();
  }
  Expand(t1, groups, names, o1);
  if (o2) Expand(t2, groups, names, o2);
  return true;
}

}  // namespace promlite::scrape
