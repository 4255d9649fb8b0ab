// Command-line flags of the promlite server, with Prometheus' names and
// defaults so existing command lines, systemd units and manifests work.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace promlite::server {

struct Flags {
  std::string config_file = "prometheus.yml";
  bool config_file_set = false;  // given on the command line
  std::string web_listen_address = "0.0.0.0:9090";
  std::string web_config_file;
  std::string web_read_timeout = "5m";
  int web_max_connections = 512;
  std::string web_external_url;
  std::string web_route_prefix;
  bool web_enable_lifecycle = false;
  bool web_enable_admin_api = false;
  bool web_enable_remote_write_receiver = false;
  std::string web_page_title = "Prometheus Time Series Collection and Processing Server";
  std::string web_cors_origin = ".*";
  std::string storage_tsdb_path = "data/";
  std::string storage_tsdb_retention_time;  // "" = 15d unless a size is set
  std::string storage_tsdb_retention_size;  // "" = no size limit
  bool storage_tsdb_no_lockfile = false;
  bool storage_tsdb_wal_compression = true;
  std::string storage_tsdb_wal_compression_type = "zstd";
  std::string storage_tsdb_min_block_duration = "2h";
  std::string storage_tsdb_max_block_duration;
  std::string query_lookback_delta = "5m";
  std::string query_timeout = "2m";
  int query_max_concurrency = 20;
  int64_t query_max_samples = 50000000;
  std::string rules_alert_for_outage_tolerance = "1h";
  std::string rules_alert_for_grace_period = "10m";
  std::string rules_alert_resend_delay = "1m";
  int alertmanager_notification_queue_capacity = 10000;
  std::vector<std::string> enable_feature;
  std::string log_level = "info";
  std::string log_format = "logfmt";

  // Every flag as Prometheus shows it in /api/v1/status/flags.
  std::vector<std::pair<std::string, std::string>> AsMap() const;
};

// Parses argv. On --help / --version prints and sets *exit_code (0); on an
// error prints Prometheus-style "promlite: error: ..." and sets *exit_code (2).
// Returns true when the server should run.
bool ParseFlags(int argc, char** argv, Flags* flags, int* exit_code);

}  // namespace promlite::server
