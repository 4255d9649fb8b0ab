// Prometheus' template functions (template/template.go and
// prometheus/common's helpers/templates) with Go's semantics and outputs.
#include <arpa/inet.h>
#include <locale.h>
#include <wctype.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "parser/go_format.h"
#include "rules/strings.h"
#include "parser/literals.h"
#include "re2/re2.h"
#include "rules/template/funcs.h"

namespace promlite::promql::tmpl {
namespace {

using A = ArgType;
using Result = absl::StatusOr<Value>;

// strconv.ParseFloat(s, 64).
bool GoParseFloat(std::string_view s, double* out, std::string* err) {
  auto fail = [&](std::string_view why) {
    *err = absl::StrCat("strconv.ParseFloat: parsing ", parser::GoQuote(s), ": ", AV(why));
    return false;
  };
  std::string_view body = s;
  bool signed_ = !body.empty() && (body[0] == '+' || body[0] == '-');
  if (signed_) body.remove_prefix(1);
  std::string lower = absl::AsciiStrToLower(std::string(body));
  if (lower == "inf" || lower == "infinity") {
    *out = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
    return true;
  }
  if (lower == "nan" && !signed_) {
    *out = std::nan("");
    return true;
  }
  // Go syntax: decimal digits with '.', exponent e; or 0x hex with p exponent.
  bool hex = lower.size() > 2 && lower[0] == '0' && lower[1] == 'x';
  size_t i = hex ? 2 : 0;
  bool digits = false;
  auto is_digit = [&](char c) { return (c >= '0' && c <= '9') || (hex && c >= 'a' && c <= 'f'); };
  while (i < lower.size() && is_digit(lower[i])) i++, digits = true;
  if (i < lower.size() && lower[i] == '.') {
    i++;
    while (i < lower.size() && is_digit(lower[i])) i++, digits = true;
  }
  if (!digits) return fail("invalid syntax");
  if (i < lower.size() && lower[i] == (hex ? 'p' : 'e')) {
    i++;
    if (i < lower.size() && (lower[i] == '+' || lower[i] == '-')) i++;
    size_t start = i;
    while (i < lower.size() && lower[i] >= '0' && lower[i] <= '9') i++;
    if (i == start) return fail("invalid syntax");
  } else if (hex) {
    return fail("invalid syntax");
  }
  if (i != lower.size()) return fail("invalid syntax");
  std::string copy(s);
  errno = 0;
  double v = std::strtod(copy.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(v)) return fail("value out of range");
  *out = v;
  return true;
}

// common_templates.ConvertToFloat.
absl::StatusOr<double> ToFloat(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kFloat: return v.f();
    case Value::Kind::kInt: return static_cast<double>(v.i());
    case Value::Kind::kString: {
      double d = 0;
      std::string err;
      if (!GoParseFloat(v.s(), &d, &err)) return absl::InvalidArgumentError(err);
      return d;
    }
    default: return absl::InvalidArgumentError(absl::StrCat("can't convert ", v.TypeName(), " to float"));
  }
}

std::string G4(double v) {
  std::string err;
  return GoSprintf("%.4g", {Value::Float(v)}, &err);
}

Result Humanize(double v) {
  if (v == 0 || std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  const char* prefix = "";
  if (std::fabs(v) >= 1) {
    for (const char* p : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return Value::String(G4(v) + prefix);
  }
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::String(G4(v) + prefix);
}

Result Humanize1024(double v) {
  if (std::fabs(v) <= 1 || std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  const char* prefix = "";
  for (const char* p : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return Value::String(G4(v) + prefix);
}

Result HumanizeDuration(double v) {
  if (std::isnan(v) || std::isinf(v)) return Value::String(G4(v));
  if (v == 0) return Value::String(G4(v) + "s");
  if (std::fabs(v) >= 1) {
    std::string sign;
    if (v < 0) sign = "-", v = -v;
    // int64(v); values beyond int64 saturate like amd64's conversion.
    int64_t d = v >= 9.2233720368547758e18 ? INT64_MIN : static_cast<int64_t>(v);
    int64_t seconds = d % 60, minutes = (d / 60) % 60, hours = (d / 60 / 60) % 24, days = d / 60 / 60 / 24;
    if (days != 0) return Value::String(absl::StrCat(sign, days, "d ", hours, "h ", minutes, "m ", seconds, "s"));
    if (hours != 0) return Value::String(absl::StrCat(sign, hours, "h ", minutes, "m ", seconds, "s"));
    if (minutes != 0) return Value::String(absl::StrCat(sign, minutes, "m ", seconds, "s"));
    return Value::String(absl::StrCat(sign, G4(v), "s"));
  }
  const char* prefix = "";
  for (const char* p : {"m", "u", "n", "p", "f", "a", "z", "y"}) {
    if (std::fabs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return Value::String(absl::StrCat(G4(v), prefix, "s"));
}

// FloatToTime: seconds to a time with millisecond precision (model.Time).
absl::StatusOr<int64_t> FloatToTime(double v) {
  if (std::isnan(v) || std::isinf(v)) return absl::InvalidArgumentError("value is NaN or Inf");
  double ns = v * 1e9;
  if (ns > 9.2233720368547758e18 || ns < -9.2233720368547758e18) {
    return absl::InvalidArgumentError(
        absl::StrCat(parser::FormatFloatG(v), " cannot be represented as a nanoseconds timestamp since it overflows int64"));
  }
  int64_t ms = static_cast<int64_t>(ns) / 1000000;
  return ms * 1000000;
}

// Unicode case mapping through the C.UTF-8 locale (ASCII when missing).
locale_t Utf8Locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

int32_t MapCase(int32_t r, bool upper) {
  if (r < 0x80) return upper ? absl::ascii_toupper(static_cast<char>(r)) : absl::ascii_tolower(static_cast<char>(r));
  locale_t loc = Utf8Locale();
  if (loc == static_cast<locale_t>(nullptr)) return r;
  return static_cast<int32_t>(upper ? towupper_l(static_cast<wint_t>(r), loc) : towlower_l(static_cast<wint_t>(r), loc));
}

bool IsCased(int32_t r) {
  if (r < 0x80) return absl::ascii_isalpha(static_cast<char>(r));
  locale_t loc = Utf8Locale();
  return loc != static_cast<locale_t>(nullptr) && iswalpha_l(static_cast<wint_t>(r), loc) &&
         (MapCase(r, true) != r || MapCase(r, false) != r);
}

std::string MapString(std::string_view s, bool upper) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    int w = 0;
    int32_t r = parser::DecodeRune(s, i, &w);
    if (r == parser::kRuneError && w == 1) {
      out.append("\uFFFD");
    } else {
      parser::AppendRune(&out, MapCase(r, upper));
    }
    i += static_cast<size_t>(w);
  }
  return out;
}

// cases.Title(language.AmericanEnglish, cases.NoLower): the first cased
// letter of each word upper-cased, the rest left alone. Letters, digits and
// '_' continue a word; a single '.', ':' or '\'' between word characters does
// too; anything else ends it.
std::string Title(std::string_view s) {
  std::string out;
  bool mid_word = false;
  bool prev_mid = false;
  for (size_t i = 0; i < s.size();) {
    int w = 0;
    int32_t r = parser::DecodeRune(s, i, &w);
    i += static_cast<size_t>(w);
    bool is_mid = r == '.' || r == ':' || r == '\'' || r == 0x2019 || r == 0xB7;
    if (IsCased(r)) {
      parser::AppendRune(&out, mid_word ? r : MapCase(r, true));
      mid_word = true;
    } else {
      parser::AppendRune(&out, r);
      bool word_char = (r >= '0' && r <= '9') || r == '_' || is_mid;
      if (!word_char) mid_word = false;
    }
    if (prev_mid && is_mid) mid_word = false;
    prev_mid = is_mid;
  }
  return out;
}

// Go's regexp.ReplaceAllString: successive non-overlapping matches, empty
// matches next to a previous match ignored, $1 / ${1} / $name expansion.
std::string ReplaceAll(const RE2& re, std::string_view src, std::string_view repl) {
  int ngroups = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> m(static_cast<size_t>(ngroups));
  const auto& names = re.NamedCapturingGroups();
  std::string out;
  size_t last_end = 0, search = 0;
  re2::StringPiece text(src.data(), src.size());
  auto expand = [&]() {
    for (size_t i = 0; i < repl.size();) {
      char c = repl[i];
      if (c != '$' || i + 1 >= repl.size()) {
        out.push_back(c);
        i++;
        continue;
      }
      if (repl[i + 1] == '$') {
        out.push_back('$');
        i += 2;
        continue;
      }
      std::string_view name;
      size_t next;
      if (repl[i + 1] == '{') {
        size_t close = repl.find('}', i + 2);
        if (close == std::string_view::npos) {
          out.push_back('$');
          i++;
          continue;
        }
        name = repl.substr(i + 2, close - i - 2);
        next = close + 1;
      } else {
        size_t j = i + 1;
        while (j < repl.size() && (absl::ascii_isalnum(repl[j]) || repl[j] == '_')) j++;
        name = repl.substr(i + 1, j - i - 1);
        next = j;
      }
      bool valid = !name.empty();
      for (char nc : name) valid = valid && (absl::ascii_isalnum(nc) || nc == '_');
      if (!valid) {
        out.push_back('$');
        i++;
        continue;
      }
      int idx = -1;
      bool numeric = std::all_of(name.begin(), name.end(), [](char d) { return d >= '0' && d <= '9'; });
      if (numeric) {
        idx = name.size() > 9 ? -1 : std::atoi(std::string(name).c_str());
      } else if (auto it = names.find(std::string(name)); it != names.end()) {
        idx = it->second;
      }
      if (idx >= 0 && idx < ngroups && m[static_cast<size_t>(idx)].data() != nullptr) {
        out.append(m[static_cast<size_t>(idx)].data(), m[static_cast<size_t>(idx)].size());
      }
      i = next;
    }
  };
  while (search <= src.size()) {
    if (!re.Match(text, search, src.size(), RE2::UNANCHORED, m.data(), ngroups)) break;
    size_t a0 = static_cast<size_t>(m[0].data() - src.data());
    size_t a1 = a0 + m[0].size();
    out.append(src.substr(last_end, a0 - last_end));
    if (a1 > last_end || a0 == 0) expand();
    last_end = a1;
    int w = 0;
    if (search < src.size()) parser::DecodeRune(src, search, &w);
    if (search + static_cast<size_t>(w) > a1) {
      search += static_cast<size_t>(w);
    } else if (search + 1 > a1) {
      search++;
    } else {
      search = a1;
    }
  }
  out.append(src.substr(last_end));
  return out;
}

absl::StatusOr<std::unique_ptr<RE2>> CompileGo(std::string_view pattern) {
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_unique<RE2>(re2::StringPiece(pattern.data(), pattern.size()), o);
  if (!re->ok()) {
    return absl::InvalidArgumentError(absl::StrCat("error parsing regexp: ", re->error(), ": `", AV(pattern), "`"));
  }
  return re;
}

// net.SplitHostPort.
bool SplitHostPort(std::string_view hp, std::string* host, std::string* port) {
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos) return false;
  if (!hp.empty() && hp[0] == '[') {
    size_t close = hp.find(']');
    if (close == std::string_view::npos || close + 1 != colon) return false;
    *host = std::string(hp.substr(1, close - 1));
  } else {
    *host = std::string(hp.substr(0, colon));
    if (host->find(':') != std::string::npos) return false;
  }
  *port = std::string(hp.substr(colon + 1));
  return host->find_first_of("[]") == std::string::npos;
}

bool IsIP(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// The path of the external URL ("" when none).
std::string UrlPath(std::string_view url) {
  size_t scheme = url.find("://");
  size_t host_start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t slash = url.find('/', host_start);
  if (slash == std::string_view::npos) return "";
  std::string_view path = url.substr(slash);
  size_t q = path.find_first_of("?#");
  return std::string(path.substr(0, q));
}

Result NilSample(std::string_view fn) {
  return absl::InvalidArgumentError(absl::StrCat(AV(fn), "() called on a nil sample"));
}

}  // namespace

void AddPrometheusFuncs(std::map<std::string, FuncDef, std::less<>>* m) {
  auto def = [&](const char* name, std::vector<ArgType> params, bool variadic, auto impl) {
    (*m)[name] = FuncDef{std::move(params), variadic, impl};
  };
  def("query", {A::kString}, false, [](std::vector<Value>& a, const TemplateEnv& env) -> Result {
    if (!env.query) return absl::FailedPreconditionError("query() is not available here");
    auto v = env.query(a[0].s(), env.timestamp_ms);
    if (!v.ok()) return v.status();
    auto list = std::make_shared<SampleList>();
    for (const auto& s : *v) {
      auto obj = std::make_shared<SampleObj>();
      for (const auto& l : s.metric) obj->labels[std::string(l.name)] = std::string(l.value);
      obj->value = s.f;
      list->push_back(std::move(obj));
    }
    return Value::Samples(list);
  });
  def("first", {A::kSampleList}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    if (!a[0].list_ptr() || a[0].list().empty()) {
      return absl::InvalidArgumentError("first() called on vector with no elements");
    }
    return Value::Sample(a[0].list()[0]);
  });
  def("label", {A::kString, A::kSample}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    if (!a[1].sample()) return NilSample("label");
    auto it = a[1].sample()->labels.find(a[0].s());
    return Value::String(it == a[1].sample()->labels.end() ? "" : it->second);
  });
  def("value", {A::kSample}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    if (!a[0].sample()) return NilSample("value");
    return Value::Float(a[0].sample()->value);
  });
  def("strvalue", {A::kSample}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    if (!a[0].sample()) return NilSample("strvalue");
    auto it = a[0].sample()->labels.find("__value__");
    return Value::String(it == a[0].sample()->labels.end() ? "" : it->second);
  });
  def("args", {A::kAny}, true, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto out = std::make_shared<AnyMap>();
    for (size_t i = 0; i < a.size(); i++) (*out)[absl::StrCat("arg", i)] = a[i];
    return Value::Args(out);
  });
  def("reReplaceAll", {A::kString, A::kString, A::kString}, false,
      [](std::vector<Value>& a, const TemplateEnv&) -> Result {
        auto re = CompileGo(a[0].s());
        if (!re.ok()) return absl::InvalidArgumentError(absl::StrCat("regexp: Compile(", parser::GoQuote(a[0].s()), "): ", re.status().message()));
        return Value::String(ReplaceAll(**re, a[2].s(), a[1].s()));
      });
  def("safeHtml", {A::kString}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    return Value::Html(a[0].s());
  });
  def("match", {A::kString, A::kString}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto re = CompileGo(a[0].s());
    if (!re.ok()) return re.status();
    return Value::Bool(RE2::PartialMatch(re2::StringPiece(a[1].s()), **re));
  });
  def("title", {A::kString}, false,
      [](std::vector<Value>& a, const TemplateEnv&) -> Result { return Value::String(Title(a[0].s())); });
  def("toUpper", {A::kString}, false,
      [](std::vector<Value>& a, const TemplateEnv&) -> Result { return Value::String(MapString(a[0].s(), true)); });
  def("toLower", {A::kString}, false,
      [](std::vector<Value>& a, const TemplateEnv&) -> Result { return Value::String(MapString(a[0].s(), false)); });
  def("graphLink", {A::kString}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    return Value::String(absl::StrCat("/graph?g0.expr=", GoQueryEscape(a[0].s()), "&g0.tab=0"));
  });
  def("tableLink", {A::kString}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    return Value::String(absl::StrCat("/graph?g0.expr=", GoQueryEscape(a[0].s()), "&g0.tab=1"));
  });
  def("sortByLabel", {A::kString, A::kSampleList}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    if (!a[1].list_ptr()) return a[1];
    const std::string& label = a[0].s();
    auto get = [&](const SamplePtr& s) -> std::string_view {
      auto it = s->labels.find(label);
      return it == s->labels.end() ? std::string_view() : std::string_view(it->second);
    };
    std::stable_sort(a[1].list().begin(), a[1].list().end(),
                     [&](const SamplePtr& x, const SamplePtr& y) { return get(x) < get(y); });
    return a[1];
  });
  def("stripPort", {A::kString}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    std::string host, port;
    if (!SplitHostPort(a[0].s(), &host, &port)) return a[0];
    return Value::String(host);
  });
  def("stripDomain", {A::kString}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    const std::string& hp = a[0].s();
    std::string host, port;
    if (!SplitHostPort(hp, &host, &port)) host = hp, port.clear();
    if (IsIP(host)) return a[0];
    host = host.substr(0, host.find('.'));
    if (!port.empty()) {
      if (host.find(':') != std::string::npos) return Value::String(absl::StrCat("[", host, "]:", port));
      return Value::String(absl::StrCat(host, ":", port));
    }
    return Value::String(host);
  });
  def("humanize", {A::kAny}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto v = ToFloat(a[0]);
    if (!v.ok()) return v.status();
    return Humanize(*v);
  });
  def("humanize1024", {A::kAny}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto v = ToFloat(a[0]);
    if (!v.ok()) return v.status();
    return Humanize1024(*v);
  });
  def("humanizeDuration", {A::kAny}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto v = ToFloat(a[0]);
    if (!v.ok()) return v.status();
    return HumanizeDuration(*v);
  });
  def("humanizePercentage", {A::kAny}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto v = ToFloat(a[0]);
    if (!v.ok()) return v.status();
    return Value::String(G4(*v * 100) + "%");
  });
  def("humanizeTimestamp", {A::kAny}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto v = ToFloat(a[0]);
    if (!v.ok()) return v.status();
    if (std::isnan(*v) || std::isinf(*v)) return Value::String(G4(*v));
    auto t = FloatToTime(*v);
    if (!t.ok()) return t.status();
    return Value::String(GoTimeString(*t));
  });
  def("toTime", {A::kAny}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto v = ToFloat(a[0]);
    if (!v.ok()) return v.status();
    auto t = FloatToTime(*v);
    if (!t.ok()) return t.status();
    return Value::Time(*t);
  });
  def("toDuration", {A::kAny}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    auto v = ToFloat(a[0]);
    if (!v.ok()) return v.status();
    double ns = *v * 1e9;
    // Go's float-to-int conversion of out-of-range values (amd64).
    int64_t d = (std::isnan(ns) || ns >= 9.2233720368547758e18 || ns < -9.2233720368547758e18) ? INT64_MIN
                                                                                                : static_cast<int64_t>(ns);
    return Value::Duration(d);
  });
  def("now", {}, false, [](std::vector<Value>&, const TemplateEnv& env) -> Result {
    return Value::Float(static_cast<double>(env.timestamp_ms) / 1000.0);
  });
  def("pathPrefix", {}, false,
      [](std::vector<Value>&, const TemplateEnv& env) -> Result { return Value::String(UrlPath(env.external_url)); });
  def("externalURL", {}, false,
      [](std::vector<Value>&, const TemplateEnv& env) -> Result { return Value::String(env.external_url); });
  def("parseDuration", {A::kString}, false, [](std::vector<Value>& a, const TemplateEnv&) -> Result {
    std::string_view s = a[0].s();
    bool neg = !s.empty() && s[0] == '-';
    if (neg) s.remove_prefix(1);
    int64_t ns = 0;
    std::string err;
    if (!parser::ParseDurationLiteral(s, &ns, &err)) {
      if (neg) err = absl::StrCat("not a valid duration string: ", parser::GoQuote(a[0].s()));
      return absl::InvalidArgumentError(err);
    }
    double secs = static_cast<double>(ns) / 1e9;
    return Value::Float(neg ? -secs : secs);
  });
  def("urlQueryEscape", {A::kString}, false,
      [](std::vector<Value>& a, const TemplateEnv&) -> Result { return Value::String(GoQueryEscape(a[0].s())); });
}

}  // namespace promlite::promql::tmpl
