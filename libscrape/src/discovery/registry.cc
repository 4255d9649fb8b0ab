#include "discovery/registry.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "promlite/tsdb/labels.h"
#include "util/quote.h"

namespace promlite::scrape::discovery {
namespace {

struct Entry {
  std::string_view key;
  SDParser parser;
};

constexpr std::array<Entry, 4> kBuiltin = {{
    {"static_configs", &ParseStaticConfig},
    {"file_sd_configs", &ParseFileSD},
    {"http_sd_configs", &ParseHTTPSD},
    {"dns_sd_configs", &ParseDNSSD},
}};

// Prometheus 3's other discovery sections.
constexpr std::array<std::string_view, 27> kUnsupported = {
    "azure_sd_configs",      "consul_sd_configs",     "digitalocean_sd_configs", "docker_sd_configs",
    "dockerswarm_sd_configs", "ec2_sd_configs",       "eureka_sd_configs",       "gce_sd_configs",
    "hetzner_sd_configs",    "ionos_sd_configs",      "kubernetes_sd_configs",   "kuma_sd_configs",
    "lightsail_sd_configs",  "linode_sd_configs",     "marathon_sd_configs",     "nerve_sd_configs",
    "nomad_sd_configs",      "openstack_sd_configs",  "ovhcloud_sd_configs",     "puppetdb_sd_configs",
    "scaleway_sd_configs",   "serverset_sd_configs",  "triton_sd_configs",       "uyuni_sd_configs",
    "vultr_sd_configs",      "stackit_sd_configs",    "aws_sd_configs",
};

}  // namespace

SDParser FindSDParser(std::string_view key) {
  for (const Entry& e : kBuiltin) {
    if (e.key == key) return e.parser;
  }
  return nullptr;
}

bool IsUnsupportedSD(std::string_view key) {
  for (std::string_view k : kUnsupported) {
    if (k == key) return true;
  }
  return false;
}

absl::Status ReadLabelSet(const yamlcfg::Ctx& ctx, const YAML::Node& n, LabelSet* out) {
  std::map<std::string, std::string> m;
  if (absl::Status st = yamlcfg::ReadStringMap(ctx, n, &m); !st.ok()) return st;
  for (const auto& [k, v] : m) {
    if (!tsdb::IsValidLabelName(k)) return yamlcfg::ErrorAt(ctx, n, absl::StrCat(QuoteGo(k), " is not a valid label name"));
    if (!tsdb::IsValidUtf8(v)) return yamlcfg::ErrorAt(ctx, n, absl::StrCat(QuoteGo(v), " is not a valid label value"));
  }
  *out = std::move(m);
  return absl::OkStatus();
}

}  // namespace promlite::scrape::discovery
