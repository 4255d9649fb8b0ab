// Float syntax shared by both exposition formats: parsing with Go's
// strconv.ParseFloat rules and OpenMetrics' canonical formatting of `le` and
// `quantile` values. Both must match Prometheus byte for byte, because the
// results end up in label values (series identity) and in stored samples.
#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "promlite/scrape/textparse.h"

namespace promlite::scrape {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x != b[i]) return false;
  }
  return true;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool ParsePromFloat(std::string_view s, double* out) {
  if (s.empty()) return false;
  bool neg = false;
  std::string_view body = s;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  // Go accepts "inf"/"infinity" with an optional sign and "nan" without one.
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity")) {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (body.size() == s.size() && EqualsIgnoreCase(body, "nan")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // Decimal syntax: digits [. digits] [e [sign] digits], at least one mantissa
  // digit. Validated here because from_chars is more permissive ("nan(x)",
  // partial consumption) and rejects a leading '+'.
  size_t i = 0, n = body.size();
  size_t int_digits = 0, frac_digits = 0;
  size_t first_nonzero = std::string_view::npos;  // index among mantissa digits
  size_t mant_idx = 0;
  uint64_t mantissa = 0;  // exact while it stays below 2^53
  bool exact = true;
  auto digit = [&](char c) {
    if (first_nonzero == std::string_view::npos && c != '0') first_nonzero = mant_idx;
    if (mantissa < (1ull << 53) / 10) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
    } else {
      exact = false;
    }
    mant_idx++;
  };
  while (i < n && IsDigit(body[i])) {
    digit(body[i]);
    i++, int_digits++;
  }
  if (i < n && body[i] == '.') {
    i++;
    while (i < n && IsDigit(body[i])) {
      digit(body[i]);
      i++, frac_digits++;
    }
  }
  if (int_digits + frac_digits == 0) return false;
  long long exp = 0;
  if (i < n && (body[i] == 'e' || body[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (body[i] == '+' || body[i] == '-')) {
      eneg = body[i] == '-';
      i++;
    }
    if (i >= n || !IsDigit(body[i])) return false;
    while (i < n && IsDigit(body[i])) {
      if (exp < 100000) exp = exp * 10 + (body[i] - '0');
      i++;
    }
    if (eneg) exp = -exp;
  }
  if (i != n) return false;
  // Clinger's fast path: an exact mantissa times or divided by an exact
  // power of ten is correctly rounded by one IEEE operation.
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  long long e10 = exp - static_cast<long long>(frac_digits);
  if (exact && e10 >= -22 && e10 <= 22) {
    double m = static_cast<double>(mantissa);
    double fv = e10 < 0 ? m / kPow10[-e10] : m * kPow10[e10];
    *out = neg ? -fv : fv;
    return true;
  }
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + n, v, std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {
    // Go reports overflow as an error but rounds underflow to zero.
    if (first_nonzero == std::string_view::npos) {
      v = 0;
    } else {
      long long magnitude = static_cast<long long>(int_digits) - static_cast<long long>(first_nonzero) - 1 + exp;
      if (magnitude >= 0) return false;
      v = 0;
    }
  } else if (r.ec != std::errc() || r.ptr != body.data() + n) {
    return false;
  }
  *out = neg ? -v : v;
  return true;
}

std::string FormatOpenMetricsFloat(double f) {
  if (f == 1) return "1.0";
  if (f == 0) return "0.0";
  if (f == -1) return "-1.0";
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  // Shortest round-trip digits, then Go's %g layout: exponent form when the
  // decimal exponent is < -4 or >= 6 (Go uses precision 6 for shortest 'g').
  char sci[64];
  auto r = std::to_chars(sci, sci + sizeof(sci), f, std::chars_format::scientific);
  std::string_view s(sci, static_cast<size_t>(r.ptr - sci));
  bool neg = false;
  if (!s.empty() && s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  size_t epos = s.find('e');
  std::string digits;
  for (char c : s.substr(0, epos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp = std::atoi(std::string(s.substr(epos + 1)).c_str());
  std::string out;
  if (neg) out.push_back('-');
  if (exp < -4 || exp >= 6) {
    out.push_back(digits[0]);
    if (digits.size() > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(exp < 0 ? '-' : '+');
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out.push_back('0');
    out.append(std::to_string(a));
    return out;
  }
  if (exp < 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-exp - 1), '0');
    out.append(digits);
    return out;
  }
  size_t int_len = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_len) {
    out.append(digits);
    out.append(int_len - digits.size(), '0');
    out.append(".0");  // OpenMetrics wants a '.' or an 'e' in every float
  } else {
    out.append(digits, 0, int_len);
    out.push_back('.');
    out.append(digits, int_len, std::string::npos);
  }
  return out;
}

}  // namespace promlite::scrape
