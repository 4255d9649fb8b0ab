#include "parser/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "promlite/tsdb/duration.h"

namespace promlite::promql::parser {

int32_t DecodeRune(std::string_view s, size_t i, int* width) {
  if (i >= s.size()) {
    *width = 0;
    return -1;
  }
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *width = 1;
    return b0;
  }
  int n;
  int32_t r;
  int32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2, r = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3, r = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4, r = b0 & 0x07, min = 0x10000;
  } else {
    *width = 1;
    return kRuneError;
  }
  if (i + static_cast<size_t>(n) > s.size()) {
    *width = 1;
    return kRuneError;
  }
  for (int k = 1; k < n; k++) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      *width = 1;
      return kRuneError;
    }
    r = (r << 6) | (b & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) {
    *width = 1;
    return kRuneError;
  }
  *width = n;
  return r;
}

void AppendRune(std::string* out, int32_t r) {
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

bool IsPrintRune(int32_t r) {
  if (r < 0x20) return false;
  if (r < 0x7F) return true;
  if (r <= 0xA0) return false;  // DEL, C1 controls, no-break space (Zs)
  struct Range {
    int32_t lo, hi;
  };
  // Cf, Zs, Zl, Zp, Cs, Co and noncharacters that Go's IsPrint rejects.
  static constexpr Range kNonPrint[] = {
      {0x00AD, 0x00AD}, {0x0600, 0x0605}, {0x061C, 0x061C}, {0x06DD, 0x06DD},
      {0x070F, 0x070F}, {0x0890, 0x0891}, {0x08E2, 0x08E2}, {0x1680, 0x1680},
      {0x180E, 0x180E}, {0x2000, 0x200F}, {0x2028, 0x202F}, {0x205F, 0x2064},
      {0x2066, 0x206F}, {0x3000, 0x3000}, {0xD800, 0xF8FF}, {0xFEFF, 0xFEFF},
      {0xFFF9, 0xFFFB}, {0xFFFE, 0xFFFF}, {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
      {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
      {0xF0000, 0x10FFFF},
  };
  for (const Range& rg : kNonPrint) {
    if (r >= rg.lo && r <= rg.hi) return false;
  }
  return true;
}

namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendEscapedRune(std::string* out, int32_t r, char quote) {
  if (r == quote || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (IsPrintRune(r)) {
    AppendRune(out, r);
    return;
  }
  switch (r) {
    case '\a': out->append("\\a"); return;
    case '\b': out->append("\\b"); return;
    case '\f': out->append("\\f"); return;
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
    case '\v': out->append("\\v"); return;
    default: break;
  }
  if (r < ' ' || r == 0x7F) {
    out->append("\\x");
    out->push_back(kHex[(r >> 4) & 0xF]);
    out->push_back(kHex[r & 0xF]);
  } else if (r < 0x10000) {
    out->append("\\u");
    for (int s = 12; s >= 0; s -= 4) out->push_back(kHex[(r >> s) & 0xF]);
  } else {
    out->append("\\U");
    for (int s = 28; s >= 0; s -= 4) out->push_back(kHex[(r >> s) & 0xF]);
  }
}

}  // namespace

void AppendGoQuote(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    int w;
    int32_t r = DecodeRune(s, i, &w);
    if (r == kRuneError && w == 1) {
      // An invalid byte is printed as \xNN, not as U+FFFD.
      const auto b = static_cast<unsigned char>(s[i]);
      out->append("\\x");
      out->push_back(kHex[b >> 4]);
      out->push_back(kHex[b & 0xF]);
    } else {
      AppendEscapedRune(out, r, '"');
    }
    i += static_cast<size_t>(w);
  }
  out->push_back('"');
}

std::string GoQuote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendGoQuote(&out, s);
  return out;
}

std::string GoQuoteRune(int32_t r) {
  std::string out = "'";
  if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  AppendEscapedRune(&out, r, '\'');
  out.push_back('\'');
  return out;
}

std::string GoRuneU(int32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (IsPrintRune(r)) {
    out.append(" '");
    AppendRune(&out, r);
    out.push_back('\'');
  }
  return out;
}

namespace {

bool SpecialFloat(double v, std::string* out) {
  if (std::isnan(v)) {
    *out = "NaN";
    return true;
  }
  if (std::isinf(v)) {
    *out = v > 0 ? "+Inf" : "-Inf";
    return true;
  }
  return false;
}

}  // namespace

std::string FormatFloatF(double v) {
  std::string out;
  if (SpecialFloat(v, &out)) return out;
  char buf[400];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, res.ptr);
}

std::string FormatFloatG(double v) {
  std::string out;
  if (SpecialFloat(v, &out)) return out;
  // Shortest digits in scientific form, then Go's %g layout rule: exponent
  // form when exp < -4 || exp >= 6.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  size_t epos = sci.find('e');
  std::string mant = sci.substr(0, epos);
  int exp = std::stoi(sci.substr(epos + 1));
  bool neg = !mant.empty() && mant[0] == '-';
  if (neg) mant.erase(0, 1);
  std::string digits;
  for (char c : mant) {
    if (c != '.') digits.push_back(c);
  }
  int nd = static_cast<int>(digits.size());
  // Go uses a precision of 6 for the layout decision of shortest output.
  const int eprec = 6;
  std::string res_s;
  if (neg) res_s.push_back('-');
  if (exp < -4 || exp >= eprec) {
    res_s.push_back(digits[0]);
    if (nd > 1) {
      res_s.push_back('.');
      res_s.append(digits, 1, std::string::npos);
    }
    res_s.push_back('e');
    res_s.push_back(exp < 0 ? '-' : '+');
    int ae = exp < 0 ? -exp : exp;
    if (ae < 10) res_s.push_back('0');
    res_s.append(std::to_string(ae));
    return res_s;
  }
  // Fixed layout.
  if (exp < 0) {
    res_s.append("0.");
    res_s.append(static_cast<size_t>(-exp - 1), '0');
    res_s.append(digits);
  } else if (exp + 1 >= nd) {
    res_s.append(digits);
    res_s.append(static_cast<size_t>(exp + 1 - nd), '0');
  } else {
    res_s.append(digits, 0, static_cast<size_t>(exp + 1));
    res_s.push_back('.');
    res_s.append(digits, static_cast<size_t>(exp + 1), std::string::npos);
  }
  return res_s;
}

std::string FormatFloatPercentF(double v) {
  std::string out;
  if (SpecialFloat(v, &out)) return out;
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  return buf;
}

std::string FormatDurationNs(int64_t ns) {
  return tsdb::FormatDuration(ns / 1000000);
}

}  // namespace promlite::promql::parser
