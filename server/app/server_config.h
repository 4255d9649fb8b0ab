// The server's view of prometheus.yml: the scrape sections (parsed strictly by
// libscrape) plus the sections the server itself owns.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/scrape/config.h"
#include "rules/alerting_config.h"

namespace promlite::server {

struct ServerConfig {
  scrape::Config scrape;
  std::vector<std::string> rule_files;  // patterns as written
  AlertingConfig alerting;
  std::string source;  // the file's text, for /api/v1/status/config
  std::string path;    // "" for the embedded default
};

// The directory relative rule_files patterns are resolved against.
std::string ConfigDir(const ServerConfig& cfg);

// Reads and checks a configuration file.
absl::StatusOr<ServerConfig> LoadServerConfig(const std::string& path);

// The configuration used when none is given: scrape this server every 15s.
absl::StatusOr<ServerConfig> DefaultServerConfig(const std::string& self_target);

}  // namespace promlite::server
