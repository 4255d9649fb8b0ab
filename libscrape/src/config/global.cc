// The `global` section and the small value types it shares with jobs:
// sizes, scrape protocols, environment expansion of external labels.
#include <cmath>
#include <cstdlib>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "config/config_internal.h"
#include "promlite/tsdb/labels.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape {

namespace {

struct ProtocolInfo {
  ScrapeProtocol p;
  std::string_view name;
  std::string_view header;
  std::string_view media;
};

constexpr ProtocolInfo kProtocols[] = {
    {ScrapeProtocol::kPrometheusProto, "PrometheusProto",
     "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
     "application/vnd.google.protobuf"},
    {ScrapeProtocol::kPrometheusText0_0_4, "PrometheusText0.0.4", "text/plain;version=0.0.4", "text/plain"},
    {ScrapeProtocol::kPrometheusText1_0_0, "PrometheusText1.0.0", "text/plain;version=1.0.0", "text/plain"},
    {ScrapeProtocol::kOpenMetricsText0_0_1, "OpenMetricsText0.0.1", "application/openmetrics-text;version=0.0.1",
     "application/openmetrics-text"},
    {ScrapeProtocol::kOpenMetricsText1_0_0, "OpenMetricsText1.0.0", "application/openmetrics-text;version=1.0.0",
     "application/openmetrics-text"},
};

const ProtocolInfo& Info(ScrapeProtocol p) {
  for (const auto& i : kProtocols) {
    if (i.p == p) return i;
  }
  return kProtocols[1];
}

bool IsShellSpecial(char c) {
  return c == '*' || c == '#' || c == '$' || c == '@' || c == '!' || c == '?' || c == '-' || (c >= '0' && c <= '9');
}

bool IsAlnum(char c) { return c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Go's getShellName: the variable name after a '$' and how many bytes it used.
std::pair<std::string_view, size_t> ShellName(std::string_view s) {
  if (s[0] == '{') {
    if (s.size() > 2 && IsShellSpecial(s[1]) && s[2] == '}') return {s.substr(1, 1), 3};
    for (size_t i = 1; i < s.size(); i++) {
      if (s[i] == '}') {
        if (i == 1) return {{}, 2};  // "${}" is eaten
        return {s.substr(1, i - 1), i + 1};
      }
    }
    return {{}, 1};  // "${" without a closing brace is eaten
  }
  if (IsShellSpecial(s[0])) return {s.substr(0, 1), 1};
  size_t i = 0;
  while (i < s.size() && IsAlnum(s[i])) i++;
  return {s.substr(0, i), i};
}

}  // namespace

std::string_view ScrapeProtocolName(ScrapeProtocol p) { return Info(p).name; }
std::string_view ScrapeProtocolHeader(ScrapeProtocol p) { return Info(p).header; }
std::string_view ScrapeProtocolMediaType(ScrapeProtocol p) { return Info(p).media; }

absl::StatusOr<uint64_t> ParseBase2Bytes(std::string_view orig) {
  auto invalid = [&] { return absl::InvalidArgumentError(absl::StrCat("units: invalid ", A(orig))); };
  std::string_view s = orig;
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (!s.empty() && s[0] == '-') return absl::InvalidArgumentError(absl::StrCat("units: negative size ", A(orig)));
  if (s == "0") return 0;
  if (s.empty()) return invalid();
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    long double g = 0;
    bool pre = false, post = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      g = g * 10 + (s[i] - '0');
      i++;
      pre = true;
    }
    if (i < s.size() && s[i] == '.') {
      i++;
      long double scale = 1;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        scale /= 10;
        g += (s[i] - '0') * scale;
        i++;
        post = true;
      }
    }
    if (!pre && !post) return invalid();
    size_t u = i;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) u++;
    std::string_view unit = s.substr(i, u - i);
    long double mult = 0;
    static const std::pair<std::string_view, int> kUnits[] = {{"K", 1}, {"M", 2}, {"G", 3}, {"T", 4}, {"P", 5}, {"E", 6}};
    if (unit == "B") mult = 1;
    for (const auto& [prefix, power] : kUnits) {
      if (unit.size() >= 2 && unit.substr(0, 1) == prefix && (unit.substr(1) == "iB" || unit.substr(1) == "B")) {
        mult = std::pow(1024.0L, power);
      }
    }
    if (mult == 0) {
      return absl::InvalidArgumentError(absl::StrCat("units: unknown unit ", A(unit), " in ", A(orig)));
    }
    total += g * mult;
    s.remove_prefix(u);
  }
  if (total > 9.2233720368547758e18L) return absl::InvalidArgumentError("units: overflow parsing unit");
  return static_cast<uint64_t>(total);
}

std::string ScrapeConfig::AcceptHeader() const {
  std::vector<std::string> vals;
  int weight = static_cast<int>(std::size(kProtocols)) + 1;
  for (ScrapeProtocol p : scrape_protocols) {
    // promlite has no protobuf parser yet: never ask for what it cannot read.
    if (p == ScrapeProtocol::kPrometheusProto) continue;
    std::string v(Info(p).header);
    if (p == ScrapeProtocol::kPrometheusText1_0_0 || p == ScrapeProtocol::kOpenMetricsText1_0_0) {
      absl::StrAppend(&v, ";escaping=", metric_name_escaping_scheme);
    }
    absl::StrAppend(&v, ";q=0.", weight);
    vals.push_back(std::move(v));
    weight--;
  }
  vals.push_back(absl::StrCat("*/*;q=0.", weight));
  return absl::StrJoin(vals, ",");
}

namespace yamlcfg {

std::string ExpandEnv(const Ctx& ctx, std::string_view s) {
  std::string out;
  size_t i = 0;
  for (size_t j = 0; j < s.size(); j++) {
    if (s[j] != '$' || j + 1 >= s.size()) continue;
    out.append(s.substr(i, j - i));
    auto [name, w] = ShellName(s.substr(j + 1));
    if (name.empty() && w > 0) {
      // invalid syntax: eaten
    } else if (name.empty()) {
      out.push_back('$');
    } else if (name == "$") {
      out.push_back('$');
    } else {
      const char* v = std::getenv(std::string(name).c_str());
      if (v && *v) {
        out.append(v);
      } else if (ctx.warnings) {
        ctx.warnings->push_back(absl::StrCat("empty environment variable ", A(name), " in external_labels"));
      }
    }
    j += w;
    i = j + 1;
  }
  if (i < s.size()) out.append(s.substr(i));
  return out;
}

absl::Status ReadProtocols(const Ctx& ctx, const YAML::Node& n, std::vector<ScrapeProtocol>* out) {
  std::vector<std::string> names;
  if (absl::Status st = ReadStringList(ctx, n, &names); !st.ok()) return st;
  out->clear();
  if (names.empty()) return ErrorAt(ctx, n, "scrape_protocols cannot be empty");
  std::set<std::string> seen;
  for (const std::string& name : names) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!seen.insert(lower).second) {
      return ErrorAt(ctx, n, absl::StrCat("duplicated protocol in scrape_protocols, got [", absl::StrJoin(names, " "), "]"));
    }
    absl::StatusOr<ScrapeProtocol> p = ParseProtocol(name);
    if (!p.ok()) return ErrorAt(ctx, n, absl::StrCat("scrape_protocols: ", p.status().message()));
    out->push_back(*p);
  }
  return absl::OkStatus();
}

absl::StatusOr<ScrapeProtocol> ParseProtocol(std::string_view name) {
  for (const auto& i : kProtocols) {
    if (i.name == name) return i.p;
  }
  std::vector<std::string> all;
  for (const auto& i : kProtocols) all.emplace_back(i.name);
  std::sort(all.begin(), all.end());
  return absl::InvalidArgumentError(
      absl::StrCat("unknown scrape protocol ", A(name), ", supported: [", absl::StrJoin(all, " "), "]"));
}

absl::StatusOr<NameValidation> ParseValidationScheme(std::string_view s, bool* unset) {
  *unset = s.empty();
  if (s.empty() || s == "utf8") return NameValidation::kUtf8;
  if (s == "legacy") return NameValidation::kLegacy;
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown name validation method specified, must be either '', 'legacy' or 'utf8', got ", A(s)));
}

absl::Status ReadGlobal(const Ctx& ctx, const YAML::Node& n, GlobalConfig* g) {
  *g = GlobalConfig{};
  absl::StatusOr<Map> m = Map::Read(ctx, n, "config.GlobalConfig");
  if (!m.ok()) return m.status();
  absl::Status st;
  g->scrape_interval_ms = 0;
  g->scrape_timeout_ms = 0;
  g->evaluation_interval_ms = 0;
  const YAML::Node* si = m->Take("scrape_interval");
  if (si && !(st = ReadDuration(ctx, *si, &g->scrape_interval_ms)).ok()) return st;
  if (const YAML::Node* v = m->Take("scrape_timeout"); v && !(st = ReadDuration(ctx, *v, &g->scrape_timeout_ms)).ok()) {
    return st;
  }
  if (const YAML::Node* v = m->Take("evaluation_interval");
      v && !(st = ReadDuration(ctx, *v, &g->evaluation_interval_ms)).ok()) {
    return st;
  }
  if (const YAML::Node* v = m->Take("rule_query_offset");
      v && !(st = ReadDuration(ctx, *v, &g->rule_query_offset_ms)).ok()) {
    return st;
  }
  if (const YAML::Node* v = m->Take("scrape_protocols"); v && !(st = ReadProtocols(ctx, *v, &g->scrape_protocols)).ok()) {
    return st;
  }
  if (!(st = Field(ctx, *m, "query_log_file", &g->query_log_file)).ok()) return st;
  if (!(st = Field(ctx, *m, "scrape_failure_log_file", &g->scrape_failure_log_file)).ok()) return st;
  if (!g->scrape_failure_log_file.empty()) {
    Warn(ctx, *m->Take("scrape_failure_log_file"), "scrape_failure_log_file is accepted but not written by promlite");
  }
  if (const YAML::Node* v = m->Take("body_size_limit"); v && !(st = ReadBytes(ctx, *v, &g->body_size_limit)).ok()) {
    return st;
  }
  if (!(st = Field(ctx, *m, "sample_limit", &g->sample_limit)).ok()) return st;
  if (!(st = Field(ctx, *m, "target_limit", &g->target_limit)).ok()) return st;
  if (!(st = Field(ctx, *m, "label_limit", &g->label_limit)).ok()) return st;
  if (!(st = Field(ctx, *m, "label_name_length_limit", &g->label_name_length_limit)).ok()) return st;
  if (!(st = Field(ctx, *m, "label_value_length_limit", &g->label_value_length_limit)).ok()) return st;
  if (!(st = Field(ctx, *m, "keep_dropped_targets", &g->keep_dropped_targets)).ok()) return st;
  std::string scheme;
  if (!(st = Field(ctx, *m, "metric_name_validation_scheme", &scheme)).ok()) return st;
  bool unset;
  absl::StatusOr<NameValidation> vs = ParseValidationScheme(scheme, &unset);
  if (!vs.ok()) return ErrorAt(ctx, *m->Take("metric_name_validation_scheme"), S(vs.status().message()));
  g->metric_name_validation_scheme = *vs;
  if (!(st = Field(ctx, *m, "metric_name_escaping_scheme", &g->metric_name_escaping_scheme)).ok()) return st;
  if (!g->metric_name_escaping_scheme.empty() && g->metric_name_escaping_scheme != "allow-utf-8" &&
      g->metric_name_escaping_scheme != "underscores" && g->metric_name_escaping_scheme != "dots" &&
      g->metric_name_escaping_scheme != "values") {
    return ErrorAt(ctx, *m->Take("metric_name_escaping_scheme"),
                   absl::StrCat("unknown global name escaping method specified, must be one of 'allow-utf-8', "
                                "'underscores', 'dots', or 'values', got ",
                                QuoteGo(g->metric_name_escaping_scheme)));
  }
  if (!(st = Field(ctx, *m, "extra_scrape_metrics", &g->extra_scrape_metrics)).ok()) return st;
  for (std::string_view k : {"scrape_native_histograms", "convert_classic_histograms_to_nhcb",
                             "always_scrape_classic_histograms"}) {
    if (const YAML::Node* v = m->Take(k)) {
      bool on = false;
      if (!(st = ReadBool(ctx, *v, &on)).ok()) return st;
      if (on) Warn(ctx, *v, absl::StrCat(A(k), " has no effect: promlite does not store native histograms yet"));
    }
  }
  if (const YAML::Node* v = m->Take("external_labels")) {
    absl::StatusOr<Map> el = Map::Read(ctx, *v, "labels.Labels");
    if (!el.ok()) return el.status();
    std::vector<std::pair<std::string, std::string>> owned;
    for (const std::string& k : el->Keys()) {
      const YAML::Node* val = el->Take(k);
      std::string s;
      if (!(st = ReadString(ctx, *val, &s)).ok()) return st;
      if (!IsValidLabelNameFor(g->metric_name_validation_scheme, k)) {
        return ErrorAt(ctx, *val, absl::StrCat(QuoteGo(k), " is not a valid label name"));
      }
      if (!tsdb::IsValidUtf8(s)) return ErrorAt(ctx, *val, absl::StrCat(QuoteGo(s), " is not a valid label value"));
      owned.emplace_back(k, ExpandEnv(ctx, s));
    }
    std::vector<std::pair<std::string_view, std::string_view>> pairs(owned.begin(), owned.end());
    g->external_labels = tsdb::Labels::FromPairs(std::move(pairs));
  }
  if (!(st = m->Done()).ok()) return st;

  // Defaults, and the timeout may not exceed the interval.
  if (g->scrape_interval_ms == 0) g->scrape_interval_ms = 60'000;
  if (g->scrape_timeout_ms > g->scrape_interval_ms) {
    return ErrorAt(ctx, si ? *si : n, "global scrape timeout greater than scrape interval");
  }
  if (g->scrape_timeout_ms == 0) g->scrape_timeout_ms = std::min<int64_t>(10'000, g->scrape_interval_ms);
  if (g->evaluation_interval_ms == 0) g->evaluation_interval_ms = 60'000;
  return absl::OkStatus();
}

}  // namespace yamlcfg
}  // namespace promlite::scrape
