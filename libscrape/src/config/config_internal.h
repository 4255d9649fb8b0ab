// Internal pieces of the configuration loader.
#pragma once

#include <string>
#include <vector>

#include "config/sections.h"
#include "config/yaml_reader.h"
#include "promlite/scrape/config.h"

namespace promlite::scrape::yamlcfg {

// Go's os.Expand with Prometheus' mapping ($$ -> $, unset -> "").
std::string ExpandEnv(const Ctx& ctx, std::string_view s);
absl::StatusOr<ScrapeProtocol> ParseProtocol(std::string_view name);
absl::Status ReadProtocols(const Ctx& ctx, const YAML::Node& n, std::vector<ScrapeProtocol>* out);
// "" (unset, *unset = true), "utf8" or "legacy".
absl::StatusOr<NameValidation> ParseValidationScheme(std::string_view s, bool* unset);

absl::Status ReadGlobal(const Ctx& ctx, const YAML::Node& n, GlobalConfig* g);
// Reads one scrape config and fills the defaults from `global` (Prometheus'
// ScrapeConfig.UnmarshalYAML followed by Validate).
absl::Status ReadScrapeConfig(const Ctx& ctx, const YAML::Node& n, const GlobalConfig& global, ScrapeConfig* out);

}  // namespace promlite::scrape::yamlcfg
