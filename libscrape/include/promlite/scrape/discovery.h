// Service discovery: discoverers emit target groups, the manager keeps the
// latest group per (provider, source) and hands each job its full set.
//
// A new mechanism (Kubernetes, Consul, ...) plugs in by implementing
// DiscoveryConfig (parsed from its `<name>_sd_configs` YAML section, see
// src/discovery/registry.h) and Discoverer (a loop that sends group updates
// until asked to stop). Nothing else changes: the manager, the scrape pools
// and the API see only target groups.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include <condition_variable>
#include <mutex>

#include "promlite/tsdb/logger.h"

namespace promlite::scrape {

// Prometheus' model.LabelSet: unique names, sorted.
using LabelSet = std::map<std::string, std::string>;

// A set of targets with common labels, identified by `source` within the
// discoverer that produced it. Sending a group with a known source replaces
// it; a group without targets removes it.
struct TargetGroup {
  std::vector<LabelSet> targets;
  LabelSet labels;
  std::string source;
  friend bool operator==(const TargetGroup&, const TargetGroup&) = default;
};

// Tells a running discoverer to stop, and lets it sleep until then.
class StopSignal {
 public:
  void Stop();
  bool Stopped() const;
  // Waits up to `d`; returns true if stopped (early or already).
  bool WaitFor(std::chrono::milliseconds d) const;

 private:
  // std primitives rather than absl::Mutex: ThreadSanitizer cannot see
  // Debian's uninstrumented Abseil synchronisation.
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopped_ = false;
};

class Discoverer {
 public:
  virtual ~Discoverer() = default;
  // Runs until `stop` is signalled, calling `send` with groups that changed
  // (the first call should carry every group known). `send` may be called
  // from this thread only and must not be called after Run returns.
  virtual void Run(const StopSignal& stop, const std::function<void(std::vector<TargetGroup>)>& send) = 0;
};

struct DiscovererOptions {
  std::shared_ptr<tsdb::Logger> logger;
  std::string job_name;  // for log lines
  // How often file discovery looks for changed files between full refreshes.
  std::chrono::milliseconds file_poll_interval{1000};
};

// One entry of a `<name>_sd_configs` list (or the `static_configs` list).
class DiscoveryConfig {
 public:
  virtual ~DiscoveryConfig() = default;
  // "static", "file", "http", "dns", ...
  virtual std::string_view Name() const = 0;
  // Same type and same settings: an unchanged provider keeps running on reload.
  virtual bool Equals(const DiscoveryConfig& other) const = 0;
  virtual absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer(const DiscovererOptions& opts) const = 0;
};

// The discovery configs of one scrape job, compared by value.
struct DiscoveryConfigs {
  std::vector<std::shared_ptr<const DiscoveryConfig>> configs;
  friend bool operator==(const DiscoveryConfigs& a, const DiscoveryConfigs& b);
};

// static_configs: fixed groups, sources "0", "1", ... in order.
class StaticConfig final : public DiscoveryConfig {
 public:
  std::vector<TargetGroup> groups;
  std::string_view Name() const override { return "static"; }
  bool Equals(const DiscoveryConfig& o) const override;
  absl::StatusOr<std::unique_ptr<Discoverer>> NewDiscoverer(const DiscovererOptions& opts) const override;
};

}  // namespace promlite::scrape
