// Prometheus' HTTP API v1 (/api/v1/*) with its JSON shapes, error types and
// status codes, so Grafana and other clients work unchanged.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "absl/strings/string_view.h"
#include "app/flags.h"
#include "metrics/registry.h"
#include "promlite/promql/engine.h"
#include "promlite/promql/value.h"
#include "promlite/scrape/scrape_manager.h"
#include "promlite/tsdb/db.h"
#include "web/http_server.h"

namespace promlite::server {

enum class ErrorType { kTimeout, kCanceled, kExecution, kBadData, kInternal, kUnavailable, kNotFound };

std::string_view ErrorTypeName(ErrorType t);
int ErrorStatusCode(ErrorType t);

// {"status":"error","errorType":...,"error":...}
void RespondError(HttpResponse* res, ErrorType type, std::string_view msg);
// absl::Status::message() is Debian Abseil's own string_view type.
inline void RespondError(HttpResponse* res, ErrorType type, absl::string_view msg) {
  RespondError(res, type, std::string_view(msg.data(), msg.size()));
}
inline void RespondError(HttpResponse* res, ErrorType type, const char* msg) {
  RespondError(res, type, std::string_view(msg));
}
inline void RespondError(HttpResponse* res, ErrorType type, const std::string& msg) {
  RespondError(res, type, std::string_view(msg));
}
// {"status":"success","data":<data_json>[,"warnings":[...]][,"infos":[...]]}
void RespondData(HttpResponse* res, std::string_view data_json, const promql::Annotations* ann = nullptr);

// Bounds the number of queries evaluated at once (--query.max-concurrency).
// Waiters give up after `max_wait`.
class QueryLimiter {
 public:
  explicit QueryLimiter(int max) : max_(max) {}
  bool Acquire(std::chrono::milliseconds max_wait);
  void Release();
  int active() const { return active_.load(); }
  int max() const { return max_; }

 private:
  const int max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> active_{0};
};

// What the server knows about itself, for /api/v1/status/runtimeinfo.
struct RuntimeState {
  int64_t start_time_ms = 0;
  std::atomic<bool> reload_success{true};
  std::atomic<int64_t> last_config_time_ms{0};
  std::string cwd;
  std::string storage_retention;
};

struct ApiContext {
  tsdb::DB* db = nullptr;
  promql::Engine* engine = nullptr;
  scrape::ScrapeManager* scrape = nullptr;  // null: no scraping
  const Flags* flags = nullptr;
  RuntimeState* runtime = nullptr;
  Registry* registry = nullptr;
  QueryLimiter* limiter = nullptr;
  std::function<std::string()> config_yaml;  // the loaded configuration file
  std::shared_ptr<tsdb::Logger> logger;
  int64_t query_timeout_ms = 120000;
  // Observed after each query (seconds), for prometheus_engine_query_duration_seconds.
  std::function<void(double)> observe_query;
};

class ApiV1 {
 public:
  explicit ApiV1(ApiContext ctx) : ctx_(std::move(ctx)) {}
  void Register(HttpServer* server);

 private:
  void Query(const HttpRequest& req, HttpResponse* res);
  void QueryRange(const HttpRequest& req, HttpResponse* res);
  void Series(const HttpRequest& req, HttpResponse* res);
  void Labels(const HttpRequest& req, HttpResponse* res);
  void LabelValues(const HttpRequest& req, HttpResponse* res);
  void Metadata(const HttpRequest& req, HttpResponse* res);
  void Targets(const HttpRequest& req, HttpResponse* res);
  void TargetsMetadata(const HttpRequest& req, HttpResponse* res);
  void StatusConfig(const HttpRequest& req, HttpResponse* res);
  void StatusFlags(const HttpRequest& req, HttpResponse* res);
  void StatusBuildinfo(const HttpRequest& req, HttpResponse* res);
  void StatusRuntimeinfo(const HttpRequest& req, HttpResponse* res);
  void StatusTsdb(const HttpRequest& req, HttpResponse* res);
  void FormatQuery(const HttpRequest& req, HttpResponse* res);
  void ParseQuery(const HttpRequest& req, HttpResponse* res);

  // Runs a prepared query under the concurrency limit and writes the result.
  void RunQuery(std::unique_ptr<promql::Query> q, const HttpRequest& req, HttpResponse* res);

  ApiContext ctx_;
};

// Writes a query result's "data" object: {"resultType":...,"result":...}.
void WriteQueryData(const promql::Value& v, std::string* out, const promql::QueryStats* stats);

}  // namespace promlite::server
