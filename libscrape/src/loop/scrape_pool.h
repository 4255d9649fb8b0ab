// The targets and loops of one scrape job.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "loop/scrape_loop.h"
#include "promlite/scrape/config.h"
#include "promlite/scrape/discovery.h"
#include "promlite/scrape/scrape_manager.h"

namespace promlite::scrape::loop {

class ScrapePool {
 public:
  ScrapePool(const LoopEnv& env, std::shared_ptr<const ScrapeConfig> cfg);
  ~ScrapePool();

  // Turns target groups into targets: starts loops for new ones, keeps the
  // loops of known ones and stops (with end-of-run stale markers) the loops
  // of targets that went away.
  void Sync(const std::vector<TargetGroup>& groups);
  // A changed config: every loop restarts with it; series caches are kept
  // when only interval, timeout, sample_limit or HTTP settings changed (as
  // Prometheus' reusableCache), so series refs survive. No-op if unchanged.
  void Reload(std::shared_ptr<const ScrapeConfig> cfg);
  // Stops all loops.
  void Stop(bool end_of_run_staleness);

  std::shared_ptr<const ScrapeConfig> config() const;
  void ActiveTargets(std::vector<TargetStatus>* out) const;
  void DroppedTargets(std::vector<DroppedTargetStatus>* out) const;
  size_t DroppedCount() const;
  void Metadata(std::vector<TargetMetadata>* out) const;

 private:
  struct Active {
    std::shared_ptr<Target> target;
    std::shared_ptr<ScrapeLoop> loop;
  };
  void SyncLocked(const std::vector<TargetGroup>& groups, bool restart_all, bool reuse_caches);

  LoopEnv env_;
  mutable std::mutex mu_;
  std::shared_ptr<const ScrapeConfig> cfg_;
  std::vector<TargetGroup> groups_;  // the last groups, to re-sync on reload
  std::map<uint64_t, Active> active_;
  std::vector<DroppedTargetStatus> dropped_;
  size_t dropped_count_ = 0;
};

// Whether two configs produce the same series, so a loop restarted with the
// new one may keep its cache (they differ at most in interval, timeout,
// sample_limit and the HTTP client).
bool ReusableCache(const ScrapeConfig& a, const ScrapeConfig& b);

}  // namespace promlite::scrape::loop
