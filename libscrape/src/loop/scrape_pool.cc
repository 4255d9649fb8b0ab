#include "loop/scrape_pool.h"

#include "absl/strings/str_cat.h"

namespace promlite::scrape::loop {

bool ReusableCache(const ScrapeConfig& a, const ScrapeConfig& b) {
  ScrapeConfig x = a, y = b;
  for (ScrapeConfig* c : {&x, &y}) {
    c->scrape_interval_ms = 0;
    c->scrape_timeout_ms = 0;
    c->sample_limit = 0;
    c->http_client = HTTPClientConfig{};
  }
  return x == y;
}

ScrapePool::ScrapePool(const LoopEnv& env, std::shared_ptr<const ScrapeConfig> cfg) : env_(env), cfg_(std::move(cfg)) {}

ScrapePool::~ScrapePool() { Stop(false); }

std::shared_ptr<const ScrapeConfig> ScrapePool::config() const {
  std::lock_guard<std::mutex> l(mu_);
  return cfg_;
}

void ScrapePool::Sync(const std::vector<TargetGroup>& groups) {
  std::lock_guard<std::mutex> l(mu_);
  groups_ = groups;
  SyncLocked(groups_, false, false);
}

void ScrapePool::Reload(std::shared_ptr<const ScrapeConfig> cfg) {
  std::lock_guard<std::mutex> l(mu_);
  if (*cfg == *cfg_) return;
  bool reuse = ReusableCache(*cfg_, *cfg);
  cfg_ = std::move(cfg);
  SyncLocked(groups_, true, reuse);
}

void ScrapePool::SyncLocked(const std::vector<TargetGroup>& groups, bool restart_all, bool reuse_caches) {
  std::map<uint64_t, std::shared_ptr<Target>> wanted;
  std::vector<DroppedTargetStatus> dropped;
  size_t dropped_count = 0;
  for (const TargetGroup& g : groups) {
    for (size_t i = 0; i < g.targets.size(); i++) {
      absl::StatusOr<PopulatedLabels> pl = PopulateLabels(*cfg_, g.targets[i], g.labels);
      if (!pl.ok()) {
        env_.logger->Error("scrape", "Creating target failed",
                           {{"job", cfg_->job_name},
                            {"err", absl::StrCat("instance ", i, " in group ", g.source, ": ", pl.status().message())}});
        continue;
      }
      if (pl->labels.empty()) {
        dropped_count++;
        if (cfg_->keep_dropped_targets == 0 || dropped.size() < cfg_->keep_dropped_targets) {
          dropped.push_back(DroppedTargetStatus{cfg_->job_name, pl->discovered});
        }
        continue;
      }
      auto t = std::make_shared<Target>(pl->labels, pl->discovered, *cfg_);
      wanted.emplace(t->hash(), std::move(t));  // duplicates collapse to the first
    }
  }
  dropped_ = std::move(dropped);
  dropped_count_ = dropped_count;

  // Stop what goes away (and, on reload, everything), all at once, then wait.
  struct Stopping {
    std::shared_ptr<ScrapeLoop> loop;
    bool end_of_run;
  };
  std::vector<Stopping> stopping;
  std::map<uint64_t, std::shared_ptr<ScrapeCache>> caches;
  for (auto it = active_.begin(); it != active_.end();) {
    auto w = wanted.find(it->first);
    if (w == wanted.end() || restart_all) {
      bool staying = w != wanted.end();
      it->second.loop->RequestStop();
      // A restarted target keeps writing its series; with a reusable cache the
      // new loop takes over their staleness, so the old one must not mark them.
      stopping.push_back(Stopping{it->second.loop, !(staying && reuse_caches)});
      if (staying && reuse_caches) caches[it->first] = it->second.loop->cache();
      it = active_.erase(it);
    } else {
      it->second.target->SetDiscovered(w->second->Status(cfg_->job_name).discovered_labels);
      ++it;
    }
  }
  for (Stopping& s : stopping) s.loop->WaitStopped(s.end_of_run);

  for (auto& [hash, t] : wanted) {
    if (active_.count(hash)) continue;
    auto cache_it = caches.find(hash);
    std::shared_ptr<ScrapeCache> cache =
        cache_it != caches.end() ? cache_it->second : std::make_shared<ScrapeCache>();
    auto loop = std::make_shared<ScrapeLoop>(env_, cfg_, t, std::move(cache));
    active_.emplace(hash, Active{t, loop});
    loop->Start();
  }

  absl::Status forced;
  if (cfg_->target_limit > 0 && active_.size() > cfg_->target_limit) {
    forced = absl::FailedPreconditionError(absl::StrCat("target_limit exceeded (number of targets: ", active_.size(),
                                                        ", limit: ", cfg_->target_limit, ")"));
  }
  for (auto& [hash, a] : active_) a.loop->SetForcedError(forced);
}

void ScrapePool::Stop(bool end_of_run_staleness) {
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [hash, a] : active_) a.loop->RequestStop();
  for (auto& [hash, a] : active_) a.loop->WaitStopped(end_of_run_staleness);
  active_.clear();
}

void ScrapePool::ActiveTargets(std::vector<TargetStatus>* out) const {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [hash, a] : active_) out->push_back(a.target->Status(cfg_->job_name));
}

void ScrapePool::DroppedTargets(std::vector<DroppedTargetStatus>* out) const {
  std::lock_guard<std::mutex> l(mu_);
  out->insert(out->end(), dropped_.begin(), dropped_.end());
}

size_t ScrapePool::DroppedCount() const {
  std::lock_guard<std::mutex> l(mu_);
  return dropped_count_;
}

void ScrapePool::Metadata(std::vector<TargetMetadata>* out) const {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& [hash, a] : active_) {
    auto md = a.target->Metadata();
    if (!md) continue;
    for (const MetricMetadata& m : *md) out->push_back(TargetMetadata{a.target->public_labels(), m});
  }
}

}  // namespace promlite::scrape::loop
