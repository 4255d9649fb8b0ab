// Turns one scraped body into appends: parse, label, relabel, limit, write,
// and stale-mark what disappeared. The HTTP side lives in scrape_loop.cc, so
// this is also what benchmarks drive directly.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "loop/scrape_cache.h"
#include "loop/target.h"
#include "promlite/scrape/config.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/storage.h"

namespace promlite::scrape::loop {

struct IngestResult {
  uint64_t total = 0;         // samples in the exposition (scrape_samples_scraped)
  uint64_t added = 0;         // after metric relabeling (scrape_samples_post_metric_relabeling)
  uint64_t series_added = 0;  // new series (scrape_series_added)
  absl::Status status;        // failure: the caller rolls back and calls IngestFailed
};

class Ingester {
 public:
  Ingester(std::shared_ptr<const ScrapeConfig> cfg, std::shared_ptr<Target> target, std::shared_ptr<ScrapeCache> cache,
           std::shared_ptr<tsdb::Logger> logger);
  // Holds an iterator into its own map.
  Ingester(const Ingester&) = delete;
  Ingester& operator=(const Ingester&) = delete;

  // Appends the samples of `body` at `ts` (ms), then stale markers for
  // series that disappeared. An empty body is a successful empty scrape.
  IngestResult Ingest(tsdb::Appender& app, std::string_view body, std::string_view content_type, int64_t ts);
  // After a failed scrape (or failed Ingest, rolled back): stale markers for
  // everything the last successful scrape wrote.
  absl::Status IngestFailed(tsdb::Appender& app, int64_t ts);

  // The synthetic series of a scrape. body_bytes: the body size, -1 when the
  // body size limit was hit, 0 on other failures.
  absl::Status Report(tsdb::Appender& app, int64_t ts, double duration_s, const IngestResult& r, int64_t body_bytes,
                      const absl::Status& scrape_err);
  // Stale markers for the synthetic series (the target went away).
  absl::Status ReportStale(tsdb::Appender& app, int64_t ts);

  const std::shared_ptr<ScrapeCache>& cache() const { return cache_; }

 private:
  // Target labels, honor_labels and metric_relabel_configs applied to the
  // labels of a new exposition line; empty means dropped.
  tsdb::Labels Mutate(const tsdb::Labels& scraped) const;
  absl::Status Validate(const tsdb::Labels& lset) const;
  absl::Status AppendStale(tsdb::Appender& app, int64_t ts);
  absl::Status AppendReport(tsdb::Appender& app, size_t slot, std::string_view name, int64_t ts, double v);
  void NoteMetadata(const std::string_view family, MetricType type, const std::string_view* help,
                    const std::string_view* unit, bool set_type);
  void PublishMetadata();

  std::shared_ptr<const ScrapeConfig> cfg_;
  std::shared_ptr<Target> target_;
  std::shared_ptr<ScrapeCache> cache_;
  std::shared_ptr<tsdb::Logger> logger_;
  std::string fallback_media_type_;

  // Synthetic series: refs and labels, built once.
  tsdb::SeriesRef report_refs_[8] = {};
  tsdb::Labels report_lsets_[8];

  struct Meta {
    MetricType type = MetricType::kUnknown;
    std::string help;
    std::string unit;
    uint32_t last_iter = 0;
  };
  std::map<std::string, Meta, std::less<>> meta_;
  // The family found last: expositions list families in the same order on
  // every scrape, so the next lookup is usually it or the one after it.
  std::map<std::string, Meta, std::less<>>::iterator meta_hint_ = meta_.end();
  bool meta_changed_ = false;
};

}  // namespace promlite::scrape::loop
