// One entry of scrape_configs: fields, defaults taken from `global`, and
// Prometheus' validation (ScrapeConfig.UnmarshalYAML + Validate).
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "config/config_internal.h"
#include "discovery/registry.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape::yamlcfg {
namespace {

// Prometheus' CheckTargetAddress: catches URLs put where host:port belongs.
absl::Status CheckStaticTargets(const Ctx& ctx, const YAML::Node& where, const DiscoveryConfigs& sds) {
  for (const auto& c : sds.configs) {
    const auto* sc = dynamic_cast<const StaticConfig*>(c.get());
    if (!sc) continue;
    for (const TargetGroup& g : sc->groups) {
      for (const LabelSet& t : g.targets) {
        auto it = t.find("__address__");
        if (it != t.end() && it->second.find('/') != std::string::npos) {
          return ErrorAt(ctx, where, absl::StrCat(QuoteGo(it->second), " is not a valid hostname"));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ReadParams(const Ctx& ctx, const YAML::Node& n, std::map<std::string, std::vector<std::string>>* out) {
  absl::StatusOr<Map> m = Map::Read(ctx, n, "url.Values");
  if (!m.ok()) return m.status();
  for (const std::string& k : m->Keys()) {
    std::vector<std::string> v;
    if (absl::Status st = ReadStringList(ctx, *m->Take(k), &v); !st.ok()) return st;
    (*out)[k] = std::move(v);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ReadScrapeConfig(const Ctx& ctx, const YAML::Node& n, const GlobalConfig& global, ScrapeConfig* c) {
  *c = ScrapeConfig{};
  c->source_file = ctx.file;
  if (n.IsNull()) return ErrorAt(ctx, n, "empty or null scrape config section");
  absl::StatusOr<Map> mm = Map::Read(ctx, n, "config.ScrapeConfig");
  if (!mm.ok()) return mm.status();
  Map& m = *mm;
  absl::Status st;
  if (!(st = Field(ctx, m, "job_name", &c->job_name)).ok()) return st;
  if (!(st = Field(ctx, m, "honor_labels", &c->honor_labels)).ok()) return st;
  if (!(st = Field(ctx, m, "honor_timestamps", &c->honor_timestamps)).ok()) return st;
  if (!(st = Field(ctx, m, "track_timestamps_staleness", &c->track_timestamps_staleness)).ok()) return st;
  if (const YAML::Node* v = m.Take("params"); v && !(st = ReadParams(ctx, *v, &c->params)).ok()) return st;
  const YAML::Node* interval_node = m.Take("scrape_interval");
  if (interval_node && !(st = ReadDuration(ctx, *interval_node, &c->scrape_interval_ms)).ok()) return st;
  const YAML::Node* timeout_node = m.Take("scrape_timeout");
  if (timeout_node && !(st = ReadDuration(ctx, *timeout_node, &c->scrape_timeout_ms)).ok()) return st;
  const YAML::Node* protocols_node = m.Take("scrape_protocols");
  if (protocols_node && !(st = ReadProtocols(ctx, *protocols_node, &c->scrape_protocols)).ok()) return st;
  if (const YAML::Node* v = m.Take("fallback_scrape_protocol")) {
    std::string name;
    if (!(st = ReadString(ctx, *v, &name)).ok()) return st;
    if (!name.empty()) {
      absl::StatusOr<ScrapeProtocol> p = ParseProtocol(name);
      if (!p.ok()) {
        return ErrorAt(ctx, *v, absl::StrCat("invalid fallback_scrape_protocol for scrape config with job name ",
                                             QuoteGo(c->job_name), ": ", p.status().message()));
      }
      c->fallback_scrape_protocol = *p;
    }
  }
  if (!(st = Field(ctx, m, "metrics_path", &c->metrics_path)).ok()) return st;
  if (!(st = Field(ctx, m, "scheme", &c->scheme)).ok()) return st;
  if (!(st = Field(ctx, m, "enable_compression", &c->enable_compression)).ok()) return st;
  if (const YAML::Node* v = m.Take("body_size_limit"); v && !(st = ReadBytes(ctx, *v, &c->body_size_limit)).ok()) {
    return st;
  }
  if (!(st = Field(ctx, m, "sample_limit", &c->sample_limit)).ok()) return st;
  if (!(st = Field(ctx, m, "target_limit", &c->target_limit)).ok()) return st;
  if (!(st = Field(ctx, m, "label_limit", &c->label_limit)).ok()) return st;
  if (!(st = Field(ctx, m, "label_name_length_limit", &c->label_name_length_limit)).ok()) return st;
  if (!(st = Field(ctx, m, "label_value_length_limit", &c->label_value_length_limit)).ok()) return st;
  if (!(st = Field(ctx, m, "keep_dropped_targets", &c->keep_dropped_targets)).ok()) return st;
  std::string validation, escaping;
  const YAML::Node* validation_node = m.Take("metric_name_validation_scheme");
  if (validation_node && !(st = ReadString(ctx, *validation_node, &validation)).ok()) return st;
  const YAML::Node* escaping_node = m.Take("metric_name_escaping_scheme");
  if (escaping_node && !(st = ReadString(ctx, *escaping_node, &escaping)).ok()) return st;
  std::optional<bool> extra;
  if (const YAML::Node* v = m.Take("extra_scrape_metrics"); v && !v->IsNull()) {
    bool b;
    if (!(st = ReadBool(ctx, *v, &b)).ok()) return st;
    extra = b;
  }
  for (std::string_view k : {"scrape_native_histograms", "always_scrape_classic_histograms",
                             "convert_classic_histograms_to_nhcb"}) {
    if (const YAML::Node* v = m.Take(k)) {
      bool on = false;
      if (!(st = ReadBool(ctx, *v, &on)).ok()) return st;
      if (on) Warn(ctx, *v, absl::StrCat(A(k), " has no effect: promlite does not store native histograms yet"));
    }
  }
  if (const YAML::Node* v = m.Take("native_histogram_bucket_limit")) {
    uint64_t ignored;
    if (!(st = ReadUint64(ctx, *v, &ignored)).ok()) return st;
  }
  if (const YAML::Node* v = m.Take("native_histogram_min_bucket_factor"); v && !v->IsScalar() && !v->IsNull()) {
    return ErrorAt(ctx, *v, absl::StrCat("cannot unmarshal ", Describe(*v), " into float64"));
  }
  std::string failure_log;
  if (!(st = Field(ctx, m, "scrape_failure_log_file", &failure_log)).ok()) return st;
  if (!failure_log.empty()) {
    Warn(ctx, *m.Take("scrape_failure_log_file"), "scrape_failure_log_file is accepted but not written by promlite");
  }

  if (!(st = ReadHTTPClientFields(ctx, m, &c->http_client)).ok()) return st;

  std::vector<YAML::Mark> relabel_marks, metric_relabel_marks;
  if (const YAML::Node* v = m.Take("relabel_configs");
      v && !(st = ReadRelabelConfigs(ctx, *v, "target", &c->relabel_configs, &relabel_marks)).ok()) {
    return st;
  }
  if (const YAML::Node* v = m.Take("metric_relabel_configs");
      v && !(st = ReadRelabelConfigs(ctx, *v, "metric", &c->metric_relabel_configs, &metric_relabel_marks)).ok()) {
    return st;
  }

  // Discovery sections, in document order.
  for (const std::string& key : m.Keys()) {
    if (key != "static_configs" && !absl::EndsWith(key, "_sd_configs")) continue;
    discovery::SDParser parse = discovery::FindSDParser(key);
    if (!parse) {
      if (discovery::IsUnsupportedSD(key)) {
        return ErrorAt(ctx, *m.Take(key), absl::StrCat(key, " is not supported by promlite yet"));
      }
      continue;  // reported as an unknown field below
    }
    const YAML::Node* list = m.Take(key);
    if (list->IsNull()) continue;
    if (!list->IsSequence()) {
      return ErrorAt(ctx, *list, absl::StrCat("cannot unmarshal ", Describe(*list), " into ", key));
    }
    for (const auto& e : *list) {
      absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> sd = parse(ctx, e);
      if (!sd.ok()) return sd.status();
      c->service_discovery.configs.push_back(std::move(*sd));
    }
  }
  if (!(st = m.Done()).ok()) return st;

  // ---- ScrapeConfig.UnmarshalYAML checks ----
  if (c->job_name.empty()) return ErrorAt(ctx, n, "job_name is empty");
  if (c->relabel_configs.empty()) {
    if (!(st = CheckStaticTargets(ctx, n, c->service_discovery)).ok()) return st;
  }

  // ---- ScrapeConfig.Validate: defaults from global ----
  if (c->scrape_interval_ms == 0) c->scrape_interval_ms = global.scrape_interval_ms;
  if (c->scrape_timeout_ms > c->scrape_interval_ms) {
    return ErrorAt(ctx, timeout_node ? *timeout_node : n,
                   absl::StrCat("scrape timeout greater than scrape interval for scrape config with job name ",
                                QuoteGo(c->job_name)));
  }
  if (c->scrape_timeout_ms == 0) c->scrape_timeout_ms = std::min(global.scrape_timeout_ms, c->scrape_interval_ms);
  if (c->body_size_limit == 0) c->body_size_limit = global.body_size_limit;
  if (c->sample_limit == 0) c->sample_limit = global.sample_limit;
  if (c->target_limit == 0) c->target_limit = global.target_limit;
  if (c->label_limit == 0) c->label_limit = global.label_limit;
  if (c->label_name_length_limit == 0) c->label_name_length_limit = global.label_name_length_limit;
  if (c->label_value_length_limit == 0) c->label_value_length_limit = global.label_value_length_limit;
  if (c->keep_dropped_targets == 0) c->keep_dropped_targets = global.keep_dropped_targets;
  c->extra_scrape_metrics = extra.value_or(global.extra_scrape_metrics);
  if (c->scrape_protocols.empty()) {
    c->scrape_protocols = global.scrape_protocols.empty()
                              ? std::vector<ScrapeProtocol>{ScrapeProtocol::kOpenMetricsText1_0_0,
                                                            ScrapeProtocol::kOpenMetricsText0_0_1,
                                                            ScrapeProtocol::kPrometheusText1_0_0,
                                                            ScrapeProtocol::kPrometheusText0_0_4}
                              : global.scrape_protocols;
  }
  for (ScrapeProtocol p : c->scrape_protocols) {
    if (p == ScrapeProtocol::kPrometheusProto) {
      Warn(ctx, protocols_node ? *protocols_node : n,
           absl::StrCat("job ", QuoteGo(c->job_name),
                        ": PrometheusProto is not supported yet and is left out of the Accept header"));
    }
  }
  bool local_unset;
  absl::StatusOr<NameValidation> vs = ParseValidationScheme(validation, &local_unset);
  if (!vs.ok()) {
    return ErrorAt(ctx, *validation_node,
                   absl::StrCat("unknown scrape config name validation method specified, must be either '', "
                                "'legacy' or 'utf8', got ",
                                validation));
  }
  c->metric_name_validation_scheme = local_unset ? global.metric_name_validation_scheme : *vs;
  std::string global_escaping = global.metric_name_escaping_scheme;
  if (global_escaping.empty()) {
    global_escaping = global.metric_name_validation_scheme == NameValidation::kLegacy ? "underscores" : "allow-utf-8";
  }
  if (escaping.empty()) {
    if (local_unset) {
      escaping = global_escaping;
    } else {
      escaping = c->metric_name_validation_scheme == NameValidation::kLegacy ? "underscores" : "allow-utf-8";
    }
  }
  if (escaping == "allow-utf-8") {
    if (c->metric_name_validation_scheme != NameValidation::kUtf8) {
      return ErrorAt(ctx, escaping_node ? *escaping_node : n,
                     "utf8 metric names requested but validation scheme is not set to UTF8");
    }
  } else if (escaping != "underscores" && escaping != "dots" && escaping != "values") {
    return ErrorAt(ctx, escaping_node ? *escaping_node : n,
                   absl::StrCat("unknown scrape config name escaping method specified, must be one of "
                                "'allow-utf-8', 'underscores', 'dots', or 'values', got ",
                                QuoteGo(escaping)));
  }
  c->metric_name_escaping_scheme = escaping;
  for (size_t i = 0; i < c->relabel_configs.size(); i++) {
    if (!(st = c->relabel_configs[i].Validate(c->metric_name_validation_scheme)).ok()) {
      return ErrorAt(ctx, relabel_marks[i], S(st.message()));
    }
  }
  for (size_t i = 0; i < c->metric_relabel_configs.size(); i++) {
    if (!(st = c->metric_relabel_configs[i].Validate(c->metric_name_validation_scheme)).ok()) {
      return ErrorAt(ctx, metric_relabel_marks[i], S(st.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace promlite::scrape::yamlcfg
