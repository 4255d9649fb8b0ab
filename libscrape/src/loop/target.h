// A scrape target: its final labels, URL and health, built from a
// discovered target the way Prometheus' PopulateLabels does.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/scrape/config.h"
#include "promlite/scrape/scrape_manager.h"
#include "promlite/tsdb/labels.h"

namespace promlite::scrape::loop {

struct PopulatedLabels {
  tsdb::Labels discovered;  // before relabeling (with job, __scheme__, ...)
  tsdb::Labels labels;      // after relabeling; empty when dropped
};

// Target labels from a discovered target, its group and the job config:
// defaults (job, __scrape_interval__, __scrape_timeout__, __metrics_path__,
// __scheme__, __param_*), relabel_configs, checks of __address__ and the
// interval/timeout labels, removal of __meta_*, and the default instance.
// An error means the target is skipped (and logged); empty `labels` with OK
// means relabeling dropped it.
absl::StatusOr<PopulatedLabels> PopulateLabels(const ScrapeConfig& cfg, const LabelSet& target, const LabelSet& group);

class Target {
 public:
  Target(tsdb::Labels labels, tsdb::Labels discovered, const ScrapeConfig& cfg);

  const tsdb::Labels& labels() const { return labels_; }
  // Labels without the "__" ones: what samples get.
  const tsdb::Labels& public_labels() const { return public_; }
  const std::vector<std::pair<std::string, std::string>>& public_pairs() const { return public_pairs_; }
  const std::string& scheme() const { return scheme_; }
  const std::string& address() const { return address_; }
  const std::string& path_query() const { return path_query_; }
  const std::string& url() const { return url_; }
  uint64_t hash() const { return hash_; }
  int64_t interval_ms() const { return interval_ms_; }
  int64_t timeout_ms() const { return timeout_ms_; }

  void SetDiscovered(tsdb::Labels d);
  void Report(int64_t start_ms, double duration_s, const absl::Status& err);
  TargetStatus Status(const std::string& pool) const;
  void SetMetadata(std::shared_ptr<const std::vector<MetricMetadata>> m);
  std::shared_ptr<const std::vector<MetricMetadata>> Metadata() const;

 private:
  tsdb::Labels labels_;
  tsdb::Labels public_;
  std::vector<std::pair<std::string, std::string>> public_pairs_;
  std::string scheme_, address_, path_query_, url_;
  uint64_t hash_ = 0;
  int64_t interval_ms_ = 0, timeout_ms_ = 0;

  mutable std::mutex mu_;
  tsdb::Labels discovered_;
  TargetHealth health_ = TargetHealth::kUnknown;
  std::string last_error_;
  int64_t last_scrape_ms_ = 0;
  double last_duration_s_ = 0;
  std::shared_ptr<const std::vector<MetricMetadata>> metadata_;
};

// Go's url.QueryEscape and the path escaping of url.URL.String().
std::string QueryEscape(std::string_view s);
std::string PathEscape(std::string_view s);

}  // namespace promlite::scrape::loop
