#include "promlite/scrape/discovery_manager.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"

namespace promlite::scrape {

struct DiscoveryManager::Provider {
  std::shared_ptr<const DiscoveryConfig> cfg;
  std::set<std::string> subs;                 // sets fed by this provider
  std::map<std::string, TargetGroup> groups;  // by source
  StopSignal stop;
  std::thread thread;
  std::string first_set;  // for log lines
  // Until it first reports (or kFirstReportWait passes), the sender holds
  // the update back so the first targets do not wait a whole interval.
  bool reported = false;
  std::chrono::steady_clock::time_point started;
};

namespace {
// Static and file providers report at once; slower ones (HTTP, DNS) are not
// waited for longer than this.
constexpr std::chrono::milliseconds kFirstReportWait{2000};
}  // namespace

DiscoveryManager::DiscoveryManager(Options opts, Handler handler)
    : opts_(std::move(opts)), handler_(std::move(handler)) {
  if (!opts_.logger) opts_.logger = tsdb::NewNopLogger();
  sender_ = std::thread([this] { SenderLoop(); });
}

DiscoveryManager::~DiscoveryManager() { Stop(); }

void DiscoveryManager::Stop() {
  std::vector<std::unique_ptr<Provider>> old;
  {
    std::unique_lock<std::mutex> l(mu_);
    stopping_ = true;
    old = std::move(providers_);
    providers_.clear();
    for (auto& p : old) p->stop.Stop();
  }
  cv_.notify_all();
  for (auto& p : old) {
    if (p->thread.joinable()) p->thread.join();
  }
  if (sender_.joinable()) sender_.join();
}

void DiscoveryManager::ApplyConfig(const std::map<std::string, DiscoveryConfigs>& sets) {
  std::vector<std::unique_ptr<Provider>> stopped;
  {
    std::unique_lock<std::mutex> l(mu_);
    if (stopping_) return;
    std::vector<std::unique_ptr<Provider>> keep;
    std::vector<Provider*> fresh;
    std::vector<std::set<std::string>> new_subs(providers_.size());
    for (const auto& [set, cfgs] : sets) {
      for (const auto& cfg : cfgs.configs) {
        bool found = false;
        for (size_t i = 0; i < providers_.size() && !found; i++) {
          if (providers_[i]->cfg->Equals(*cfg)) {
            new_subs[i].insert(set);
            found = true;
          }
        }
        for (Provider* p : fresh) {
          if (!found && p->cfg->Equals(*cfg)) {
            p->subs.insert(set);
            found = true;
          }
        }
        if (found) continue;
        auto p = std::make_unique<Provider>();
        p->cfg = cfg;
        p->subs.insert(set);
        p->first_set = set;
        p->started = std::chrono::steady_clock::now();
        fresh.push_back(p.get());
        keep.push_back(std::move(p));
      }
    }
    for (size_t i = 0; i < providers_.size(); i++) {
      if (new_subs[i].empty()) {
        providers_[i]->stop.Stop();
        stopped.push_back(std::move(providers_[i]));
      } else {
        providers_[i]->subs = std::move(new_subs[i]);
        keep.push_back(std::move(providers_[i]));
      }
    }
    providers_ = std::move(keep);
    for (Provider* p : fresh) p->thread = std::thread([this, p] { RunProvider(p); });
    sets_.clear();
    for (const auto& [set, cfgs] : sets) {
      sets_.insert(set);
      dirty_.insert(set);
    }
  }
  cv_.notify_all();
  for (auto& p : stopped) {
    if (p->thread.joinable()) p->thread.join();
  }
}

void DiscoveryManager::RunProvider(Provider* p) {
  DiscovererOptions o;
  o.logger = opts_.logger;
  o.job_name = p->first_set;
  o.file_poll_interval = opts_.file_poll_interval;
  absl::StatusOr<std::unique_ptr<Discoverer>> d = p->cfg->NewDiscoverer(o);
  if (!d.ok()) {
    {
      std::lock_guard<std::mutex> l(mu_);
      p->reported = true;  // nothing will come: do not hold updates for it
    }
    cv_.notify_all();
    opts_.logger->Error("discovery", "Cannot create service discovery",
                        {{"job", p->first_set}, {"type", std::string(p->cfg->Name())},
                         {"err", std::string(d.status().message())}});
    return;
  }
  (*d)->Run(p->stop, [this, p](std::vector<TargetGroup> groups) { Receive(p, std::move(groups)); });
}

void DiscoveryManager::Receive(Provider* p, std::vector<TargetGroup> groups) {
  std::unique_lock<std::mutex> l(mu_);
  p->reported = true;
  for (TargetGroup& g : groups) {
    if (g.targets.empty()) {
      p->groups.erase(g.source);
    } else {
      std::string src = g.source;
      p->groups[src] = std::move(g);
    }
  }
  for (const std::string& s : p->subs) dirty_.insert(s);
  l.unlock();
  cv_.notify_all();
}

std::vector<TargetGroup> DiscoveryManager::GroupsOfLocked(const std::string& set) const {
  std::vector<TargetGroup> out;
  for (const auto& p : providers_) {
    if (!p->subs.count(set)) continue;
    for (const auto& [src, g] : p->groups) out.push_back(g);
  }
  return out;
}

std::map<std::string, std::vector<TargetGroup>> DiscoveryManager::Groups() const {
  std::unique_lock<std::mutex> l(mu_);
  std::map<std::string, std::vector<TargetGroup>> out;
  for (const std::string& s : sets_) out[s] = GroupsOfLocked(s);
  return out;
}

void DiscoveryManager::SenderLoop() {
  auto last_send = std::chrono::steady_clock::now() - opts_.update_interval;
  for (;;) {
    std::map<std::string, std::vector<TargetGroup>> changed;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return stopping_ || !dirty_.empty(); });
      if (stopping_) return;
      // Providers that just started get a moment to report first.
      auto pending_until = std::chrono::steady_clock::time_point::min();
      for (const auto& p : providers_) {
        if (!p->reported) pending_until = std::max(pending_until, p->started + kFirstReportWait);
      }
      if (pending_until > std::chrono::steady_clock::now()) {
        cv_.wait_until(l, pending_until, [this] {
          if (stopping_) return true;
          for (const auto& p : providers_) {
            if (!p->reported) return false;
          }
          return true;
        });
        if (stopping_) return;
      }
      // Batch: at most one update per interval.
      auto due = last_send + opts_.update_interval;
      auto now = std::chrono::steady_clock::now();
      if (now < due) {
        cv_.wait_until(l, due, [this] { return stopping_; });
        if (stopping_) return;
      }
      for (const std::string& s : dirty_) {
        if (sets_.count(s)) changed[s] = GroupsOfLocked(s);
      }
      dirty_.clear();
    }
    last_send = std::chrono::steady_clock::now();
    if (!changed.empty() && handler_) handler_(changed);
  }
}

}  // namespace promlite::scrape
