// Reading target groups from YAML (static_configs, file SD .yml) and JSON
// (file SD .json, HTTP SD), with Go's strictness: unknown fields and
// invalid label names are errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "config/yaml_reader.h"
#include "promlite/scrape/discovery.h"

namespace promlite::scrape::discovery {

absl::Status ReadTargetGroup(const yamlcfg::Ctx& ctx, const YAML::Node& n, TargetGroup* tg);
// A YAML document holding a list of groups.
absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroupsYAML(std::string_view text, std::string_view filename);
// A JSON array of groups.
absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroupsJSON(std::string_view text);

}  // namespace promlite::scrape::discovery
