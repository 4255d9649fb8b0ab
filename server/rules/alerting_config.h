// The `alerting` section of prometheus.yml: where alerts go
// (alertmanagers with static_configs) and how they are relabeled first.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "promlite/scrape/relabel.h"
#include "yaml-cpp/yaml.h"

namespace promlite::server {

// One entry of alerting.alertmanagers.
struct AlertmanagerConfig {
  std::string scheme = "http";
  std::string path_prefix = "/";
  int64_t timeout_ms = 10'000;
  std::string api_version = "v2";
  std::vector<std::string> targets;  // host:port, from static_configs
  std::vector<scrape::RelabelConfig> alert_relabel_configs;
};

struct AlertingConfig {
  std::vector<scrape::RelabelConfig> alert_relabel_configs;
  std::vector<AlertmanagerConfig> alertmanagers;
};

// Parses the value of the `alerting` key strictly (unknown fields are errors
// with their line). `path` prefixes messages.
absl::Status ParseAlertingConfig(const YAML::Node& n, const std::string& path, AlertingConfig* out);

// Parses a list of relabel configs (alert_relabel_configs) and checks them.
absl::Status ParseRelabelConfigs(const YAML::Node& n, const std::string& path,
                                 std::vector<scrape::RelabelConfig>* out);

}  // namespace promlite::server
