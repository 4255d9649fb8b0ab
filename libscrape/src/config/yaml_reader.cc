#include "config/yaml_reader.h"

#include <charconv>
#include <set>

#include "absl/strings/str_cat.h"
#include "promlite/scrape/config.h"
#include "promlite/tsdb/duration.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape::yamlcfg {

absl::Status ErrorAt(const Ctx& ctx, const YAML::Mark& mark, std::string_view msg) {
  std::string where = mark.is_null() ? "" : absl::StrCat("line ", mark.line + 1, ": ");
  if (ctx.file.empty()) return absl::InvalidArgumentError(absl::StrCat(where, A(msg)));
  return absl::InvalidArgumentError(absl::StrCat("parsing YAML file ", ctx.file, ": ", where, A(msg)));
}

absl::Status ErrorAt(const Ctx& ctx, const YAML::Node& node, std::string_view msg) {
  return ErrorAt(ctx, node.Mark(), msg);
}

absl::Status ErrorIn(const Ctx& ctx, std::string_view msg) {
  if (ctx.file.empty()) return absl::InvalidArgumentError(std::string(msg));
  return absl::InvalidArgumentError(absl::StrCat("parsing YAML file ", ctx.file, ": ", A(msg)));
}

void Warn(const Ctx& ctx, const YAML::Node& node, std::string_view msg) {
  if (!ctx.warnings) return;
  ctx.warnings->push_back(absl::StrCat(ctx.file.empty() ? "" : ctx.file + ":", node.Mark().line + 1, ": ", A(msg)));
}

absl::StatusOr<YAML::Node> Parse(const Ctx& ctx, std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    // e.msg is yaml-cpp's reason without its "error at line" prefix.
    return ErrorAt(ctx, e.mark, absl::StrCat("yaml: ", e.msg));
  } catch (const std::exception& e) {
    return ErrorIn(ctx, absl::StrCat("yaml: ", e.what()));
  }
}

std::string Describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "!!map";
    case YAML::NodeType::Sequence: return "!!seq";
    case YAML::NodeType::Null: return "!!null";
    case YAML::NodeType::Scalar: return absl::StrCat("!!str `", n.Scalar(), "`");
    default: return "!!undefined";
  }
}

absl::StatusOr<Map> Map::Read(const Ctx& ctx, const YAML::Node& n, std::string_view type_name) {
  Map m;
  m.ctx_ = &ctx;
  m.type_ = std::string(type_name);
  m.node_ = n;
  if (!n.IsDefined() || n.IsNull()) return m;
  if (!n.IsMap()) {
    return ErrorAt(ctx, n, absl::StrCat("cannot unmarshal ", Describe(n), " into ", A(type_name)));
  }
  std::vector<YAML::Node> merges;
  try {
    for (auto it = n.begin(); it != n.end(); ++it) {
      // The iterator yields a temporary pair: copy the (ref-counted) nodes.
      YAML::Node k = it->first;
      YAML::Node v = it->second;
      if (!k.IsScalar()) {
        return ErrorAt(ctx, k, absl::StrCat("cannot unmarshal ", Describe(k), " into a field name of ", A(type_name)));
      }
      std::string key = k.Scalar();
      if (key == "<<" && k.Tag() == "?") {
        merges.push_back(v);
        continue;
      }
      for (const Entry& e : m.entries_) {
        if (e.key == key) return ErrorAt(ctx, k, absl::StrCat("key ", QuoteGo(key), " already set in map"));
      }
      m.entries_.push_back(Entry{key, k.Mark(), v, false});
    }
    // YAML merge keys: entries of the merged maps that the map does not set itself.
    for (const YAML::Node& mv : merges) {
      std::vector<YAML::Node> sources;
      if (mv.IsMap()) {
        sources.push_back(mv);
      } else if (mv.IsSequence()) {
        for (const auto& s : mv) sources.push_back(s);
      } else {
        return ErrorAt(ctx, mv, "map merge requires map or sequence of maps as the value");
      }
      for (const YAML::Node& src : sources) {
        if (!src.IsMap()) return ErrorAt(ctx, src, "map merge requires map or sequence of maps as the value");
        for (auto it = src.begin(); it != src.end(); ++it) {
          YAML::Node k = it->first;
          YAML::Node v = it->second;
          std::string key = k.Scalar();
          bool present = false;
          for (const Entry& e : m.entries_) present |= e.key == key;
          if (!present) m.entries_.push_back(Entry{key, k.Mark(), v, false});
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return ErrorAt(ctx, e.mark, absl::StrCat("yaml: ", e.msg));
  }
  return m;
}

const YAML::Node* Map::Take(std::string_view key) {
  for (Entry& e : entries_) {
    if (e.key == key) {
      e.taken = true;
      return &e.value;
    }
  }
  return nullptr;
}

absl::Status Map::Done() const {
  for (const Entry& e : entries_) {
    if (!e.taken) return ErrorAt(*ctx_, e.mark, absl::StrCat("field ", e.key, " not found in type ", type_));
  }
  return absl::OkStatus();
}

std::vector<std::string> Map::Keys() const {
  std::vector<std::string> keys;
  for (const Entry& e : entries_) keys.push_back(e.key);
  return keys;
}

absl::Status ReadString(const Ctx& ctx, const YAML::Node& n, std::string* out) {
  if (n.IsNull()) {
    out->clear();
    return absl::OkStatus();
  }
  if (!n.IsScalar()) return ErrorAt(ctx, n, absl::StrCat("cannot unmarshal ", Describe(n), " into string"));
  *out = n.Scalar();
  return absl::OkStatus();
}

absl::Status ReadBool(const Ctx& ctx, const YAML::Node& n, bool* out) {
  if (n.IsNull()) {
    *out = false;
    return absl::OkStatus();
  }
  // YAML 1.1 booleans, as Go's yaml.v2 accepts them.
  static const std::set<std::string> kTrue = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const std::set<std::string> kFalse = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  if (n.IsScalar() && n.Tag() != "!") {
    if (kTrue.count(n.Scalar())) {
      *out = true;
      return absl::OkStatus();
    }
    if (kFalse.count(n.Scalar())) {
      *out = false;
      return absl::OkStatus();
    }
  }
  return ErrorAt(ctx, n, absl::StrCat("cannot unmarshal ", Describe(n), " into bool"));
}

absl::Status ReadUint64(const Ctx& ctx, const YAML::Node& n, uint64_t* out) {
  if (n.IsNull()) {
    *out = 0;
    return absl::OkStatus();
  }
  if (n.IsScalar() && n.Tag() != "!") {
    const std::string& s = n.Scalar();
    std::string_view digits = s;
    if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
    uint64_t v = 0;
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (!digits.empty() && r.ec == std::errc() && r.ptr == digits.data() + digits.size()) {
      *out = v;
      return absl::OkStatus();
    }
  }
  return ErrorAt(ctx, n, absl::StrCat("cannot unmarshal ", Describe(n), " into uint"));
}

absl::Status ReadDuration(const Ctx& ctx, const YAML::Node& n, int64_t* out_ms) {
  std::string s;
  if (absl::Status st = ReadString(ctx, n, &s); !st.ok()) return st;
  if (n.IsNull()) {
    *out_ms = 0;
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> d = tsdb::ParseDuration(s);
  if (!d.ok()) return ErrorAt(ctx, n, S(d.status().message()));
  *out_ms = *d;
  return absl::OkStatus();
}

absl::Status ReadBytes(const Ctx& ctx, const YAML::Node& n, uint64_t* out) {
  std::string s;
  if (absl::Status st = ReadString(ctx, n, &s); !st.ok()) return st;
  if (n.IsNull()) {
    *out = 0;
    return absl::OkStatus();
  }
  absl::StatusOr<uint64_t> b = ParseBase2Bytes(s);
  if (!b.ok()) return ErrorAt(ctx, n, S(b.status().message()));
  *out = *b;
  return absl::OkStatus();
}

absl::Status ReadStringList(const Ctx& ctx, const YAML::Node& n, std::vector<std::string>* out) {
  out->clear();
  if (n.IsNull()) return absl::OkStatus();
  if (!n.IsSequence()) return ErrorAt(ctx, n, absl::StrCat("cannot unmarshal ", Describe(n), " into []string"));
  for (const auto& e : n) {
    std::string s;
    if (absl::Status st = ReadString(ctx, e, &s); !st.ok()) return st;
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status ReadStringMap(const Ctx& ctx, const YAML::Node& n, std::map<std::string, std::string>* out) {
  out->clear();
  absl::StatusOr<Map> m = Map::Read(ctx, n, "map[string]string");
  if (!m.ok()) return m.status();
  for (const std::string& k : m->Keys()) {
    std::string v;
    if (absl::Status st = ReadString(ctx, *m->Take(k), &v); !st.ok()) return st;
    (*out)[k] = std::move(v);
  }
  return absl::OkStatus();
}

std::string JoinDir(const Ctx& ctx, const std::string& path) {
  if (path.empty() || path[0] == '/' || ctx.base_dir.empty()) return path;
  if (ctx.base_dir == ".") return path;
  return ctx.base_dir + "/" + path;
}

}  // namespace promlite::scrape::yamlcfg
