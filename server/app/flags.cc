#include "app/flags.h"

#include <cstdio>

#include "CLI/CLI.hpp"
#include "app/version.h"

namespace promlite::server {

std::vector<std::pair<std::string, std::string>> Flags::AsMap() const {
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  std::string features;
  for (const auto& f : enable_feature) features += (features.empty() ? "" : ",") + f;
  return {
      {"alertmanager.notification-queue-capacity", std::to_string(alertmanager_notification_queue_capacity)},
      {"config.file", config_file},
      {"enable-feature", features},
      {"log.format", log_format},
      {"log.level", log_level},
      {"query.lookback-delta", query_lookback_delta},
      {"query.max-concurrency", std::to_string(query_max_concurrency)},
      {"query.max-samples", std::to_string(query_max_samples)},
      {"query.timeout", query_timeout},
      {"rules.alert.for-grace-period", rules_alert_for_grace_period},
      {"rules.alert.for-outage-tolerance", rules_alert_for_outage_tolerance},
      {"rules.alert.resend-delay", rules_alert_resend_delay},
      {"storage.tsdb.max-block-duration", storage_tsdb_max_block_duration},
      {"storage.tsdb.min-block-duration", storage_tsdb_min_block_duration},
      {"storage.tsdb.no-lockfile", b(storage_tsdb_no_lockfile)},
      {"storage.tsdb.path", storage_tsdb_path},
      {"storage.tsdb.retention.size", storage_tsdb_retention_size.empty() ? "0B" : storage_tsdb_retention_size},
      {"storage.tsdb.retention.time", storage_tsdb_retention_time.empty() ? "0s" : storage_tsdb_retention_time},
      {"storage.tsdb.wal-compression", b(storage_tsdb_wal_compression)},
      {"storage.tsdb.wal-compression-type", storage_tsdb_wal_compression_type},
      {"web.config.file", web_config_file},
      {"web.cors.origin", web_cors_origin},
      {"web.enable-admin-api", b(web_enable_admin_api)},
      {"web.enable-lifecycle", b(web_enable_lifecycle)},
      {"web.enable-remote-write-receiver", b(web_enable_remote_write_receiver)},
      {"web.external-url", web_external_url},
      {"web.listen-address", web_listen_address},
      {"web.max-connections", std::to_string(web_max_connections)},
      {"web.page-title", web_page_title},
      {"web.read-timeout", web_read_timeout},
      {"web.route-prefix", web_route_prefix},
  };
}

bool ParseFlags(int argc, char** argv, Flags* f, int* exit_code) {
  CLI::App app{"The promlite monitoring server (a drop-in for the Prometheus server)", "promlite"};
  app.set_version_flag("--version", std::string(VersionString()));
  app.option_defaults()->always_capture_default();
  // Prometheus (kingpin) accepts --flag=value and --flag value; booleans take
  // --flag / --no-flag.
  auto* cfg = app.add_option("--config.file", f->config_file, "Prometheus configuration file path.");
  app.add_option("--web.listen-address", f->web_listen_address, "Address to listen on for UI, API, and telemetry.");
  app.add_option("--web.config.file", f->web_config_file, "[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.");
  app.add_option("--web.read-timeout", f->web_read_timeout, "Maximum duration before timing out read of the request, and closing idle connections.");
  app.add_option("--web.max-connections", f->web_max_connections, "Maximum number of simultaneous connections.")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--web.external-url", f->web_external_url, "The URL under which Prometheus is externally reachable.");
  app.add_option("--web.route-prefix", f->web_route_prefix, "Prefix for the internal routes of web endpoints.");
  app.add_flag("--web.enable-lifecycle,!--no-web.enable-lifecycle", f->web_enable_lifecycle, "Enable shutdown and reload via HTTP request.");
  app.add_flag("--web.enable-admin-api,!--no-web.enable-admin-api", f->web_enable_admin_api, "Enable API endpoints for admin control actions.");
  app.add_flag("--web.enable-remote-write-receiver,!--no-web.enable-remote-write-receiver",
               f->web_enable_remote_write_receiver, "Enable API endpoint accepting remote write requests.");
  app.add_option("--web.page-title", f->web_page_title, "Document title of the web UI.");
  app.add_option("--web.cors.origin", f->web_cors_origin, "Regex for CORS origin. It is fully anchored.");
  app.add_option("--web.console.templates", "Path to the console template directory (accepted, unused).");
  app.add_option("--web.console.libraries", "Path to the console library directory (accepted, unused).");
  app.add_option("--storage.tsdb.path", f->storage_tsdb_path, "Base path for metrics storage.");
  app.add_option("--storage.tsdb.retention.time", f->storage_tsdb_retention_time, "How long to retain samples in storage (default 15d).");
  app.add_option("--storage.tsdb.retention.size", f->storage_tsdb_retention_size, "Maximum number of bytes that can be stored for blocks (e.g. 512MB).");
  app.add_flag("--storage.tsdb.no-lockfile,!--no-storage.tsdb.no-lockfile", f->storage_tsdb_no_lockfile, "Do not create lockfile in data directory.");
  app.add_flag("--storage.tsdb.wal-compression,!--no-storage.tsdb.wal-compression", f->storage_tsdb_wal_compression, "Compress the tsdb WAL.");
  app.add_option("--storage.tsdb.wal-compression-type", f->storage_tsdb_wal_compression_type, "Compression algorithm for the tsdb WAL.")
      ->check(CLI::IsMember({"snappy", "zstd"}));
  app.add_option("--storage.tsdb.min-block-duration", f->storage_tsdb_min_block_duration, "Minimum duration of a data block before being persisted.");
  app.add_option("--storage.tsdb.max-block-duration", f->storage_tsdb_max_block_duration, "Maximum duration compacted blocks may span (default 10% of retention).");
  app.add_option("--query.lookback-delta", f->query_lookback_delta, "The maximum lookback duration for retrieving metrics during expression evaluations and federation.");
  app.add_option("--query.timeout", f->query_timeout, "Maximum time a query may take before being aborted.");
  app.add_option("--query.max-concurrency", f->query_max_concurrency, "Maximum number of queries executed concurrently.")
      ->check(CLI::Range(1, 100000));
  app.add_option("--query.max-samples", f->query_max_samples, "Maximum number of samples a single query can load into memory.")
      ->check(CLI::Range(int64_t{1}, INT64_MAX));
  app.add_option("--rules.alert.for-outage-tolerance", f->rules_alert_for_outage_tolerance,
                 "Longest outage after which alerts' \"for\" state is still restored from ALERTS_FOR_STATE.");
  app.add_option("--rules.alert.for-grace-period", f->rules_alert_for_grace_period,
                 "Least time left before a restored alert fires (for alerts whose \"for\" is longer than this).");
  app.add_option("--rules.alert.resend-delay", f->rules_alert_resend_delay,
                 "Least time between two sends of the same firing alert to Alertmanager.");
  app.add_option("--alertmanager.notification-queue-capacity", f->alertmanager_notification_queue_capacity,
                 "How many alerts may wait to be sent to Alertmanager; beyond it the oldest are dropped.")
      ->check(CLI::Range(1, 100000000));
  app.add_option("--enable-feature", f->enable_feature, "Comma separated feature names to enable.")->delimiter(',');
  app.add_option("--log.level", f->log_level, "Only log messages with the given severity or above.")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  app.add_option("--log.format", f->log_format, "Output format of log messages.")->check(CLI::IsMember({"logfmt", "json"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    *exit_code = app.exit(e);
    return false;
  } catch (const CLI::CallForVersion& e) {
    *exit_code = app.exit(e);
    return false;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "promlite: error: %s, try --help\n", e.what());
    *exit_code = 2;
    return false;
  }
  f->config_file_set = cfg->count() > 0;
  *exit_code = 0;
  return true;
}

}  // namespace promlite::server
