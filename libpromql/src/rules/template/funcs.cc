// Go's text/template built-ins (comparison, len, index, slice, printing and
// escaping). Prometheus' own functions are in prom_funcs.cc.
#include "rules/template/funcs.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "parser/go_format.h"

namespace promlite::promql::tmpl {

std::string_view ArgTypeName(ArgType t) {
  switch (t) {
    case ArgType::kAny: return "interface {}";
    case ArgType::kString: return "string";
    case ArgType::kSample: return "*template.sample";
    case ArgType::kSampleList: return "template.queryResult";
    case ArgType::kReflect: return "reflect.Value";
  }
  return "?";
}

namespace {

enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString };

BasicKind KindOf(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kBool: return BasicKind::kBool;
    case Value::Kind::kInt: return BasicKind::kInt;
    case Value::Kind::kFloat: return BasicKind::kFloat;
    case Value::Kind::kString:
    case Value::Kind::kHtml: return BasicKind::kString;
    default: return BasicKind::kInvalid;
  }
}

const absl::Status kBadComparison = absl::InvalidArgumentError("incompatible types for comparison");
const absl::Status kBadComparisonType = absl::InvalidArgumentError("invalid type for comparison");

absl::StatusOr<bool> Lt(const Value& a, const Value& b) {
  BasicKind k1 = KindOf(a), k2 = KindOf(b);
  if (k1 == BasicKind::kInvalid || k2 == BasicKind::kInvalid) return kBadComparisonType;
  if (k1 != k2) return kBadComparison;
  switch (k1) {
    case BasicKind::kBool: return kBadComparisonType;
    case BasicKind::kFloat: return a.f() < b.f();
    case BasicKind::kInt: return a.i() < b.i();
    default: return a.s() < b.s();
  }
}

std::string Escape(const std::vector<Value>& args, std::string* err) {
  if (args.size() == 1 && (args[0].kind() == Value::Kind::kString || args[0].kind() == Value::Kind::kHtml)) {
    return args[0].s();
  }
  return GoSprint(args, err);
}

absl::StatusOr<Value> Printed(std::string s, const std::string& err) {
  if (!err.empty()) return absl::InvalidArgumentError(err);
  return Value::String(std::move(s));
}

// html/template's HTMLEscapeString.
std::string HtmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\0': out += "\uFFFD"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

// text/template's JSEscapeString.
std::string JsEscape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    int w = 0;
    int32_t r = parser::DecodeRune(s, i, &w);
    i += static_cast<size_t>(w > 0 ? w : 1);
    switch (r) {
      case '\\': out += "\\\\"; continue;
      case '\'': out += "\\'"; continue;
      case '"': out += "\\\""; continue;
      case '<': out += "\\u003C"; continue;
      case '>': out += "\\u003E"; continue;
      case '&': out += "\\u0026"; continue;
      case '=': out += "\\u003D"; continue;
      default: break;
    }
    if (r < ' ' || (r >= 0x80 && !parser::IsPrintRune(r))) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
      out += buf;
    } else {
      parser::AppendRune(&out, r);
    }
  }
  return out;
}

}  // namespace

// url.QueryEscape, shared with Prometheus' functions.
std::string GoQueryEscape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<bool> GoEq(const Value& a, const std::vector<Value>& others) {
  if (others.empty()) return absl::InvalidArgumentError("missing argument for comparison");
  BasicKind k1 = KindOf(a);
  for (const Value& b : others) {
    BasicKind k2 = KindOf(b);
    bool truth = false;
    if (k1 != k2) {
      if (a.valid() && b.valid()) return kBadComparison;
    } else if (k1 == BasicKind::kInvalid) {
      // Pointers and nil compare by identity; maps and structs cannot.
      auto nilish = [](const Value& v) { return !v.valid() || (v.kind() == Value::Kind::kSample && !v.sample()); };
      if ((a.valid() && a.kind() != Value::Kind::kSample) || (b.valid() && b.kind() != Value::Kind::kSample)) {
        return absl::InvalidArgumentError(absl::StrCat("non-comparable types ", a.TypeName(), ", ", b.TypeName()));
      }
      truth = (nilish(a) && nilish(b)) || (a.valid() && b.valid() && a.sample() == b.sample());
    } else {
      switch (k1) {
        case BasicKind::kBool: truth = a.b() == b.b(); break;
        case BasicKind::kFloat: truth = a.f() == b.f(); break;
        case BasicKind::kInt: truth = a.i() == b.i(); break;
        default: truth = a.s() == b.s(); break;
      }
    }
    if (truth) return true;
  }
  return false;
}

absl::StatusOr<bool> GoLess(const Value& a, const Value& b, bool or_equal) {
  absl::StatusOr<bool> lt = Lt(a, b);
  if (!lt.ok() || *lt || !or_equal) return lt;
  return GoEq(a, {b});
}

// Prometheus' functions, defined in prom_funcs.cc.
void AddPrometheusFuncs(std::map<std::string, FuncDef, std::less<>>* m);

namespace {

std::map<std::string, FuncDef, std::less<>>* BuildFuncs() {
  auto* m = new std::map<std::string, FuncDef, std::less<>>();
  using A = ArgType;
  auto def = [&](const char* name, std::vector<ArgType> params, bool variadic, auto impl) {
    (*m)[name] = FuncDef{std::move(params), variadic, impl};
  };
  // Short-circuiting; the executor evaluates them.
  def("and", {A::kReflect, A::kReflect}, true, [](std::vector<Value>&, const TemplateEnv&) -> absl::StatusOr<Value> {
    return absl::InternalError("and");
  });
  def("or", {A::kReflect, A::kReflect}, true, [](std::vector<Value>&, const TemplateEnv&) -> absl::StatusOr<Value> {
    return absl::InternalError("or");
  });
  def("not", {A::kReflect}, false, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    return Value::Bool(!a[0].Truth());
  });
  def("len", {A::kReflect}, false, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    if (!a[0].valid()) return absl::InvalidArgumentError("len of nil pointer");
    int64_t n = a[0].Len();
    if (n < 0) return absl::InvalidArgumentError(absl::StrCat("len of type ", a[0].TypeName()));
    return Value::Int(n);
  });
  def("index", {A::kReflect, A::kReflect}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    Value item = a[0];
    for (size_t k = 1; k < a.size(); k++) {
      const Value& idx = a[k];
      switch (item.kind()) {
        case Value::Kind::kInvalid: return absl::InvalidArgumentError("index of untyped nil");
        case Value::Kind::kStringMap:
        case Value::Kind::kAnyMap: {
          if (idx.kind() != Value::Kind::kString) {
            return absl::InvalidArgumentError(absl::StrCat("value has type ", idx.TypeName(), "; should be string"));
          }
          if (item.kind() == Value::Kind::kStringMap) {
            auto it = item.smap().find(idx.s());
            item = Value::String(it == item.smap().end() ? "" : it->second);
          } else {
            auto it = item.amap().find(idx.s());
            item = it == item.amap().end() ? Value() : it->second;
          }
          break;
        }
        case Value::Kind::kSampleList:
        case Value::Kind::kString:
        case Value::Kind::kHtml: {
          if (idx.kind() != Value::Kind::kInt) {
            return absl::InvalidArgumentError(absl::StrCat("cannot index slice/array with type ", idx.TypeName()));
          }
          int64_t n = item.Len();
          if (idx.i() < 0 || idx.i() >= n) {
            return absl::InvalidArgumentError(absl::StrCat("index out of range: ", idx.i()));
          }
          if (item.kind() == Value::Kind::kSampleList) {
            item = Value::Sample(item.list()[static_cast<size_t>(idx.i())]);
          } else {
            item = Value::Int(static_cast<unsigned char>(item.s()[static_cast<size_t>(idx.i())]));
          }
          break;
        }
        default: return absl::InvalidArgumentError(absl::StrCat("can't index item of type ", item.TypeName()));
      }
    }
    return item;
  });
  def("slice", {A::kReflect, A::kReflect}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    const Value& item = a[0];
    if (a.size() > 4) return absl::InvalidArgumentError(absl::StrCat("too many slice indexes: ", a.size() - 1));
    if (item.kind() != Value::Kind::kString && item.kind() != Value::Kind::kSampleList) {
      return absl::InvalidArgumentError(absl::StrCat("can't slice item of type ", item.TypeName()));
    }
    if (item.kind() == Value::Kind::kString && a.size() == 4) {
      return absl::InvalidArgumentError("cannot 3-index slice a string");
    }
    int64_t n = item.Len();
    std::vector<int64_t> idx = {0, n, n};
    for (size_t k = 1; k < a.size(); k++) {
      if (a[k].kind() != Value::Kind::kInt) {
        return absl::InvalidArgumentError(absl::StrCat("cannot index slice/array with type ", a[k].TypeName()));
      }
      if (a[k].i() < 0 || a[k].i() > n) return absl::InvalidArgumentError(absl::StrCat("index out of range: ", a[k].i()));
      idx[k - 1] = a[k].i();
    }
    if (idx[0] > idx[1]) return absl::InvalidArgumentError(absl::StrCat("invalid slice index: ", idx[0], " > ", idx[1]));
    if (item.kind() == Value::Kind::kString) {
      return Value::String(item.s().substr(static_cast<size_t>(idx[0]), static_cast<size_t>(idx[1] - idx[0])));
    }
    auto out = std::make_shared<SampleList>(item.list().begin() + idx[0], item.list().begin() + idx[1]);
    return Value::Samples(out);
  });
  def("eq", {A::kReflect, A::kReflect}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    auto r = GoEq(a[0], std::vector<Value>(a.begin() + 1, a.end()));
    if (!r.ok()) return r.status();
    return Value::Bool(*r);
  });
  def("ne", {A::kReflect, A::kReflect}, false, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    auto r = GoEq(a[0], {a[1]});
    if (!r.ok()) return r.status();
    return Value::Bool(!*r);
  });
  def("lt", {A::kReflect, A::kReflect}, false, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    auto r = GoLess(a[0], a[1], false);
    if (!r.ok()) return r.status();
    return Value::Bool(*r);
  });
  def("le", {A::kReflect, A::kReflect}, false, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    auto r = GoLess(a[0], a[1], true);
    if (!r.ok()) return r.status();
    return Value::Bool(*r);
  });
  def("gt", {A::kReflect, A::kReflect}, false, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    auto r = GoLess(a[0], a[1], true);
    if (!r.ok()) return r.status();
    return Value::Bool(!*r);
  });
  def("ge", {A::kReflect, A::kReflect}, false, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    auto r = GoLess(a[0], a[1], false);
    if (!r.ok()) return r.status();
    return Value::Bool(!*r);
  });
  def("print", {A::kAny}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    std::string err;
    std::string s = GoSprint(a, &err);
    return Printed(std::move(s), err);
  });
  def("println", {A::kAny}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    std::string err;
    std::string s = GoSprintln(a, &err);
    return Printed(std::move(s), err);
  });
  def("printf", {A::kString, A::kAny}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    std::string err;
    std::string s = GoSprintf(a[0].s(), std::vector<Value>(a.begin() + 1, a.end()), &err);
    return Printed(std::move(s), err);
  });
  def("html", {A::kAny}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    std::string err;
    std::string s = HtmlEscape(Escape(a, &err));
    return Printed(std::move(s), err);
  });
  def("js", {A::kAny}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    std::string err;
    std::string s = JsEscape(Escape(a, &err));
    return Printed(std::move(s), err);
  });
  def("urlquery", {A::kAny}, true, [](std::vector<Value>& a, const TemplateEnv&) -> absl::StatusOr<Value> {
    std::string err;
    std::string s = GoQueryEscape(Escape(a, &err));
    return Printed(std::move(s), err);
  });
  def("call", {A::kReflect, A::kReflect}, true, [](std::vector<Value>&, const TemplateEnv&) -> absl::StatusOr<Value> {
    return absl::UnimplementedError("call is not supported: templates have no function values");
  });
  AddPrometheusFuncs(m);
  return m;
}

}  // namespace

const FuncDef* LookupFunc(std::string_view name) {
  static const auto* funcs = BuildFuncs();
  auto it = funcs->find(name);
  return it == funcs->end() ? nullptr : &it->second;
}

}  // namespace promlite::promql::tmpl
