// fmt.Sprintf over template values, following Go's fmt: verbs, flags,
// width and precision, and its in-band error notation (%!d(string=x),
// %!v(MISSING), %!(EXTRA ...)). Verbs Go supports but alert templates do not
// use (%b and %x of floats, %T, argument indexes) are reported as errors
// rather than printed differently from Go.
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "parser/go_format.h"
#include "rules/template/value.h"

namespace promlite::promql::tmpl {
namespace {

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1;
  int prec = -1;
};

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    int w = 0;
    parser::DecodeRune(s, i, &w);
    i += static_cast<size_t>(w > 0 ? w : 1);
    n++;
  }
  return n;
}

void Pad(std::string* out, std::string_view s, const Spec& sp) {
  size_t n = RuneCount(s);
  if (sp.width < 0 || n >= static_cast<size_t>(sp.width)) {
    out->append(s);
    return;
  }
  size_t fill = static_cast<size_t>(sp.width) - n;
  if (sp.minus) {
    out->append(s);
    out->append(fill, ' ');
  } else {
    out->append(fill, sp.zero ? '0' : ' ');
    out->append(s);
  }
}

// A number: zero padding goes between the sign and the digits.
void PadNumber(std::string* out, std::string s, const Spec& sp) {
  if (sp.zero && !sp.minus && sp.width > 0 && s.size() < static_cast<size_t>(sp.width)) {
    size_t sign = (!s.empty() && (s[0] == '+' || s[0] == '-' || s[0] == ' ')) ? 1 : 0;
    s.insert(sign, static_cast<size_t>(sp.width) - s.size(), '0');
    out->append(s);
    return;
  }
  Spec nozero = sp;
  nozero.zero = false;
  Pad(out, s, nozero);
}

std::string FormatInt(int64_t v, char verb, const Spec& sp) {
  bool neg = v < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  int base = 10;
  const char* digits = "0123456789abcdefx";
  switch (verb) {
    case 'b': base = 2; break;
    case 'o':
    case 'O': base = 8; break;
    case 'x': base = 16; break;
    case 'X': base = 16, digits = "0123456789ABCDEFX"; break;
    default: break;
  }
  std::string body;
  if (u == 0 && sp.prec != 0) body = "0";
  while (u > 0) {
    body.insert(body.begin(), digits[u % static_cast<uint64_t>(base)]);
    u /= static_cast<uint64_t>(base);
  }
  if (sp.prec > 0 && body.size() < static_cast<size_t>(sp.prec)) body.insert(0, static_cast<size_t>(sp.prec) - body.size(), '0');
  if (verb == 'O') body = "0o" + body;
  if (sp.sharp) {
    if (base == 16) body = (verb == 'X' ? "0X" : "0x") + body;
    if (base == 8 && verb == 'o' && (body.empty() || body[0] != '0')) body = "0" + body;
    if (base == 2) body = "0b" + body;
  }
  if (neg) return "-" + body;
  if (sp.plus) return "+" + body;
  if (sp.space) return " " + body;
  return body;
}

std::string FormatFloat(double v, char verb, const Spec& sp) {
  if (std::isnan(v) || std::isinf(v)) {
    std::string s = std::isnan(v) ? "NaN" : "Inf";
    char sign = std::isnan(v) ? '+' : (v > 0 ? '+' : '-');
    if (sp.space && sign == '+' && !sp.plus) sign = ' ';
    if (std::isnan(v) && !sp.space && !sp.plus) return s;
    return std::string(1, sign) + s;
  }
  std::string s;
  if (sp.prec < 0 && (verb == 'g' || verb == 'G')) {
    s = parser::FormatFloatG(v);
    if (verb == 'G') {
      for (char& c : s) {
        if (c == 'e') c = 'E';
      }
    }
    if (sp.sharp && s.find('.') == std::string::npos) {
      // %#g keeps a decimal point.
      size_t e = s.find_first_of("eE");
      s.insert(e == std::string::npos ? s.size() : e, ".");
    }
  } else {
    int prec = sp.prec < 0 ? 6 : sp.prec;
    std::string f = "%";
    if (sp.sharp) f += "#";
    f += "." + std::to_string(prec) + (verb == 'F' ? 'f' : verb);
    char buf[512];
    int n = std::snprintf(buf, sizeof buf, f.c_str(), v);
    if (n < 0) n = 0;
    s.assign(buf, static_cast<size_t>(std::min<int>(n, static_cast<int>(sizeof buf) - 1)));
  }
  if (s[0] != '-') {
    if (sp.plus) s = "+" + s;
    else if (sp.space) s = " " + s;
  }
  return s;
}

void BadVerb(std::string* out, char verb, const Value* v) {
  absl::StrAppend(out, "%!", std::string(1, verb), "(");
  if (v == nullptr || !v->valid()) {
    out->append("<nil>");
  } else {
    absl::StrAppend(out, v->TypeName(), "=");
    FormatV(*v, out);
  }
  out->push_back(')');
}

// Formats one argument; false with *err set for what promlite refuses.
bool FormatArg(std::string* out, const Value& v, char verb, const Spec& sp, std::string* err) {
  switch (v.kind()) {
    case Value::Kind::kBool:
      if (verb != 'v' && verb != 't') break;
      Pad(out, v.b() ? "true" : "false", sp);
      return true;
    case Value::Kind::kInt:
      switch (verb) {
        case 'v':
        case 'd':
        case 'b':
        case 'o':
        case 'O':
        case 'x':
        case 'X': PadNumber(out, FormatInt(v.i(), verb == 'v' ? 'd' : verb, sp), sp); return true;
        case 'c': {
          std::string s;
          parser::AppendRune(&s, static_cast<int32_t>(v.i()));
          Pad(out, s, sp);
          return true;
        }
        case 'q': Pad(out, parser::GoQuoteRune(static_cast<int32_t>(v.i())), sp); return true;
        default: break;
      }
      break;
    case Value::Kind::kFloat:
      switch (verb) {
        case 'v': PadNumber(out, FormatFloat(v.f(), 'g', sp), sp); return true;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G': PadNumber(out, FormatFloat(v.f(), verb, sp), sp); return true;
        case 'b':
        case 'x':
        case 'X': *err = absl::StrCat("printf verb %", std::string(1, verb), " for float64 is not supported"); return false;
        default: break;
      }
      break;
    case Value::Kind::kString:
    case Value::Kind::kHtml: {
      std::string_view s = v.s();
      std::string trunc;
      if (sp.prec >= 0) {
        size_t i = 0;
        for (int r = 0; r < sp.prec && i < s.size(); r++) {
          int w = 0;
          parser::DecodeRune(s, i, &w);
          i += static_cast<size_t>(w > 0 ? w : 1);
        }
        s = s.substr(0, i);
      }
      switch (verb) {
        case 'v':
        case 's': Pad(out, s, sp); return true;
        case 'q': Pad(out, parser::GoQuote(s), sp); return true;
        case 'x':
        case 'X': {
          const char* hex = verb == 'x' ? "0123456789abcdef" : "0123456789ABCDEF";
          std::string h;
          for (size_t i = 0; i < s.size(); i++) {
            if (sp.space && i > 0) h.push_back(' ');
            if (sp.sharp && (sp.space || i == 0)) h += verb == 'x' ? "0x" : "0X";
            auto c = static_cast<unsigned char>(s[i]);
            h.push_back(hex[c >> 4]);
            h.push_back(hex[c & 15]);
          }
          Pad(out, h, sp);
          return true;
        }
        default: break;
      }
      break;
    }
    case Value::Kind::kInvalid:
      if (verb == 'v') {
        Pad(out, "<nil>", sp);
        return true;
      }
      break;
    default:
      if (verb == 'v' || (verb == 's' && (v.kind() == Value::Kind::kStringMap || v.kind() == Value::Kind::kTime ||
                                          v.kind() == Value::Kind::kDuration))) {
        std::string s;
        if (!FormatV(v, &s)) {
          *err = absl::StrCat("cannot print a value of type ", v.TypeName());
          return false;
        }
        Pad(out, s, sp);
        return true;
      }
      *err = absl::StrCat("printf verb %", std::string(1, verb), " for ", v.TypeName(), " is not supported");
      return false;
  }
  BadVerb(out, verb, &v);
  return true;
}

}  // namespace

std::string GoSprintf(std::string_view format, const std::vector<Value>& args, std::string* err) {
  std::string out;
  size_t argn = 0;
  size_t i = 0;
  const size_t end = format.size();
  while (i < end) {
    size_t pct = format.find('%', i);
    if (pct == std::string_view::npos) pct = end;
    out.append(format.substr(i, pct - i));
    i = pct;
    if (i >= end) break;
    i++;  // '%'
    Spec sp;
    for (; i < end; i++) {
      char c = format[i];
      if (c == '#') sp.sharp = true;
      else if (c == '0') sp.zero = !sp.minus;
      else if (c == '+') sp.plus = true;
      else if (c == '-') sp.minus = true, sp.zero = false;
      else if (c == ' ') sp.space = true;
      else break;
    }
    if (i < end && format[i] == '[') {
      *err = "printf argument indexes ([n]) are not supported";
      return out;
    }
    if (i < end && format[i] == '*') {
      i++;
      if (argn < args.size() && args[argn].kind() == Value::Kind::kInt) {
        int64_t w = args[argn++].i();
        if (w < 0) sp.minus = true, sp.zero = false, w = -w;
        if (w > 1000000) {
          out.append("%!(BADWIDTH)");
        } else {
          sp.width = static_cast<int>(w);
        }
      } else {
        if (argn < args.size()) argn++;
        out.append("%!(BADWIDTH)");
      }
    } else {
      int w = -1;
      while (i < end && format[i] >= '0' && format[i] <= '9') {
        w = (w < 0 ? 0 : w) * 10 + (format[i++] - '0');
        if (w > 1000000) {
          *err = "printf width too large";
          return out;
        }
      }
      sp.width = w;
    }
    if (i < end && format[i] == '.') {
      i++;
      if (i < end && format[i] == '*') {
        i++;
        if (argn < args.size() && args[argn].kind() == Value::Kind::kInt && args[argn].i() >= 0 &&
            args[argn].i() <= 1000000) {
          sp.prec = static_cast<int>(args[argn++].i());
        } else {
          if (argn < args.size()) argn++;
          out.append("%!(BADPREC)");
        }
      } else {
        sp.prec = 0;
        while (i < end && format[i] >= '0' && format[i] <= '9') {
          sp.prec = sp.prec * 10 + (format[i++] - '0');
          if (sp.prec > 1000000) {
            *err = "printf precision too large";
            return out;
          }
        }
      }
    }
    if (i >= end) {
      out.append("%!(NOVERB)");
      break;
    }
    int w = 0;
    int32_t verb = parser::DecodeRune(format, i, &w);
    i += static_cast<size_t>(w > 0 ? w : 1);
    if (verb == '%') {
      out.push_back('%');
      continue;
    }
    if (verb >= 0x80) {
      *err = "printf verbs beyond ASCII are not supported";
      return out;
    }
    if (verb == 'T' || verb == 'p' || verb == 'U') {
      *err = absl::StrCat("printf verb %", std::string(1, static_cast<char>(verb)), " is not supported");
      return out;
    }
    if (argn >= args.size()) {
      absl::StrAppend(&out, "%!", std::string(1, static_cast<char>(verb)), "(MISSING)");
      continue;
    }
    if (!FormatArg(&out, args[argn++], static_cast<char>(verb), sp, err)) return out;
  }
  if (argn < args.size()) {
    out.append("%!(EXTRA ");
    for (size_t k = argn; k < args.size(); k++) {
      if (k > argn) out.append(", ");
      if (!args[k].valid()) {
        out.append("<nil>");
        continue;
      }
      absl::StrAppend(&out, args[k].TypeName(), "=");
      if (!FormatV(args[k], &out)) *err = absl::StrCat("cannot print a value of type ", args[k].TypeName());
    }
    out.push_back(')');
  }
  return out;
}

}  // namespace promlite::promql::tmpl
