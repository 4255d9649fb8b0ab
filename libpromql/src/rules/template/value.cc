#include "rules/template/value.h"

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "parser/go_format.h"

namespace promlite::promql::tmpl {

Value Value::Bool(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}
Value Value::Int(int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}
Value Value::Float(double f) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.f_ = f;
  return v;
}
Value Value::String(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::move(s);
  return v;
}
Value Value::Html(std::string s) {
  Value v;
  v.kind_ = Kind::kHtml;
  v.s_ = std::move(s);
  return v;
}
Value Value::Map(std::shared_ptr<const StringMap> m) {
  Value v;
  v.kind_ = Kind::kStringMap;
  v.smap_ = std::move(m);
  return v;
}
Value Value::Args(std::shared_ptr<const AnyMap> m) {
  Value v;
  v.kind_ = Kind::kAnyMap;
  v.amap_ = std::move(m);
  return v;
}
Value Value::Sample(SamplePtr s) {
  Value v;
  v.kind_ = Kind::kSample;
  v.sample_ = std::move(s);
  return v;
}
Value Value::Samples(std::shared_ptr<SampleList> l) {
  Value v;
  v.kind_ = Kind::kSampleList;
  v.list_ = std::move(l);
  return v;
}
Value Value::Time(int64_t unix_ns) {
  Value v;
  v.kind_ = Kind::kTime;
  v.i_ = unix_ns;
  return v;
}
Value Value::Duration(int64_t ns) {
  Value v;
  v.kind_ = Kind::kDuration;
  v.i_ = ns;
  return v;
}
Value Value::Data(std::shared_ptr<const DataObj> d) {
  Value v;
  v.kind_ = Kind::kData;
  v.data_ = std::move(d);
  return v;
}

std::string Value::TypeName() const {
  switch (kind_) {
    case Kind::kInvalid: return "<nil>";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float64";
    case Kind::kString: return "string";
    case Kind::kHtml: return "template.HTML";
    case Kind::kStringMap: return "map[string]string";
    case Kind::kAnyMap: return "map[string]interface {}";
    case Kind::kSample: return "*template.sample";
    case Kind::kSampleList: return "template.queryResult";
    case Kind::kTime: return "*time.Time";
    case Kind::kDuration: return "*time.Duration";
    case Kind::kData:
      return "struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value "
             "interface {} }";
  }
  return "?";
}

int64_t Value::Len() const {
  switch (kind_) {
    case Kind::kString:
    case Kind::kHtml: return static_cast<int64_t>(s_.size());
    case Kind::kStringMap: return static_cast<int64_t>(smap_->size());
    case Kind::kAnyMap: return static_cast<int64_t>(amap_->size());
    case Kind::kSampleList: return static_cast<int64_t>(list_->size());
    default: return -1;
  }
}

bool Value::Truth() const {
  switch (kind_) {
    case Kind::kInvalid: return false;
    case Kind::kBool: return b_;
    case Kind::kInt: return i_ != 0;
    case Kind::kFloat: return f_ != 0;
    case Kind::kSample: return sample_ != nullptr;
    case Kind::kTime:
    case Kind::kDuration:
    case Kind::kData: return true;
    default: return Len() > 0;
  }
}

std::string GoTimeString(int64_t unix_ns) {
  absl::Time t = absl::FromUnixNanos(unix_ns);
  return absl::FormatTime("%Y-%m-%d %H:%M:%E*S +0000 UTC", t, absl::UTCTimeZone());
}

namespace {

// Writes v / 10^prec as ".ddd" without trailing zeros (nothing when the
// fraction is 0), returning v / 10^prec.
uint64_t FmtFrac(std::string* tail, uint64_t v, int prec) {
  std::string frac;
  bool print = false;
  for (int i = 0; i < prec; i++) {
    uint64_t digit = v % 10;
    print = print || digit != 0;
    if (print) frac.insert(frac.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  if (print) *tail = "." + frac + *tail;
  return v;
}

}  // namespace

std::string GoDurationString(int64_t ns) {
  bool neg = ns < 0;
  uint64_t u = neg ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  std::string out;
  if (u < 1000000000ull) {
    if (u == 0) return "0s";
    int prec;
    std::string unit;
    if (u < 1000ull) {
      prec = 0, unit = "ns";
    } else if (u < 1000000ull) {
      prec = 3, unit = "\u00b5s";
    } else {
      prec = 6, unit = "ms";
    }
    std::string tail = unit;
    u = FmtFrac(&tail, u, prec);
    out = std::to_string(u) + tail;
  } else {
    std::string tail = "s";
    u = FmtFrac(&tail, u, 9);
    out = std::to_string(u % 60) + tail;
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return neg ? "-" + out : out;
}

namespace {

bool PrintMap(const Value& v, std::string* out) {
  out->append("map[");
  bool first = true;
  if (v.kind() == Value::Kind::kStringMap) {
    for (const auto& [k, val] : v.smap()) {
      if (!first) out->push_back(' ');
      first = false;
      absl::StrAppend(out, k, ":", val);
    }
  } else {
    for (const auto& [k, val] : v.amap()) {
      if (!first) out->push_back(' ');
      first = false;
      absl::StrAppend(out, k, ":");
      // Nested pointers would print as addresses.
      if (val.kind() == Value::Kind::kSample || val.kind() == Value::Kind::kSampleList ||
          val.kind() == Value::Kind::kTime || val.kind() == Value::Kind::kDuration) {
        return false;
      }
      if (!FormatV(val, out)) return false;
    }
  }
  out->push_back(']');
  return true;
}

void PrintSampleStruct(const SampleObj& s, std::string* out) {
  out->append("{");
  Value labels = Value::Map(std::make_shared<const StringMap>(s.labels));
  PrintMap(labels, out);
  absl::StrAppend(out, " ", parser::FormatFloatG(s.value), "}");
}

}  // namespace

bool FormatV(const Value& v, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kInvalid: out->append("<nil>"); return true;
    case Value::Kind::kBool: out->append(v.b() ? "true" : "false"); return true;
    case Value::Kind::kInt: out->append(std::to_string(v.i())); return true;
    case Value::Kind::kFloat: out->append(parser::FormatFloatG(v.f())); return true;
    case Value::Kind::kString:
    case Value::Kind::kHtml: out->append(v.s()); return true;
    case Value::Kind::kStringMap:
    case Value::Kind::kAnyMap: return PrintMap(v, out);
    case Value::Kind::kSample:
      if (!v.sample()) {
        out->append("<nil>");
        return true;
      }
      out->push_back('&');
      PrintSampleStruct(*v.sample(), out);
      return true;
    case Value::Kind::kSampleList: return false;
    case Value::Kind::kTime: out->append(GoTimeString(v.i())); return true;
    case Value::Kind::kDuration: out->append(GoDurationString(v.i())); return true;
    case Value::Kind::kData: {
      const DataObj& d = v.data();
      out->append("{");
      PrintMap(Value::Map(std::make_shared<const StringMap>(d.labels)), out);
      out->push_back(' ');
      PrintMap(Value::Map(std::make_shared<const StringMap>(d.external_labels)), out);
      absl::StrAppend(out, " ", d.external_url, " ", parser::FormatFloatG(d.value), "}");
      return true;
    }
  }
  return false;
}

bool PrintValue(const Value& v, std::string* out) {
  if (v.kind() == Value::Kind::kInvalid) {
    out->append("<no value>");
    return true;
  }
  if (v.kind() == Value::Kind::kSample) {
    // The pointer is dereferenced before printing.
    if (!v.sample()) {
      out->append("<no value>");
      return true;
    }
    PrintSampleStruct(*v.sample(), out);
    return true;
  }
  return FormatV(v, out);
}

std::string GoSprint(const std::vector<Value>& args, std::string* err) {
  std::string out;
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); i++) {
    bool is_string = args[i].kind() == Value::Kind::kString || args[i].kind() == Value::Kind::kHtml;
    if (i > 0 && !is_string && !prev_string) out.push_back(' ');
    if (!FormatV(args[i], &out)) *err = absl::StrCat("cannot print a value of type ", args[i].TypeName());
    prev_string = is_string;
  }
  return out;
}

std::string GoSprintln(const std::vector<Value>& args, std::string* err) {
  std::string out;
  for (size_t i = 0; i < args.size(); i++) {
    if (i > 0) out.push_back(' ');
    if (!FormatV(args[i], &out)) *err = absl::StrCat("cannot print a value of type ", args[i].TypeName());
  }
  out.push_back('\n');
  return out;
}

}  // namespace promlite::promql::tmpl
