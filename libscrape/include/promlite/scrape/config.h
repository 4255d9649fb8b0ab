// The `global`, `scrape_configs` and `scrape_config_files` sections of
// prometheus.yml, with Prometheus' field names, defaults and checks.
//
// Parsing is strict like Prometheus' yaml.UnmarshalStrict: unknown fields,
// duplicate keys, duplicate job names, bad durations, sizes and regexes are
// errors that name the file and line. Top-level sections owned by other
// components (rule_files, alerting, remote_write, remote_read, storage,
// tracing, otlp, runtime) are accepted untouched for the server to parse.
// Relative file paths (TLS files, password files, file_sd files) are resolved
// against the directory of the file that names them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/scrape/discovery.h"
#include "promlite/scrape/http_config.h"
#include "promlite/scrape/relabel.h"
#include "promlite/tsdb/labels.h"

namespace promlite::scrape {

enum class ScrapeProtocol : uint8_t {
  kPrometheusProto,
  kPrometheusText0_0_4,
  kPrometheusText1_0_0,
  kOpenMetricsText0_0_1,
  kOpenMetricsText1_0_0,
};

// "PrometheusText0.0.4", ...
std::string_view ScrapeProtocolName(ScrapeProtocol p);
// The media type with parameters, e.g. "text/plain;version=0.0.4".
std::string_view ScrapeProtocolHeader(ScrapeProtocol p);
// The bare media type, e.g. "text/plain".
std::string_view ScrapeProtocolMediaType(ScrapeProtocol p);

struct GlobalConfig {
  int64_t scrape_interval_ms = 60'000;
  int64_t scrape_timeout_ms = 10'000;
  int64_t evaluation_interval_ms = 60'000;
  int64_t rule_query_offset_ms = 0;
  std::vector<ScrapeProtocol> scrape_protocols;  // empty: the default list
  std::string query_log_file;
  std::string scrape_failure_log_file;
  tsdb::Labels external_labels;  // $VAR / ${VAR} expanded from the environment
  uint64_t body_size_limit = 0;  // bytes, 0 = none
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t keep_dropped_targets = 0;
  NameValidation metric_name_validation_scheme = NameValidation::kUtf8;
  std::string metric_name_escaping_scheme;  // "" = from the validation scheme
  bool extra_scrape_metrics = false;
  friend bool operator==(const GlobalConfig&, const GlobalConfig&) = default;
};

struct ScrapeConfig {
  std::string job_name;
  bool honor_labels = false;
  bool honor_timestamps = true;
  bool track_timestamps_staleness = false;
  std::map<std::string, std::vector<std::string>> params;
  int64_t scrape_interval_ms = 0;  // 0 in YAML: the global value
  int64_t scrape_timeout_ms = 0;
  std::vector<ScrapeProtocol> scrape_protocols;
  std::optional<ScrapeProtocol> fallback_scrape_protocol;
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  bool enable_compression = true;
  uint64_t body_size_limit = 0;
  uint64_t sample_limit = 0;
  uint64_t target_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t keep_dropped_targets = 0;
  NameValidation metric_name_validation_scheme = NameValidation::kUtf8;
  std::string metric_name_escaping_scheme = "allow-utf-8";
  bool extra_scrape_metrics = false;
  HTTPClientConfig http_client;
  DiscoveryConfigs service_discovery;
  std::vector<RelabelConfig> relabel_configs;
  std::vector<RelabelConfig> metric_relabel_configs;

  // Where the job was defined, for messages.
  std::string source_file;

  // The Accept header Prometheus sends for this job's scrape_protocols
  // (protobuf is left out: promlite cannot parse it yet).
  std::string AcceptHeader() const;

  friend bool operator==(const ScrapeConfig&, const ScrapeConfig&) = default;
};

struct Config {
  GlobalConfig global;
  // Jobs of the main file, then those of scrape_config_files in glob order.
  std::vector<ScrapeConfig> scrape_configs;
  std::vector<std::string> scrape_config_files;  // patterns, resolved against the file's directory
  // Settings that were accepted but have no effect in promlite (native
  // histogram options, enable_http2, ...), for the caller to log.
  std::vector<std::string> warnings;
};

// Parses prometheus.yml text. `filename` names the file in messages and
// `base_dir` resolves relative paths (scrape_config_files, TLS files, ...).
absl::StatusOr<Config> LoadConfig(std::string_view yaml, std::string_view filename = "", std::string_view base_dir = ".");
// Reads and parses a file; relative paths are resolved against its directory.
absl::StatusOr<Config> LoadConfigFile(std::string_view path);

// Parses a size like Prometheus' body_size_limit ("100MB", "1GiB", "512KB";
// every unit is a power of 1024, as in Prometheus).
absl::StatusOr<uint64_t> ParseBase2Bytes(std::string_view s);

}  // namespace promlite::scrape
