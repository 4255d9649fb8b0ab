// Readers for the pieces a scrape config is made of, shared with the
// discovery configs that embed them (http_sd_configs has an HTTP client).
#pragma once

#include <vector>

#include "config/yaml_reader.h"
#include "promlite/scrape/http_config.h"
#include "promlite/scrape/relabel.h"

namespace promlite::scrape::yamlcfg {

// Reads the inline HTTP client fields (basic_auth, authorization,
// bearer_token[_file], tls_config, follow_redirects, enable_http2, and the
// unsupported oauth2/proxy/http_headers, which are errors when set) from `m`
// and validates them with Prometheus' rules.
absl::Status ReadHTTPClientFields(const Ctx& ctx, Map& m, HTTPClientConfig* out);

// Reads a relabel_configs list; `what` is "target" or "metric" for messages.
// `marks` receives each rule's position, for checks made later.
absl::Status ReadRelabelConfigs(const Ctx& ctx, const YAML::Node& n, std::string_view what,
                                std::vector<RelabelConfig>* out, std::vector<YAML::Mark>* marks);

}  // namespace promlite::scrape::yamlcfg
