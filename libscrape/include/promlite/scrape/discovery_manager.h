// Runs the discoverers of named target sets (scrape jobs, or Alertmanager
// sets for a notifier) and reports each set's current target groups.
//
// Providers are matched by configuration on ApplyConfig: an unchanged one
// keeps running and keeps its groups, even if it moved to another set, so a
// reload does not make targets flap. Updates are batched: the handler is
// called at most once per update_interval with the full groups of every set
// that changed (Prometheus batches with a 5 s ticker).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <condition_variable>
#include <mutex>
#include "promlite/scrape/discovery.h"
#include "promlite/tsdb/logger.h"

namespace promlite::scrape {

class DiscoveryManager {
 public:
  struct Options {
    std::shared_ptr<tsdb::Logger> logger;
    std::chrono::milliseconds update_interval{5000};
    std::chrono::milliseconds file_poll_interval{1000};
  };
  // Called on the manager's thread, never concurrently with itself.
  using Handler = std::function<void(const std::map<std::string, std::vector<TargetGroup>>& changed)>;

  DiscoveryManager(Options opts, Handler handler);
  ~DiscoveryManager();
  DiscoveryManager(const DiscoveryManager&) = delete;
  DiscoveryManager& operator=(const DiscoveryManager&) = delete;

  // Replaces the set of target sets. Every set named here is reported at
  // the next update, also when it has no targets.
  void ApplyConfig(const std::map<std::string, DiscoveryConfigs>& sets);
  // The current groups of every set.
  std::map<std::string, std::vector<TargetGroup>> Groups() const;
  // Stops all discoverers and the update thread. Idempotent.
  void Stop();

 private:
  struct Provider;
  void RunProvider(Provider* p);
  void Receive(Provider* p, std::vector<TargetGroup> groups);
  void SenderLoop();
  std::vector<TargetGroup> GroupsOfLocked(const std::string& set) const;  // mu_ held

  Options opts_;
  Handler handler_;
  // Guards everything below (std::mutex: visible to ThreadSanitizer).
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Provider>> providers_;
  std::set<std::string> sets_;
  std::set<std::string> dirty_;
  bool stopping_ = false;
  std::thread sender_;
};

}  // namespace promlite::scrape
