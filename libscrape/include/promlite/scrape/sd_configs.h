// The built-in service discovery configurations besides static_configs:
// file_sd_configs, http_sd_configs and dns_sd_configs, with Prometheus'
// field names, defaults and meta labels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "promlite/scrape/discovery.h"
#include "promlite/scrape/http_config.h"

namespace promlite::scrape {

// Targets from JSON or YAML files matched by glob patterns, re-read when they
// change and every refresh_interval. Targets get __meta_filepath.
class FileSDConfig final : public DiscoveryConfig {
 public:
  std::vector<std::string> files;  // resolved against the config's directory
  int64_t refresh_interval_ms = 5 * 60 * 1000;

  std::string_view Name() const override { return "file"; }
  bool Equals(const DiscoveryConfig& o) const override;
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer(const DiscovererOptions& opts) const override;
};

// Targets from an HTTP endpoint returning [{"targets": [...], "labels": {...}}].
// Targets get __meta_url.
class HTTPSDConfig final : public DiscoveryConfig {
 public:
  std::string url;
  int64_t refresh_interval_ms = 60 * 1000;
  HTTPClientConfig http_client;

  std::string_view Name() const override { return "http"; }
  bool Equals(const DiscoveryConfig& o) const override;
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer(const DiscovererOptions& opts) const override;
};

// Targets from DNS A, AAAA, SRV, MX or NS records, refreshed periodically.
// Targets get __meta_dns_name, __meta_dns_srv_record_target,
// __meta_dns_srv_record_port, __meta_dns_mx_record_target and
// __meta_dns_ns_record_target.
class DNSSDConfig final : public DiscoveryConfig {
 public:
  std::vector<std::string> names;
  int64_t refresh_interval_ms = 30 * 1000;
  std::string type = "SRV";  // SRV, A, AAAA, MX, NS
  int port = 0;              // required for A, AAAA, MX, NS
  // Resolvers as "ip:port"; empty means those of /etc/resolv.conf. Not a
  // Prometheus field (it uses the system resolver); tests point it at a
  // local server.
  std::vector<std::string> nameservers;

  std::string_view Name() const override { return "dns"; }
  bool Equals(const DiscoveryConfig& o) const override;
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer(const DiscovererOptions& opts) const override;
};

}  // namespace promlite::scrape
