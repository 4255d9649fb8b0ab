// Which `<name>_sd_configs` sections a scrape config understands. A new
// discovery mechanism adds its parser in registry.cc (RegisterBuiltins); the
// config loader needs nothing else.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "config/yaml_reader.h"
#include "promlite/scrape/discovery.h"

namespace promlite::scrape::discovery {

// Parses one element of the section's list.
using SDParser = absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> (*)(const yamlcfg::Ctx& ctx,
                                                                             const YAML::Node& node);

// The parser for a section key such as "file_sd_configs", or nullptr.
SDParser FindSDParser(std::string_view key);
// True for sections Prometheus knows that promlite does not implement yet
// (kubernetes_sd_configs, consul_sd_configs, ...): the loader names them
// instead of calling them unknown fields.
bool IsUnsupportedSD(std::string_view key);

// The parsers of the built-in mechanisms.
absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> ParseStaticConfig(const yamlcfg::Ctx& ctx, const YAML::Node& n);
absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> ParseFileSD(const yamlcfg::Ctx& ctx, const YAML::Node& n);
absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> ParseHTTPSD(const yamlcfg::Ctx& ctx, const YAML::Node& n);
absl::StatusOr<std::shared_ptr<const DiscoveryConfig>> ParseDNSSD(const yamlcfg::Ctx& ctx, const YAML::Node& n);

// Reads the `labels` of a target group (valid UTF-8 names and values).
absl::Status ReadLabelSet(const yamlcfg::Ctx& ctx, const YAML::Node& n, LabelSet* out);

}  // namespace promlite::scrape::discovery
