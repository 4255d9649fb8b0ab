#include "rules/yaml_strict.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "parser/go_format.h"
#include "parser/literals.h"
#include "re2/re2.h"
#include "rules/strings.h"

namespace promlite::promql::yamlstrict {
namespace {

int Line(const YAML::Node& n) { return n.Mark().is_null() ? 0 : n.Mark().line + 1; }

bool IsPlain(const YAML::Node& n) { return n.Tag() == "?" || n.Tag().empty(); }

// strconv.ParseInt(s, 0, 64) after go-yaml drops underscores.
bool GoParseInt(std::string s, int64_t* out) {
  std::string plain;
  for (char c : s) {
    if (c != '_') plain.push_back(c);
  }
  std::string_view body = plain;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (body.empty()) return false;
  int base = 10;
  if (body.size() > 1 && body[0] == '0') {
    char p = body[1];
    if (p == 'x' || p == 'X') base = 16, body.remove_prefix(2);
    else if (p == 'o' || p == 'O') base = 8, body.remove_prefix(2);
    else if (p == 'b' || p == 'B') base = 2, body.remove_prefix(2);
    else base = 8, body.remove_prefix(1);
  }
  if (body.empty()) return false;
  for (char c : body) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 99;
    if (d >= base) return false;
  }
  errno = 0;
  std::string digits(body);
  unsigned long long u = std::strtoull(digits.c_str(), nullptr, base);
  if (errno != 0) return false;
  if (neg ? u > (1ull << 63) : u > static_cast<unsigned long long>(INT64_MAX)) return false;
  *out = neg ? static_cast<int64_t>(0 - u) : static_cast<int64_t>(u);
  return true;
}

bool YamlFloat(const std::string& s, double* out) {
  static const RE2 kFloat(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
  std::string plain;
  for (char c : s) {
    if (c != '_') plain.push_back(c);
  }
  if (plain == ".inf" || plain == ".Inf" || plain == ".INF" || plain == "+.inf" || plain == "+.Inf" || plain == "+.INF") {
    *out = HUGE_VAL;
    return true;
  }
  if (plain == "-.inf" || plain == "-.Inf" || plain == "-.INF") {
    *out = -HUGE_VAL;
    return true;
  }
  if (plain == ".nan" || plain == ".NaN" || plain == ".NAN") {
    *out = std::nan("");
    return true;
  }
  if (!RE2::FullMatch(plain, kFloat)) return false;
  *out = std::strtod(plain.c_str(), nullptr);
  return true;
}

}  // namespace

std::string ShortTag(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "!!map";
    case YAML::NodeType::Sequence: return "!!seq";
    case YAML::NodeType::Null: return "!!null";
    case YAML::NodeType::Undefined: return "!!null";
    default: break;
  }
  const std::string& tag = n.Tag();
  if (!IsPlain(n)) {
    if (tag == "!") return "!!str";
    constexpr std::string_view kPrefix = "tag:yaml.org,2002:";
    if (tag.rfind(kPrefix, 0) == 0) return "!!" + tag.substr(kPrefix.size());
    return tag;
  }
  const std::string& v = n.Scalar();
  if (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") return "!!null";
  if (v == "true" || v == "True" || v == "TRUE" || v == "false" || v == "False" || v == "FALSE") return "!!bool";
  int64_t i;
  if (GoParseInt(v, &i)) return "!!int";
  double f;
  if (YamlFloat(v, &f)) return "!!float";
  return "!!str";
}

bool Decoder::Load(std::string_view text, YAML::Node* out, bool* more_documents) {
  *more_documents = false;
  try {
    std::vector<YAML::Node> docs = YAML::LoadAll(std::string(text));
    *out = docs.empty() ? YAML::Node() : docs[0];
    *more_documents = docs.size() > 1;
    return true;
  } catch (const YAML::Exception& e) {
    Fatal(absl::StrCat("yaml: line ", e.mark.line + 1, ": ", e.msg));
  } catch (const std::exception& e) {
    Fatal(absl::StrCat("yaml: ", e.what()));
  }
  return false;
}

void Decoder::TypeError(const YAML::Node& n, std::string_view go_type) {
  std::string tag = ShortTag(n);
  std::string value;
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    value = s.size() > 10 ? absl::StrCat(" `", s.substr(0, 7), "...`") : absl::StrCat(" `", s, "`");
  }
  errors_.push_back(absl::StrCat("line ", Line(n), ": cannot unmarshal ", tag, value, " into ", AV(go_type)));
}

void Decoder::Fatal(std::string msg) {
  if (fatal_.empty()) fatal_ = std::move(msg);
}

std::string Decoder::Message() const {
  if (!fatal_.empty()) return fatal_;
  if (errors_.empty()) return "";
  std::string out = "yaml: unmarshal errors:";
  for (const auto& e : errors_) absl::StrAppend(&out, "\n  ", e);
  return out;
}

bool Decoder::Entries(const YAML::Node& n, std::string_view go_type, std::vector<Entry>* out) {
  out->clear();
  if (!n.IsDefined() || n.IsNull()) return true;
  if (!n.IsMap()) {
    TypeError(n, go_type);
    return false;
  }
  std::vector<YAML::Node> merges;
  size_t before = errors_.size();
  try {
    for (auto it = n.begin(); it != n.end(); ++it) {
      // The iterator yields a temporary pair: copy the (ref-counted) nodes.
      YAML::Node k = it->first;
      YAML::Node v = it->second;
      std::string key = k.IsScalar() ? k.Scalar() : "";
      if (k.IsScalar() && key == "<<" && IsPlain(k)) {
        merges.push_back(v);
        continue;
      }
      if (!k.IsScalar()) {
        TypeError(k, "string");
        continue;
      }
      for (const Entry& e : *out) {
        if (e.key != key) continue;
        if (dialect_ == Dialect::kV3) {
          errors_.push_back(absl::StrCat("line ", Line(k), ": mapping key ", parser::GoQuote(key),
                                         " already defined at line ", Line(e.key_node)));
        } else {
          errors_.push_back(absl::StrCat("line ", Line(k), ": key ", parser::GoQuote(key), " already set in map"));
        }
      }
      out->push_back(Entry{key, k, v});
    }
    for (const YAML::Node& mv : merges) {
      std::vector<YAML::Node> sources;
      if (mv.IsMap()) {
        sources.push_back(mv);
      } else if (mv.IsSequence()) {
        for (const auto& s : mv) sources.push_back(s);
      }
      for (const YAML::Node& src : sources) {
        if (!src.IsMap()) {
          Fatal(absl::StrCat("yaml: line ", Line(src), ": map merge requires map or sequence of maps as the value"));
          return false;
        }
        for (auto it = src.begin(); it != src.end(); ++it) {
          YAML::Node k = it->first;
          YAML::Node v = it->second;
          std::string key = k.IsScalar() ? k.Scalar() : "";
          bool present = false;
          for (const Entry& e : *out) present = present || e.key == key;
          if (!present) out->push_back(Entry{key, k, v});
        }
      }
    }
  } catch (const YAML::Exception& e) {
    Fatal(absl::StrCat("yaml: line ", e.mark.line + 1, ": ", e.msg));
    return false;
  }
  return errors_.size() == before;
}

void Decoder::Unknown(const Entry& e, std::string_view go_type) {
  if (!known_fields_) return;
  errors_.push_back(absl::StrCat("line ", Line(e.key_node), ": field ", e.key, " not found in type ", AV(go_type)));
}

bool Decoder::String(const YAML::Node& n, std::string* out) {
  if (!n.IsDefined() || n.IsNull()) return true;
  if (!n.IsScalar()) {
    TypeError(n, "string");
    return false;
  }
  *out = n.Scalar();
  return true;
}

bool Decoder::Int(const YAML::Node& n, int64_t* out) {
  if (!n.IsDefined() || n.IsNull()) return true;
  if (n.IsScalar()) {
    std::string tag = ShortTag(n);
    int64_t i;
    double f;
    if (tag == "!!int" && GoParseInt(n.Scalar(), &i)) {
      *out = i;
      return true;
    }
    if (tag == "!!float" && YamlFloat(n.Scalar(), &f) && f == std::trunc(f) && std::fabs(f) < 9.2e18) {
      *out = static_cast<int64_t>(f);
      return true;
    }
  }
  TypeError(n, "int");
  return false;
}

bool Decoder::Float(const YAML::Node& n, double* out) {
  if (!n.IsDefined() || n.IsNull()) return true;
  if (n.IsScalar()) {
    std::string tag = ShortTag(n);
    int64_t i;
    if (tag == "!!int" && GoParseInt(n.Scalar(), &i)) {
      *out = static_cast<double>(i);
      return true;
    }
    if (tag == "!!float" && YamlFloat(n.Scalar(), out)) return true;
  }
  TypeError(n, "float64");
  return false;
}

bool Decoder::Bool(const YAML::Node& n, bool* out) {
  if (!n.IsDefined() || n.IsNull()) return true;
  if (n.IsScalar() && ShortTag(n) == "!!bool") {
    *out = n.Scalar()[0] == 't' || n.Scalar()[0] == 'T';
    return true;
  }
  TypeError(n, "bool");
  return false;
}

bool Decoder::Duration(const YAML::Node& n, int64_t* out_ms) {
  if (!n.IsDefined() || n.IsNull()) return true;
  std::string s;
  if (!String(n, &s)) return false;
  int64_t ns = 0;
  std::string err;
  if (!parser::ParseDurationLiteral(s, &ns, &err)) {
    Fatal(err);
    return false;
  }
  *out_ms = ns / 1000000;
  return true;
}

bool Decoder::StringMap(const YAML::Node& n, std::map<std::string, std::string>* out) {
  out->clear();
  std::vector<Entry> entries;
  if (!Entries(n, "map[string]string", &entries)) return false;
  bool ok = true;
  for (const Entry& e : entries) {
    std::string v;
    ok = String(e.value, &v) && ok;
    (*out)[e.key] = std::move(v);
  }
  return ok;
}

bool Decoder::StringList(const YAML::Node& n, std::vector<std::string>* out) {
  out->clear();
  std::vector<YAML::Node> items;
  if (!Seq(n, "[]string", &items)) return false;
  bool ok = true;
  for (const auto& item : items) {
    std::string s;
    ok = String(item, &s) && ok;
    out->push_back(std::move(s));
  }
  return ok;
}

bool Decoder::Seq(const YAML::Node& n, std::string_view go_type, std::vector<YAML::Node>* out) {
  out->clear();
  if (!n.IsDefined() || n.IsNull()) return true;
  if (!n.IsSequence()) {
    TypeError(n, go_type);
    return false;
  }
  for (const auto& item : n) out->push_back(item);
  return true;
}

}  // namespace promlite::promql::yamlstrict
