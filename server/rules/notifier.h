// Sends alerts to Alertmanagers (Prometheus' notifier): alerts get the
// external labels and alert_relabel_configs applied, wait in a bounded queue
// (oldest dropped when full) and are posted in batches by one sender thread
// to every configured Alertmanager (API v2, POST <prefix>/api/v2/alerts).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/registry.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/logger.h"
#include "rules/alerting_config.h"

namespace promlite::server {

// An alert as it is sent (times in ms; kNoTime-like INT64_MIN means unset).
struct NotifierAlert {
  tsdb::Labels labels;
  std::vector<std::pair<std::string, std::string>> annotations;
  int64_t starts_at = INT64_MIN;
  int64_t ends_at = INT64_MIN;
  std::string generator_url;
};

// The JSON body Prometheus posts to /api/v2/alerts.
std::string EncodeAlertsV2(const std::vector<NotifierAlert>& alerts);
// The time format of Alertmanager's API (RFC 3339 with milliseconds, UTC).
std::string FormatAlertTime(int64_t ms);

class Notifier {
 public:
  struct Options {
    size_t queue_capacity = 10'000;  // --alertmanager.notification-queue-capacity
    std::shared_ptr<tsdb::Logger> logger;
    Registry* registry = nullptr;  // metrics, optional
    std::string user_agent = "promlite";
  };
  explicit Notifier(Options opts);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Takes a new configuration (alertmanagers, relabeling, external labels).
  void ApplyConfig(const AlertingConfig& cfg, const tsdb::Labels& external_labels);
  // Queues alerts for sending. Never blocks on the network.
  void Send(std::vector<NotifierAlert> alerts);
  // Starts the sender thread.
  void Run();
  // Stops the sender thread; alerts still queued are sent once more first
  // (bounded by the Alertmanagers' timeouts).
  void Stop();

  // The /api/v2/alerts URLs alerts are sent to.
  std::vector<std::string> AlertmanagerUrls() const;
  size_t QueueLength() const;
  size_t queue_capacity() const { return opts_.queue_capacity; }

 private:
  struct Target {
    std::string url;   // full URL of the alerts endpoint
    std::string base;  // scheme://host:port
    std::string path;  // path of the alerts endpoint
    int64_t timeout_ms;
    std::vector<scrape::RelabelConfig> relabel;
  };
  void Loop();
  std::vector<NotifierAlert> NextBatch();
  bool SendBatch(const std::vector<NotifierAlert>& batch);
  bool Post(const Target& t, const std::string& body);

  Options opts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<NotifierAlert> queue_;
  std::vector<Target> targets_;
  AlertingConfig cfg_;
  tsdb::Labels external_labels_;
  bool stop_ = false;
  bool running_ = false;
  std::thread thread_;

  Counter* dropped_ = nullptr;
  Family<Counter>* sent_ = nullptr;
  Family<Counter>* errors_ = nullptr;
  Family<Histogram>* latency_ = nullptr;
};

}  // namespace promlite::server
