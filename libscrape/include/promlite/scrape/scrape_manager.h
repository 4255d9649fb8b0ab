// The scrape manager: turns scrape_configs into running scrape loops that
// write through a tsdb::Appendable, and reports targets for the HTTP API.
//
// One loop per target, all on a shared pool of worker threads driven by one
// timer, so thousands of targets cost a handful of threads. Each loop starts
// at a per-target offset within its interval (spreading load like
// Prometheus), enforces scrape_timeout as a total deadline, and writes one
// scrape as one commit: samples, staleness markers and the synthetic series
// (up, scrape_duration_seconds, scrape_samples_scraped,
// scrape_samples_post_metric_relabeling, scrape_series_added).
//
// ApplyConfig may be called again at any time (config reload): jobs whose
// configuration is unchanged keep their loops, timing and caches; changed
// jobs restart their loops, reusing series caches where Prometheus would.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "promlite/scrape/config.h"
#include "promlite/scrape/textparse.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/storage.h"

namespace promlite::scrape {

enum class TargetHealth : uint8_t { kUnknown, kUp, kDown };
// "unknown", "up", "down" as in /api/v1/targets.
std::string_view TargetHealthName(TargetHealth h);

// One active target as /api/v1/targets shows it.
struct TargetStatus {
  std::string scrape_pool;        // job name
  tsdb::Labels discovered_labels;  // before relabeling
  tsdb::Labels labels;             // after relabeling, without "__" labels
  std::string scrape_url;
  std::string global_url;         // scrape_url with the host as seen by others (same here)
  TargetHealth health = TargetHealth::kUnknown;
  std::string last_error;
  int64_t last_scrape_ms = 0;     // Unix ms of the last scrape's start, 0 before the first
  double last_scrape_duration_seconds = 0;
  int64_t scrape_interval_ms = 0;
  int64_t scrape_timeout_ms = 0;
};

struct DroppedTargetStatus {
  std::string scrape_pool;
  tsdb::Labels discovered_labels;
};

// Metric metadata gathered from # TYPE / # HELP / # UNIT lines.
struct MetricMetadata {
  std::string metric_family;
  MetricType type = MetricType::kUnknown;
  std::string help;
  std::string unit;
};

struct TargetMetadata {
  tsdb::Labels target;  // the target's public labels
  MetricMetadata metadata;
};

class ScrapeManager {
 public:
  struct Options {
    std::shared_ptr<tsdb::Logger> logger;  // default: stderr
    // Threads that fetch, parse and append. 0 picks max(8, 4 x cores):
    // scrapes mostly wait on the network.
    size_t worker_threads = 0;
    // Discovery batches updates (Prometheus: 5 s).
    std::chrono::milliseconds discovery_update_interval{5000};
    std::chrono::milliseconds file_sd_poll_interval{1000};
    // Mixed into each target's start offset so that several servers
    // scraping the same targets do not scrape in lockstep (Prometheus uses
    // a hash of the external labels and the hostname).
    uint64_t offset_seed = 0;
    // Start every loop immediately instead of at its offset (tests).
    bool skip_offset = false;
    // Value of the User-Agent header.
    std::string user_agent = "promlite/0.1";
  };

  // `storage` must outlive the manager.
  ScrapeManager(tsdb::Appendable& storage, Options opts);
  ~ScrapeManager();
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  // Starts, keeps, restarts or stops jobs to match `cfg`.
  absl::Status ApplyConfig(const Config& cfg);
  // Stops discovery and every loop; no stale markers are written (the
  // server may be restarting). Idempotent.
  void Stop();

  // Sorted by pool, then scrape URL.
  std::vector<TargetStatus> ActiveTargets() const;
  // Subject to keep_dropped_targets per pool.
  std::vector<DroppedTargetStatus> DroppedTargets() const;
  // Dropped targets per pool, counting those keep_dropped_targets hides.
  std::map<std::string, size_t> DroppedTargetCounts() const;
  std::vector<std::string> ScrapePools() const;
  // Metadata of every active target (for /api/v1/targets/metadata and
  // /api/v1/metadata).
  std::vector<TargetMetadata> Metadata() const;

  // Replaces the target groups of a job without discovery (embedders,
  // tests). The job must exist in the applied config.
  void SyncTargets(const std::string& job, const std::vector<TargetGroup>& groups);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace promlite::scrape
