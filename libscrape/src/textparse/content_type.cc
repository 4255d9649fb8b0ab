// Choosing a parser from the response's Content-Type, as Prometheus 3 does:
// only a recognised media type selects a parser; anything else fails the
// scrape unless the job names a fallback_scrape_protocol.
#include <cstdint>
#include <limits>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "promlite/scrape/textparse.h"
#include "util/quote.h"

namespace promlite::scrape {
namespace {

bool IsTokenChar(char c) {
  if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  switch (c) {
    case '(': case ')': case '<': case '>': case '@': case ',': case ';': case ':':
    case '\\': case '"': case '/': case '[': case ']': case '?': case '=':
      return false;
    default:
      return true;
  }
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

size_t TokenLen(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && IsTokenChar(s[i])) i++;
  return i;
}

}  // namespace

absl::StatusOr<std::string> ParseMediaType(std::string_view v) {
  size_t semi = v.find(';');
  std::string media(TrimSpace(v.substr(0, semi)));
  for (char& c : media) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  std::string_view m = media;
  size_t t = TokenLen(m);
  if (t == 0) return absl::InvalidArgumentError("mime: no media type");
  if (t < m.size()) {
    if (m[t] != '/') return absl::InvalidArgumentError("mime: expected slash after first token");
    std::string_view sub = m.substr(t + 1);
    if (TokenLen(sub) != sub.size() || sub.empty()) {
      return absl::InvalidArgumentError("mime: expected token after slash");
    }
  }
  if (semi == std::string_view::npos) return media;
  // Parameters: ; key=value, value a token or a quoted string.
  std::string_view rest = v.substr(semi);
  std::set<std::string> seen;
  for (;;) {
    while (!rest.empty() && IsSpace(rest.front())) rest.remove_prefix(1);
    if (rest.empty()) break;
    std::string_view p = rest;
    bool ok = false;
    if (p.front() == ';') {
      p.remove_prefix(1);
      while (!p.empty() && IsSpace(p.front())) p.remove_prefix(1);
      size_t kl = TokenLen(p);
      if (kl > 0) {
        std::string key(p.substr(0, kl));
        for (char& c : key) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        p.remove_prefix(kl);
        while (!p.empty() && IsSpace(p.front())) p.remove_prefix(1);
        if (!p.empty() && p.front() == '=') {
          p.remove_prefix(1);
          while (!p.empty() && IsSpace(p.front())) p.remove_prefix(1);
          if (!p.empty() && p.front() == '"') {
            size_t i = 1;
            for (; i < p.size() && p[i] != '"'; i++) {
              if (p[i] == '\\') i++;
            }
            if (i < p.size()) {
              p.remove_prefix(i + 1);
              ok = true;
            }
          } else {
            size_t vl = TokenLen(p);
            if (vl > 0) {
              p.remove_prefix(vl);
              ok = true;
            }
          }
        }
        if (ok && !seen.insert(key).second) return absl::InvalidArgumentError("mime: duplicate parameter name");
      }
    }
    if (!ok) {
      if (TrimSpace(rest) == ";") break;  // a trailing semicolon is allowed
      return absl::InvalidArgumentError("mime: invalid media parameter");
    }
    rest = p;
  }
  return media;
}

absl::StatusOr<std::unique_ptr<Parser>> NewParserForContentType(std::string_view body, std::string_view content_type,
                                                                 std::string_view fallback, const ParserOptions& opts,
                                                                 std::string* warning) {
  if (body.size() > std::numeric_limits<uint32_t>::max()) {
    return absl::InvalidArgumentError("exposition larger than 4 GiB");
  }
  std::string media;
  std::string warn;
  if (content_type.empty()) {
    if (fallback.empty()) {
      return absl::InvalidArgumentError(
          "non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target");
    }
    media = std::string(fallback);
    warn = absl::StrCat("non-compliant scrape target sending blank Content-Type, using fallback_scrape_protocol ",
                        QuoteGo(fallback));
  } else {
    absl::StatusOr<std::string> m = ParseMediaType(content_type);
    if (!m.ok()) {
      if (fallback.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("cannot parse Content-Type ", QuoteGo(content_type),
                                                       " and no fallback_scrape_protocol for target: ",
                                                       std::string(m.status().message())));
      }
      media = std::string(fallback);
      warn = absl::StrCat("could not parse received Content-Type ", QuoteGo(content_type),
                          ", using fallback_scrape_protocol ", QuoteGo(fallback));
    } else if (*m == "application/openmetrics-text" || *m == "text/plain") {
      media = *m;
    } else if (fallback.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("received unsupported Content-Type ", QuoteGo(content_type),
                                                     " and no fallback_scrape_protocol specified for target"));
    } else {
      media = std::string(fallback);
      warn = absl::StrCat("received unsupported Content-Type ", QuoteGo(content_type),
                          ", using fallback_scrape_protocol ", QuoteGo(fallback));
    }
  }
  if (warning) *warning = std::move(warn);
  if (media == "application/openmetrics-text") return NewOpenMetricsParser(body, opts);
  if (media == "text/plain") return NewPromTextParser(body, opts);
  return absl::InvalidArgumentError(absl::StrCat("unsupported exposition media type ", QuoteGo(media)));
}

}  // namespace promlite::scrape
