// ScrapeManager: jobs as scrape pools, fed by the discovery manager.
#include <algorithm>
#include <thread>

#include "loop/scrape_pool.h"
#include "promlite/scrape/discovery_manager.h"
#include "promlite/scrape/scrape_manager.h"

namespace promlite::scrape {

std::string_view TargetHealthName(TargetHealth h) {
  switch (h) {
    case TargetHealth::kUp: return "up";
    case TargetHealth::kDown: return "down";
    case TargetHealth::kUnknown: break;
  }
  return "unknown";
}

struct ScrapeManager::Impl {
  Options opts;
  std::unique_ptr<loop::Scheduler> scheduler;
  loop::BufferPool buffers;
  loop::LoopEnv env;
  std::unique_ptr<DiscoveryManager> discovery;

  mutable std::mutex mu;
  std::map<std::string, std::unique_ptr<loop::ScrapePool>> pools;
  bool stopped = false;

  void OnTargets(const std::map<std::string, std::vector<TargetGroup>>& changed) {
    std::lock_guard<std::mutex> l(mu);
    if (stopped) return;
    for (const auto& [job, groups] : changed) {
      auto it = pools.find(job);
      if (it != pools.end()) it->second->Sync(groups);
    }
  }
};

ScrapeManager::ScrapeManager(tsdb::Appendable& storage, Options opts) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.opts = std::move(opts);
  if (!m.opts.logger) m.opts.logger = tsdb::DefaultLogger();
  size_t workers = m.opts.worker_threads;
  if (workers == 0) workers = std::max<size_t>(8, 4 * std::max(1u, std::thread::hardware_concurrency()));
  m.scheduler = std::make_unique<loop::Scheduler>(workers);
  m.env.storage = &storage;
  m.env.logger = m.opts.logger;
  m.env.scheduler = m.scheduler.get();
  m.env.buffers = &m.buffers;
  m.env.user_agent = m.opts.user_agent;
  m.env.offset_seed = m.opts.offset_seed;
  m.env.skip_offset = m.opts.skip_offset;
  DiscoveryManager::Options dopts;
  dopts.logger = m.opts.logger;
  dopts.update_interval = m.opts.discovery_update_interval;
  dopts.file_poll_interval = m.opts.file_sd_poll_interval;
  m.discovery = std::make_unique<DiscoveryManager>(
      dopts, [impl = impl_.get()](const std::map<std::string, std::vector<TargetGroup>>& changed) {
        impl->OnTargets(changed);
      });
}

ScrapeManager::~ScrapeManager() { Stop(); }

absl::Status ScrapeManager::ApplyConfig(const Config& cfg) {
  Impl& m = *impl_;
  std::map<std::string, DiscoveryConfigs> sets;
  {
    std::lock_guard<std::mutex> l(m.mu);
    if (m.stopped) return absl::FailedPreconditionError("scrape manager is stopped");
    std::map<std::string, const ScrapeConfig*> jobs;
    for (const ScrapeConfig& sc : cfg.scrape_configs) jobs[sc.job_name] = &sc;
    for (auto it = m.pools.begin(); it != m.pools.end();) {
      if (!jobs.count(it->first)) {
        // A removed job's targets are gone: their series get stale markers.
        it->second->Stop(true);
        it = m.pools.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [job, sc] : jobs) {
      auto shared = std::make_shared<const ScrapeConfig>(*sc);
      auto it = m.pools.find(job);
      if (it == m.pools.end()) {
        m.pools.emplace(job, std::make_unique<loop::ScrapePool>(m.env, shared));
      } else {
        it->second->Reload(shared);
      }
      sets[job] = sc->service_discovery;
    }
  }
  m.discovery->ApplyConfig(sets);
  return absl::OkStatus();
}

void ScrapeManager::Stop() {
  Impl& m = *impl_;
  m.discovery->Stop();
  std::lock_guard<std::mutex> l(m.mu);
  if (m.stopped) return;
  m.stopped = true;
  for (auto& [job, pool] : m.pools) pool->Stop(false);
  m.pools.clear();
  m.scheduler->Stop();
}

void ScrapeManager::SyncTargets(const std::string& job, const std::vector<TargetGroup>& groups) {
  impl_->OnTargets({{job, groups}});
}

std::vector<TargetStatus> ScrapeManager::ActiveTargets() const {
  std::vector<TargetStatus> out;
  std::lock_guard<std::mutex> l(impl_->mu);
  for (const auto& [job, pool] : impl_->pools) {
    size_t first = out.size();
    pool->ActiveTargets(&out);
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
              [](const TargetStatus& a, const TargetStatus& b) { return a.scrape_url < b.scrape_url; });
  }
  return out;
}

std::vector<DroppedTargetStatus> ScrapeManager::DroppedTargets() const {
  std::vector<DroppedTargetStatus> out;
  std::lock_guard<std::mutex> l(impl_->mu);
  for (const auto& [job, pool] : impl_->pools) pool->DroppedTargets(&out);
  return out;
}

std::map<std::string, size_t> ScrapeManager::DroppedTargetCounts() const {
  std::map<std::string, size_t> out;
  std::lock_guard<std::mutex> l(impl_->mu);
  for (const auto& [job, pool] : impl_->pools) out[job] = pool->DroppedCount();
  return out;
}

std::vector<std::string> ScrapeManager::ScrapePools() const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> l(impl_->mu);
  for (const auto& [job, pool] : impl_->pools) out.push_back(job);
  return out;
}

std::vector<TargetMetadata> ScrapeManager::Metadata() const {
  std::vector<TargetMetadata> out;
  std::lock_guard<std::mutex> l(impl_->mu);
  for (const auto& [job, pool] : impl_->pools) pool->Metadata(&out);
  return out;
}

}  // namespace promlite::scrape
