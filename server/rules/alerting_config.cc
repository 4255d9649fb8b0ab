#include "rules/alerting_config.h"

#include "absl/strings/str_cat.h"
#include "promlite/tsdb/duration.h"

namespace promlite::server {
namespace {

std::string Where(const std::string& path, const YAML::Node& n) {
  if (n.Mark().is_null()) return path;
  return absl::StrCat(path, ":", n.Mark().line + 1);
}

absl::Status Bad(const std::string& path, const YAML::Node& n, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(Where(path, n), ": ", what));
}

absl::Status Scalar(const std::string& path, const YAML::Node& n, std::string_view field, std::string* out) {
  if (!n.IsScalar()) return Bad(path, n, absl::StrCat(std::string(field), " must be a string"));
  *out = n.Scalar();
  return absl::OkStatus();
}

absl::Status StringList(const std::string& path, const YAML::Node& n, std::string_view field,
                        std::vector<std::string>* out) {
  if (n.IsNull()) return absl::OkStatus();
  if (!n.IsSequence()) return Bad(path, n, absl::StrCat(std::string(field), " must be a list of strings"));
  for (const auto& item : n) {
    std::string s;
    if (absl::Status st = Scalar(path, item, field, &s); !st.ok()) return st;
    out->push_back(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status CheckMap(const std::string& path, const YAML::Node& n, std::string_view type) {
  if (!n.IsMap()) return Bad(path, n, absl::StrCat("expected a mapping for ", std::string(type)));
  return absl::OkStatus();
}

absl::Status Unknown(const std::string& path, const YAML::Node& key, std::string_view type) {
  return Bad(path, key, absl::StrCat("field ", key.Scalar(), " not found in type ", std::string(type)));
}

absl::Status ParseRelabel(const YAML::Node& n, const std::string& path, scrape::RelabelConfig* rc) {
  if (absl::Status st = CheckMap(path, n, "relabel.Config"); !st.ok()) return st;
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    absl::Status st;
    std::string s;
    if (key == "source_labels") {
      st = StringList(path, v, key, &rc->source_labels);
    } else if (key == "separator") {
      st = Scalar(path, v, key, &rc->separator);
    } else if (key == "regex") {
      if ((st = Scalar(path, v, key, &s)).ok()) {
        auto re = scrape::RelabelRegex::Compile(s);
        if (!re.ok()) return Bad(path, v, std::string(re.status().message()));
        rc->regex = *std::move(re);
        rc->regex_set = true;
      }
    } else if (key == "modulus") {
      if ((st = Scalar(path, v, key, &s)).ok()) {
        try {
          size_t used = 0;
          rc->modulus = std::stoull(s, &used);
          if (used != s.size()) return Bad(path, v, absl::StrCat("invalid modulus ", s));
        } catch (const std::exception&) {
          return Bad(path, v, absl::StrCat("invalid modulus ", s));
        }
      }
    } else if (key == "target_label") {
      st = Scalar(path, v, key, &rc->target_label);
    } else if (key == "replacement") {
      st = Scalar(path, v, key, &rc->replacement);
    } else if (key == "action") {
      if ((st = Scalar(path, v, key, &s)).ok()) {
        auto a = scrape::ParseRelabelAction(s);
        if (!a.ok()) return Bad(path, v, std::string(a.status().message()));
        rc->action = *a;
      }
    } else {
      return Unknown(path, kv.first, "relabel.Config");
    }
    if (!st.ok()) return st;
  }
  if (absl::Status st = rc->Validate(); !st.ok()) return Bad(path, n, std::string(st.message()));
  return absl::OkStatus();
}

absl::Status ParseAlertmanager(const YAML::Node& n, const std::string& path, AlertmanagerConfig* am) {
  if (absl::Status st = CheckMap(path, n, "config.AlertmanagerConfig"); !st.ok()) return st;
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    absl::Status st;
    std::string s;
    if (key == "scheme") {
      if ((st = Scalar(path, v, key, &am->scheme)).ok() && am->scheme != "http" && am->scheme != "https") {
        return Bad(path, v, absl::StrCat("unknown scheme ", am->scheme, " (http or https)"));
      }
    } else if (key == "path_prefix") {
      st = Scalar(path, v, key, &am->path_prefix);
    } else if (key == "timeout") {
      if ((st = Scalar(path, v, key, &s)).ok()) {
        auto d = tsdb::ParseDuration(s);
        if (!d.ok()) return Bad(path, v, std::string(d.status().message()));
        am->timeout_ms = *d;
      }
    } else if (key == "api_version") {
      if ((st = Scalar(path, v, key, &am->api_version)).ok() && am->api_version != "v2") {
        return Bad(path, v, absl::StrCat("unsupported Alertmanager api_version ", am->api_version, " (only v2 is supported)"));
      }
    } else if (key == "static_configs") {
      if (!v.IsSequence()) return Bad(path, v, "static_configs must be a list");
      for (const auto& sc : v) {
        if ((st = CheckMap(path, sc, "targetgroup.Group")).ok()) {
          for (const auto& skv : sc) {
            const std::string skey = skv.first.Scalar();
            if (skey == "targets") {
              st = StringList(path, skv.second, skey, &am->targets);
            } else if (skey != "labels") {
              st = Unknown(path, skv.first, "targetgroup.Group");
            }
            if (!st.ok()) break;
          }
        }
        if (!st.ok()) return st;
      }
    } else if (key == "alert_relabel_configs") {
      st = ParseRelabelConfigs(v, path, &am->alert_relabel_configs);
    } else if (key == "relabel_configs" || key == "follow_redirects" || key == "enable_http2") {
      // Accepted; targets come from static_configs only.
      if (key == "relabel_configs" && v.IsSequence() && v.size() > 0) {
        return Bad(path, v, "relabel_configs of alertmanagers are not supported by promlite");
      }
    } else {
      return Unknown(path, kv.first, "config.AlertmanagerConfig");
    }
    if (!st.ok()) return st;
  }
  while (am->path_prefix.size() > 1 && am->path_prefix.back() == '/') am->path_prefix.pop_back();
  if (am->path_prefix.empty() || am->path_prefix[0] != '/') am->path_prefix.insert(0, "/");
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseRelabelConfigs(const YAML::Node& n, const std::string& path,
                                 std::vector<scrape::RelabelConfig>* out) {
  if (n.IsNull()) return absl::OkStatus();
  if (!n.IsSequence()) return Bad(path, n, "relabel configs must be a list");
  for (const auto& item : n) {
    scrape::RelabelConfig rc;
    if (absl::Status st = ParseRelabel(item, path, &rc); !st.ok()) return st;
    out->push_back(std::move(rc));
  }
  return absl::OkStatus();
}

absl::Status ParseAlertingConfig(const YAML::Node& n, const std::string& path, AlertingConfig* out) {
  if (n.IsNull()) return absl::OkStatus();
  if (absl::Status st = CheckMap(path, n, "config.AlertingConfig"); !st.ok()) return st;
  for (const auto& kv : n) {
    const std::string key = kv.first.Scalar();
    absl::Status st;
    if (key == "alert_relabel_configs") {
      st = ParseRelabelConfigs(kv.second, path, &out->alert_relabel_configs);
    } else if (key == "alertmanagers") {
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsSequence()) return Bad(path, kv.second, "alertmanagers must be a list");
      for (const auto& item : kv.second) {
        AlertmanagerConfig am;
        if ((st = ParseAlertmanager(item, path, &am)).ok()) out->alertmanagers.push_back(std::move(am));
        if (!st.ok()) break;
      }
    } else {
      st = Unknown(path, kv.first, "config.AlertingConfig");
    }
    if (!st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace promlite::server
