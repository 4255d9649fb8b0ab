// The promlite server: wires storage, scraping, the query engine and the HTTP
// API together and runs them until SIGTERM/SIGINT (SIGHUP reloads).
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "api/v1.h"
#include "app/flags.h"
#include "app/server_config.h"
#include "metrics/registry.h"
#include "promlite/promql/engine.h"
#include "promlite/promql/rules.h"
#include "promlite/scrape/scrape_manager.h"
#include "promlite/tsdb/db.h"
#include "remote/handlers.h"
#include "rules/notifier.h"
#include "web/http_server.h"

namespace promlite::server {

class Server {
 public:
  // Loads the configuration, opens storage and binds the listen address.
  // Every failure is returned with a message for the operator.
  static absl::StatusOr<std::unique_ptr<Server>> Create(const Flags& flags);
  ~Server();

  // Serves until Shutdown() (or a signal handled by the caller). Returns the
  // process exit code.
  int Run();
  // Re-reads the configuration file; on error the running one stays.
  absl::Status Reload();
  // Makes Run() return (after Shutdown). Safe from any thread.
  void RequestStop();
  // Stops scraping, finishes in-flight requests, flushes and closes storage.
  void Shutdown();

  int port() const { return http_->port(); }

 private:
  explicit Server(const Flags& flags);
  absl::Status Init();
  void RegisterMetrics();
  void RegisterWebRoutes();
  void Federate(const HttpRequest& req, HttpResponse* res);
  // Creates the rule manager and the notifier (not yet running).
  absl::Status InitRules();
  // Resolves and checks the rule files of `cfg`; every problem is returned.
  absl::StatusOr<std::vector<std::string>> CheckRuleFiles(const ServerConfig& cfg) const;
  // Loads `files` into the rule manager and configures the notifier.
  absl::Status ApplyRules(const ServerConfig& cfg, const std::vector<std::string>& files);
  void RegisterRuleMetrics();

  Flags flags_;
  std::shared_ptr<tsdb::Logger> logger_;
  Registry registry_;
  RuntimeState runtime_;
  std::unique_ptr<tsdb::DB> db_;
  std::unique_ptr<promql::Engine> engine_;
  std::unique_ptr<scrape::ScrapeManager> scrape_;
  std::unique_ptr<QueryLimiter> limiter_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<ApiV1> api_;
  std::unique_ptr<RemoteHandlers> remote_;
  std::unique_ptr<Notifier> notifier_;
  std::unique_ptr<promql::RuleManager> rules_;
  promql::RuleFileOptions rule_file_options_;
  std::string external_url_;  // without a trailing slash

  std::mutex config_mu_;
  ServerConfig config_;
  std::atomic<bool> ready_{false};

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stop_requested_ = false;
  bool stopped_ = false;

  Gauge* reload_success_ = nullptr;
  Gauge* reload_time_ = nullptr;
  Histogram* query_duration_ = nullptr;
  Family<Counter>* http_requests_ = nullptr;
  Family<Histogram>* http_duration_ = nullptr;
};

}  // namespace promlite::server
