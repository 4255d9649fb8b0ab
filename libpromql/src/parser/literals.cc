#include "parser/literals.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "parser/go_format.h"

namespace promlite::promql::parser {
namespace {

int Lower(int c) { return c | 0x20; }

// Go's underscoreOK: "_" only between digits, or between a base prefix and
// a digit.
bool UnderscoreOK(std::string_view s) {
  char saw = '^';  // '^' start, '0' digit or prefix, '_' underscore, '!' other
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); i++) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && Lower(c) >= 'a' && Lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// strconv.ParseInt(s, 0, 64) for the unsigned forms the lexer produces.
// Returns 0 ok, 1 syntax error, 2 range error.
int ParseGoInt(std::string_view s, int64_t* out) {
  if (s.empty()) return 1;
  std::string_view body = s;
  int base = 10;
  if (body[0] == '0') {
    if (body.size() >= 3 && Lower(body[1]) == 'x') {
      base = 16, body.remove_prefix(2);
    } else if (body.size() >= 3 && Lower(body[1]) == 'o') {
      base = 8, body.remove_prefix(2);
    } else if (body.size() >= 3 && Lower(body[1]) == 'b') {
      base = 2, body.remove_prefix(2);
    } else {
      base = 8, body.remove_prefix(1);
    }
  }
  bool underscores = false;
  uint64_t v = 0;
  bool overflow = false;
  for (char c : body) {
    int d;
    if (c == '_') {
      underscores = true;
      continue;
    }
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      d = Lower(c) - 'a' + 10;
    } else {
      return 1;
    }
    if (d >= base) return 1;
    if (v > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      overflow = true;
    } else {
      v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    }
  }
  if (underscores && !UnderscoreOK(s)) return 1;
  if (overflow || v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return 2;
  *out = static_cast<int64_t>(v);
  return 0;
}

bool EqualFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// strconv.ParseFloat(s, 64) for decimal forms, "inf"/"infinity"/"nan".
// Returns 0 ok, 1 syntax error, 2 range error.
int ParseGoFloat(std::string_view s, double* out) {
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (EqualFold(body, "inf") || EqualFold(body, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return 0;
  }
  if (EqualFold(body, "nan") && body.size() == s.size()) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return 0;
  }
  // Decimal mantissa with optional exponent; hex floats never reach here
  // because the lexer rejects "p" exponents and fractional hex.
  std::string clean;
  bool underscores = false;
  bool digits = false;
  size_t i = 0;
  while (i < body.size() && ((body[i] >= '0' && body[i] <= '9') || body[i] == '_')) {
    if (body[i] == '_') underscores = true; else digits = true;
    clean.push_back(body[i] == '_' ? '\0' : body[i]);
    i++;
  }
  if (i < body.size() && body[i] == '.') {
    clean.push_back('.');
    i++;
    while (i < body.size() && ((body[i] >= '0' && body[i] <= '9') || body[i] == '_')) {
      if (body[i] == '_') underscores = true; else digits = true;
      clean.push_back(body[i] == '_' ? '\0' : body[i]);
      i++;
    }
  }
  if (!digits) return 1;
  if (i < body.size() && Lower(body[i]) == 'e') {
    clean.push_back('e');
    i++;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) clean.push_back(body[i++]);
    bool exp_digits = false;
    while (i < body.size() && ((body[i] >= '0' && body[i] <= '9') || body[i] == '_')) {
      if (body[i] == '_') underscores = true; else exp_digits = true;
      clean.push_back(body[i] == '_' ? '\0' : body[i]);
      i++;
    }
    if (!exp_digits) return 1;
  }
  if (i != body.size()) return 1;
  if (underscores && !UnderscoreOK(body)) return 1;
  std::string num;
  if (neg) num.push_back('-');
  for (char c : clean) {
    if (c != '\0') num.push_back(c);
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return 1;
  *out = v;
  // Go reports overflow only; underflow to zero or a denormal is not an error.
  if (errno == ERANGE && std::isinf(v)) return 2;
  return 0;
}

}  // namespace

bool ParseNumberLiteral(std::string_view s, double* out, std::string* err) {
  int64_t iv;
  if (ParseGoInt(s, &iv) == 0) {
    *out = static_cast<double>(iv);
    return true;
  }
  int rc = ParseGoFloat(s, out);
  if (rc == 0) return true;
  *err = "strconv.ParseFloat: parsing " + GoQuote(s) + (rc == 2 ? ": value out of range" : ": invalid syntax");
  return false;
}

bool ParseDurationLiteral(std::string_view s, int64_t* ns, std::string* err) {
  if (s == "0") {
    *ns = 0;
    return true;
  }
  if (s.empty()) {
    *err = "empty duration string";
    return false;
  }
  struct Unit {
    std::string_view name;
    uint64_t mult;  // nanoseconds
    int pos;
  };
  static constexpr Unit kUnits[] = {
      {"ms", 1000000ULL, 7},
      {"s", 1000000000ULL, 6},
      {"m", 60ULL * 1000000000ULL, 5},
      {"h", 3600ULL * 1000000000ULL, 4},
      {"d", 86400ULL * 1000000000ULL, 3},
      {"w", 7ULL * 86400ULL * 1000000000ULL, 2},
      {"y", 365ULL * 86400ULL * 1000000000ULL, 1},
  };
  const std::string invalid = "not a valid duration string: " + GoQuote(s);
  std::string_view rest = s;
  uint64_t total = 0;
  int last_pos = 0;
  while (!rest.empty()) {
    if (!(rest[0] >= '0' && rest[0] <= '9')) {
      *err = invalid;
      return false;
    }
    size_t i = 0;
    uint64_t v = 0;
    bool too_big = false;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
      if (v > (std::numeric_limits<uint64_t>::max() - 9) / 10) too_big = true;
      v = v * 10 + static_cast<uint64_t>(rest[i] - '0');
      i++;
    }
    if (too_big) {
      *err = invalid;
      return false;
    }
    rest.remove_prefix(i);
    size_t j = 0;
    while (j < rest.size() && !(rest[j] >= '0' && rest[j] <= '9')) j++;
    if (j == 0) {
      *err = invalid;
      return false;
    }
    std::string_view u = rest.substr(0, j);
    rest.remove_prefix(j);
    const Unit* unit = nullptr;
    for (const Unit& cand : kUnits) {
      if (cand.name == u) unit = &cand;
    }
    if (unit == nullptr) {
      *err = "unknown unit " + GoQuote(u) + " in duration " + GoQuote(s);
      return false;
    }
    if (unit->pos <= last_pos) {
      *err = invalid;
      return false;
    }
    last_pos = unit->pos;
    if (v > (1ULL << 63) / unit->mult) {
      *err = "duration out of range";
      return false;
    }
    total += v * unit->mult;
    if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      *err = "duration out of range";
      return false;
    }
  }
  *ns = static_cast<int64_t>(total);
  return true;
}

bool UnquoteString(std::string_view s, std::string* out) {
  out->clear();
  if (s.size() < 2) return false;
  const char quote = s[0];
  if (quote != s.back()) return false;
  s = s.substr(1, s.size() - 2);
  if (quote == '`') {
    if (s.find('`') != std::string_view::npos) return false;
    out->assign(s);
    return true;
  }
  if (quote != '"' && quote != '\'') return false;
  if (s.find('\n') != std::string_view::npos) return false;
  if (s.find('\\') == std::string_view::npos && s.find(quote) == std::string_view::npos) {
    out->assign(s);
    return true;
  }
  out->reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == quote) return false;
    if (c != '\\') {
      out->push_back(c);
      i++;
      continue;
    }
    if (i + 1 >= s.size()) return false;
    const char e = s[i + 1];
    i += 2;
    switch (e) {
      case 'a': out->push_back('\a'); continue;
      case 'b': out->push_back('\b'); continue;
      case 'f': out->push_back('\f'); continue;
      case 'n': out->push_back('\n'); continue;
      case 'r': out->push_back('\r'); continue;
      case 't': out->push_back('\t'); continue;
      case 'v': out->push_back('\v'); continue;
      case '\\': out->push_back('\\'); continue;
      case '\'':
      case '"':
        if (e != quote) return false;
        out->push_back(e);
        continue;
      case 'x':
      case 'u':
      case 'U': {
        int n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
        if (i + static_cast<size_t>(n) > s.size()) return false;
        uint32_t v = 0;
        for (int k = 0; k < n; k++) {
          char h = s[i + static_cast<size_t>(k)];
          int d;
          if (h >= '0' && h <= '9') d = h - '0';
          else if (Lower(h) >= 'a' && Lower(h) <= 'f') d = Lower(h) - 'a' + 10;
          else return false;
          v = v * 16 + static_cast<uint32_t>(d);
        }
        i += static_cast<size_t>(n);
        if (e == 'x') {
          // \xNN is a single byte, even when not valid UTF-8 on its own.
          out->push_back(static_cast<char>(v));
          continue;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return false;
        AppendRune(out, static_cast<int32_t>(v));
        continue;
      }
      default:
        if (e >= '0' && e <= '7') {
          if (i + 2 > s.size()) return false;
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2; k++) {
            char o = s[i + static_cast<size_t>(k)];
            if (o < '0' || o > '7') return false;
            v = v * 8 + static_cast<uint32_t>(o - '0');
          }
          if (v > 255) return false;
          i += 2;
          out->push_back(static_cast<char>(v));
          continue;
        }
        return false;
    }
  }
  return true;
}

}  // namespace promlite::promql::parser
