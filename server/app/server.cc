#include "app/server.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "api/v1_admin.h"
#include "api/v1_rules.h"
#include "app/version.h"
#include "promlite/promql/parser.h"
#include "promlite/promql/template.h"
#include "promlite/tsdb/duration.h"
#include "web/json.h"
#include "web/web_config.h"

namespace promlite::server {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

tsdb::LogLevel ParseLevel(const std::string& s) {
  if (s == "debug") return tsdb::LogLevel::kDebug;
  if (s == "warn") return tsdb::LogLevel::kWarn;
  if (s == "error") return tsdb::LogLevel::kError;
  return tsdb::LogLevel::kInfo;
}

// "0.0.0.0:9090" -> "localhost:9090", the address to scrape ourselves at.
std::string SelfTarget(const std::string& listen, int port) {
  size_t colon = listen.rfind(':');
  std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") host = "localhost";
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<int64_t> FlagDuration(const std::string& name, const std::string& v) {
  auto d = tsdb::ParseDuration(v);
  if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat("invalid --", name, "=", v, ": ", d.status().message()));
  return *d;
}

// --web.external-url, or http://<hostname>:<port> as Prometheus derives it.
std::string ExternalUrl(const std::string& flag, int port, bool tls) {
  std::string url = flag;
  if (url.empty()) {
    char host[256] = {0};
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == 0) std::snprintf(host, sizeof host, "localhost");
    url = absl::StrCat(tls ? "https://" : "http://", host, ":", port);
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Server::Server(const Flags& flags) : flags_(flags) {}

Server::~Server() { Shutdown(); }

absl::StatusOr<std::unique_ptr<Server>> Server::Create(const Flags& flags) {
  std::unique_ptr<Server> s(new Server(flags));
  if (absl::Status st = s->Init(); !st.ok()) return st;
  return s;
}

absl::Status Server::Init() {
  logger_ = tsdb::NewStderrLogger(ParseLevel(flags_.log_level),
                                  flags_.log_format == "json" ? tsdb::LogFormat::kJson : tsdb::LogFormat::kLogfmt);
  logger_->Info("main", "Starting promlite", {{"version", std::string(kVersion)}});
  runtime_.start_time_ms = NowMs();
  runtime_.cwd = std::filesystem::current_path().string();
  runtime_.storage_retention =
      flags_.storage_tsdb_retention_time.empty() ? "15d" : flags_.storage_tsdb_retention_time;

  auto lookback = FlagDuration("query.lookback-delta", flags_.query_lookback_delta);
  if (!lookback.ok()) return lookback.status();
  auto qtimeout = FlagDuration("query.timeout", flags_.query_timeout);
  if (!qtimeout.ok()) return qtimeout.status();
  auto block = FlagDuration("storage.tsdb.min-block-duration", flags_.storage_tsdb_min_block_duration);
  if (!block.ok()) return block.status();
  auto read_timeout = FlagDuration("web.read-timeout", flags_.web_read_timeout);
  if (!read_timeout.ok()) return read_timeout.status();

  // The web server binds first: a port in use is the most common start-up
  // failure and should not cost a WAL replay.
  HttpServer::Options ho;
  if (!flags_.web_config_file.empty()) {
    auto guard = WebGuard::Create(flags_.web_config_file, logger_);
    if (!guard.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("Unable to validate web configuration file: ", guard.status().message()));
    }
    ho.guard = *std::move(guard);
  }
  ho.listen_address = flags_.web_listen_address;
  ho.route_prefix = flags_.web_route_prefix == "/" ? "" : flags_.web_route_prefix;
  if (!ho.route_prefix.empty() && ho.route_prefix.back() == '/') ho.route_prefix.pop_back();
  ho.worker_threads = static_cast<size_t>(std::min(flags_.web_max_connections, 256));
  ho.read_timeout_s = std::max<int64_t>(1, *read_timeout / 1000);
  ho.logger = logger_;
  ho.observe = [this](const std::string&, const std::string& handler, int code, double secs) {
    if (http_requests_) http_requests_->With({std::to_string(code), handler}).Inc();
    if (http_duration_) http_duration_->With({handler}).Observe(secs);
  };
  http_ = std::make_unique<HttpServer>(ho);
  if (absl::Status st = http_->Bind(); !st.ok()) return st;

  // Configuration: the file named by --config.file; without the flag and
  // without ./prometheus.yml, the built-in self-scraping configuration.
  if (!flags_.config_file_set && !std::filesystem::exists(flags_.config_file)) {
    auto cfg = DefaultServerConfig(SelfTarget(flags_.web_listen_address, http_->port()));
    if (!cfg.ok()) return cfg.status();
    config_ = *std::move(cfg);
    logger_->Info("main", "No configuration file; using the built-in one (scrapes this server every 15s)");
  } else {
    auto cfg = LoadServerConfig(flags_.config_file);
    if (!cfg.ok()) return cfg.status();
    config_ = *std::move(cfg);
  }
  for (const auto& w : config_.scrape.warnings) logger_->Warn("config", w);

  tsdb::Options dbo;
  dbo.logger = logger_;
  dbo.block_range_ms = *block;
  dbo.wal_compression = !flags_.storage_tsdb_wal_compression              ? tsdb::WalCompression::kNone
                        : flags_.storage_tsdb_wal_compression_type == "snappy" ? tsdb::WalCompression::kSnappy
                                                                             : tsdb::WalCompression::kZstd;
  // Retention: 15d unless a time or a size is given (Prometheus' rule).
  if (!flags_.storage_tsdb_retention_time.empty()) {
    auto rt = FlagDuration("storage.tsdb.retention.time", flags_.storage_tsdb_retention_time);
    if (!rt.ok()) return rt.status();
    dbo.retention_ms = *rt;
  }
  if (!flags_.storage_tsdb_retention_size.empty()) {
    auto rs = scrape::ParseBase2Bytes(flags_.storage_tsdb_retention_size);
    if (!rs.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("invalid --storage.tsdb.retention.size=",
                                                     flags_.storage_tsdb_retention_size, ": ", rs.status().message()));
    }
    dbo.retention_bytes = static_cast<int64_t>(*rs);
  }
  if (flags_.storage_tsdb_retention_time.empty() && flags_.storage_tsdb_retention_size.empty()) {
    dbo.retention_ms = 15LL * 24 * 3600 * 1000;
  }
  if (!flags_.storage_tsdb_max_block_duration.empty()) {
    auto mb = FlagDuration("storage.tsdb.max-block-duration", flags_.storage_tsdb_max_block_duration);
    if (!mb.ok()) return mb.status();
    dbo.max_block_duration_ms = *mb;
  }
  auto db = tsdb::DB::Open(flags_.storage_tsdb_path, dbo);
  if (!db.ok()) return absl::Status(db.status().code(), absl::StrCat("opening storage failed: ", db.status().message()));
  db_ = *std::move(db);

  promql::EngineOptions eo;
  eo.lookback_delta_ms = *lookback;
  eo.timeout = absl::Milliseconds(*qtimeout);
  eo.max_samples = flags_.query_max_samples;
  eo.logger = logger_;
  for (const auto& f : flags_.enable_feature) {
    if (f == "promql-experimental-functions") eo.parse.enable_experimental_functions = true;
    else if (f == "promql-duration-expr") eo.parse.enable_duration_expressions = true;
    else if (f == "promql-extended-range-selectors") eo.parse.enable_extended_range_selectors = true;
    else if (f == "promql-binop-fill-modifiers") eo.parse.enable_binop_fill_modifiers = true;
    else if (f == "promql-delayed-name-removal") eo.enable_delayed_name_removal = true;
    else logger_->Warn("main", "Unknown or unsupported feature flag ignored", {{"feature", f}});
  }
  engine_ = std::make_unique<promql::Engine>(eo);
  limiter_ = std::make_unique<QueryLimiter>(flags_.query_max_concurrency);

  scrape::ScrapeManager::Options so;
  so.logger = logger_;
  so.user_agent = absl::StrCat("promlite/", std::string(kVersion));
  scrape_ = std::make_unique<scrape::ScrapeManager>(*db_, so);
  if (absl::Status st = scrape_->ApplyConfig(config_.scrape); !st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("applying configuration failed: ", st.message()));
  }
  runtime_.last_config_time_ms = NowMs();

  RegisterMetrics();
  external_url_ = ExternalUrl(flags_.web_external_url, http_->port(), http_->tls());
  rule_file_options_.promql = eo.parse;
  if (absl::Status st = InitRules(); !st.ok()) return st;
  {
    auto files = CheckRuleFiles(config_);
    if (!files.ok()) return files.status();
    if (absl::Status st = ApplyRules(config_, *files); !st.ok()) return st;
  }
  notifier_->Run();
  rules_->Run();
  ApiContext ctx;
  ctx.db = db_.get();
  ctx.engine = engine_.get();
  ctx.scrape = scrape_.get();
  ctx.flags = &flags_;
  ctx.runtime = &runtime_;
  ctx.registry = &registry_;
  ctx.limiter = limiter_.get();
  ctx.logger = logger_;
  ctx.query_timeout_ms = *qtimeout;
  ctx.config_yaml = [this] {
    std::lock_guard<std::mutex> l(config_mu_);
    return config_.source;
  };
  ctx.observe_query = [this](double secs) { query_duration_->Observe(secs); };
  api_ = std::make_unique<ApiV1>(std::move(ctx));
  api_->Register(http_.get());
  RegisterRulesApi(http_.get(), rules_.get(), notifier_.get());
  RegisterAdminApi(http_.get(), db_.get(), flags_.web_enable_admin_api);
  RegisterWebRoutes();
  ready_ = true;
  logger_->Info("web", "Server is ready to receive web requests.",
                {{"address", flags_.web_listen_address}, {"port", std::to_string(http_->port())}});
  return absl::OkStatus();
}

void Server::RegisterMetrics() {
  RegisterProcessCollector(&registry_);
  tsdb::DB* db = db_.get();
  auto stat = [db](auto field) {
    return [db, field] { return std::vector<CollectedSample>{{{}, static_cast<double>(field(db->Stats()))}}; };
  };
  registry_.NewCollector("prometheus_tsdb_head_series", "Total number of series in the head block.", MetricKind::kGauge,
                         stat([](const tsdb::DBStats& s) { return s.head_series; }));
  registry_.NewCollector("prometheus_tsdb_head_chunks", "Total number of chunks in the head block.", MetricKind::kGauge,
                         stat([](const tsdb::DBStats& s) { return s.head_chunks; }));
  registry_.NewCollector("prometheus_tsdb_head_samples_appended_total", "Total number of appended samples.",
                         MetricKind::kCounter, stat([](const tsdb::DBStats& s) { return s.samples_appended; }));
  registry_.NewCollector("prometheus_tsdb_head_series_created_total", "Total number of series created in the head",
                         MetricKind::kCounter, stat([](const tsdb::DBStats& s) { return s.series_created; }));
  registry_.NewCollector("prometheus_tsdb_out_of_order_samples_total",
                         "Total number of out of order samples ingestion failed attempts.", MetricKind::kCounter,
                         stat([](const tsdb::DBStats& s) { return s.out_of_order_samples; }));
  registry_.NewCollector("prometheus_tsdb_out_of_bound_samples_total",
                         "Total number of out of bound samples ingestion failed attempts.", MetricKind::kCounter,
                         stat([](const tsdb::DBStats& s) { return s.out_of_bounds_samples; }));
  registry_.NewCollector("prometheus_tsdb_head_min_time", "Minimum time bound of the head block.", MetricKind::kGauge,
                         stat([](const tsdb::DBStats& s) { return s.head_series ? s.head_min_time : 0; }));
  registry_.NewCollector("prometheus_tsdb_head_max_time", "Maximum timestamp of the head block.", MetricKind::kGauge,
                         stat([](const tsdb::DBStats& s) { return s.head_series ? s.head_max_time : 0; }));
  registry_.NewCollector("prometheus_tsdb_blocks_loaded", "Number of currently loaded data blocks",
                         MetricKind::kGauge, stat([](const tsdb::DBStats& s) { return s.blocks; }));
  registry_.NewCollector("prometheus_tsdb_storage_blocks_bytes",
                         "The number of bytes that are currently used for local storage by all blocks.",
                         MetricKind::kGauge, stat([](const tsdb::DBStats& s) { return s.blocks_bytes; }));
  registry_.NewCollector("prometheus_tsdb_compactions_total", "Total number of compactions that were executed for the partition.",
                         MetricKind::kCounter, stat([](const tsdb::DBStats& s) { return s.compactions; }));
  registry_.NewCollector("prometheus_tsdb_compactions_failed_total", "Total number of compactions that failed for the partition.",
                         MetricKind::kCounter, stat([](const tsdb::DBStats& s) { return s.compactions_failed; }));
  registry_.NewCollector("prometheus_tsdb_head_truncations_total", "Total number of head truncations attempted.",
                         MetricKind::kCounter, stat([](const tsdb::DBStats& s) { return s.head_truncations; }));
  registry_.NewCollector("prometheus_tsdb_time_retentions_total",
                         "The number of times that blocks were deleted because the maximum time limit was exceeded.",
                         MetricKind::kCounter, stat([](const tsdb::DBStats& s) { return s.retention_deleted_blocks; }));
  registry_.NewCollector("prometheus_build_info", "A metric with a constant '1' value labeled by version.",
                         MetricKind::kGauge, [] {
                           return std::vector<CollectedSample>{
                               {{{"version", std::string(kCompatVersion)},
                                 {"revision", std::string(BuildRevision())},
                                 {"branch", "promlite"},
                                 {"goversion", "none"}},
                                1}};
                         });
  registry_.NewCollector("prometheus_ready", "Whether Prometheus startup was fully completed and the server is ready for normal operation.",
                         MetricKind::kGauge, [this] { return std::vector<CollectedSample>{{{}, ready_ ? 1.0 : 0.0}}; });
  registry_.NewCollector("prometheus_engine_queries", "The current number of queries being executed or waiting.",
                         MetricKind::kGauge, [this] {
                           return std::vector<CollectedSample>{{{}, static_cast<double>(limiter_->active())}};
                         });
  registry_.NewCollector("prometheus_engine_queries_concurrent_max", "The max number of concurrent queries.",
                         MetricKind::kGauge, [this] {
                           return std::vector<CollectedSample>{{{}, static_cast<double>(limiter_->max())}};
                         });
  registry_.NewCollector("prometheus_sd_discovered_targets", "Current number of discovered targets.",
                         MetricKind::kGauge, [this] {
                           std::map<std::string, double> per_pool;
                           for (const auto& t : scrape_->ActiveTargets()) per_pool[t.scrape_pool]++;
                           std::vector<CollectedSample> out;
                           for (const auto& [pool, n] : per_pool) out.push_back({{{"config", pool}, {"name", "scrape"}}, n});
                           return out;
                         });
  reload_success_ = &registry_.NewGauge("prometheus_config_last_reload_successful",
                                        "Whether the last configuration reload attempt was successful.");
  reload_time_ = &registry_.NewGauge("prometheus_config_last_reload_success_timestamp_seconds",
                                     "Timestamp of the last successful configuration reload.");
  reload_success_->Set(1);
  reload_time_->Set(static_cast<double>(NowMs()) / 1000.0);
  query_duration_ = &registry_.NewHistogram(
      "prometheus_engine_query_duration_histogram_seconds", "Query timings (all slices).",
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60});
  http_requests_ = &registry_.NewCounterFamily("prometheus_http_requests_total",
                                               "Counter of HTTP requests.", {"code", "handler"});
  http_duration_ = &registry_.NewHistogramFamily(
      "prometheus_http_request_duration_seconds", "Histogram of latencies for HTTP requests.", {"handler"},
      {0.1, 0.2, 0.4, 1, 3, 8, 20, 60, 120});
}

void Server::RegisterWebRoutes() {
  http_->Get("/-/healthy", [](const HttpRequest&, HttpResponse* res) {
    res->content_type = "text/plain; charset=utf-8";
    res->body = "Prometheus Server is Healthy.\n";
  });
  http_->Get("/-/ready", [this](const HttpRequest&, HttpResponse* res) {
    res->content_type = "text/plain; charset=utf-8";
    if (ready_) {
      res->body = "Prometheus Server is Ready.\n";
    } else {
      res->status = 503;
      res->body = "Service Unavailable";
    }
  });
  auto reload = [this](const HttpRequest&, HttpResponse* res) {
    res->content_type = "text/plain; charset=utf-8";
    if (!flags_.web_enable_lifecycle) {
      res->status = 403;
      res->body = "Lifecycle API is not enabled.";
      return;
    }
    if (absl::Status st = Reload(); !st.ok()) {
      res->status = 500;
      res->body = absl::StrCat("failed to reload config: ", st.message());
    }
  };
  http_->Post("/-/reload", reload);
  http_->Put("/-/reload", reload);
  auto quit = [this](const HttpRequest&, HttpResponse* res) {
    res->content_type = "text/plain; charset=utf-8";
    if (!flags_.web_enable_lifecycle) {
      res->status = 403;
      res->body = "Lifecycle API is not enabled.";
      return;
    }
    res->body = "Requesting termination... Goodbye!";
    RequestStop();
  };
  http_->Post("/-/quit", quit);
  http_->Put("/-/quit", quit);
  http_->Get("/metrics", [this](const HttpRequest&, HttpResponse* res) {
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    res->body = registry_.Expose();
  });
  http_->Get("/federate", [this](const HttpRequest& req, HttpResponse* res) { Federate(req, res); });
  remote_ = std::make_unique<RemoteHandlers>(db_.get(), logger_, &registry_);
  http_->Post("/api/v1/write", [this](const HttpRequest& req, HttpResponse* res) {
    if (!flags_.web_enable_remote_write_receiver) {
      res->status = 404;
      res->content_type = "text/plain; charset=utf-8";
      res->body = "remote write receiver needs to be enabled with --web.enable-remote-write-receiver\n";
      return;
    }
    remote_->Write(req, res);
  });
  http_->Post("/api/v1/read", [this](const HttpRequest& req, HttpResponse* res) { remote_->Read(req, res); });
  http_->Get("/", [](const HttpRequest&, HttpResponse* res) {
    res->content_type = "text/plain; charset=utf-8";
    res->body =
        "promlite: a Prometheus-compatible server. The HTTP API is under /api/v1/ "
        "(query, query_range, series, labels, targets, status/...). Use Grafana or the API.\n";
  });
}

void Server::Federate(const HttpRequest& req, HttpResponse* res) {
  std::vector<std::vector<tsdb::Matcher>> sets;
  for (const auto& m : req.Params("match[]")) {
    auto ms = promql::ParseMetricSelector(m);
    if (!ms.ok()) {
      res->status = 400;
      res->content_type = "text/plain; charset=utf-8";
      res->body = std::string(ms.status().message());
      return;
    }
    sets.push_back(*std::move(ms));
  }
  int64_t now = NowMs();
  int64_t lookback = engine_->options().lookback_delta_ms;
  auto q = db_->NewQuerier(now - lookback, now);
  if (!q.ok()) {
    res->status = 500;
    res->body = std::string(q.status().message());
    return;
  }
  tsdb::Labels external;
  {
    std::lock_guard<std::mutex> l(config_mu_);
    external = config_.scrape.global.external_labels;
  }
  // Latest sample of every matching series within the lookback window,
  // grouped by metric name as the text format requires.
  std::map<std::string, std::vector<std::pair<tsdb::Labels, tsdb::Sample>>> families;
  std::set<tsdb::Labels> seen;
  for (const auto& ms : sets) {
    auto ss = (*q)->Select(true, nullptr, ms);
    while (ss->Next()) {
      const auto& s = ss->At();
      if (!seen.insert(s.labels()).second) continue;
      auto it = s.Iterator();
      tsdb::Sample last{tsdb::kMinTime, 0};
      while (it->Next()) last = {it->AtT(), it->AtV()};
      if (last.t == tsdb::kMinTime || tsdb::IsStaleNaN(last.v)) continue;
      tsdb::LabelsBuilder b(s.labels());
      for (size_t i = 0; i < external.size(); i++) {
        if (!s.labels().Has(external[i].name)) b.Set(external[i].name, external[i].value);
      }
      families[std::string(s.labels().MetricName())].emplace_back(b.Build(), last);
    }
  }
  std::string out;
  for (const auto& [name, samples] : families) {
    out.append("# TYPE ").append(name).append(" untyped\n");
    for (const auto& [lset, smp] : samples) {
      out.append(name);
      out.push_back('{');
      bool first = true;
      for (size_t i = 0; i < lset.size(); i++) {
        if (lset[i].name == tsdb::kMetricName) continue;
        if (!first) out.push_back(',');
        first = false;
        out.append(lset[i].name).append("=\"");
        for (char c : lset[i].value) {
          if (c == '\\') out.append("\\\\");
          else if (c == '"') out.append("\\\"");
          else if (c == '\n') out.append("\\n");
          else out.push_back(c);
        }
        out.push_back('"');
      }
      out.append("} ");
      JsonWriter::AppendFloat(&out, smp.v);
      out.append(" ").append(std::to_string(smp.t)).push_back('\n');
    }
  }
  res->content_type = "text/plain; version=0.0.4; charset=utf-8";
  res->body = std::move(out);
}

absl::Status Server::InitRules() {
  auto outage = FlagDuration("rules.alert.for-outage-tolerance", flags_.rules_alert_for_outage_tolerance);
  if (!outage.ok()) return outage.status();
  auto grace = FlagDuration("rules.alert.for-grace-period", flags_.rules_alert_for_grace_period);
  if (!grace.ok()) return grace.status();
  auto resend = FlagDuration("rules.alert.resend-delay", flags_.rules_alert_resend_delay);
  if (!resend.ok()) return resend.status();

  Notifier::Options no;
  no.queue_capacity = static_cast<size_t>(std::max(1, flags_.alertmanager_notification_queue_capacity));
  no.logger = logger_;
  no.registry = &registry_;
  no.user_agent = absl::StrCat("promlite/", std::string(kVersion));
  notifier_ = std::make_unique<Notifier>(no);

  promql::RuleManagerOptions ro;
  ro.engine = engine_.get();
  ro.queryable = db_.get();
  ro.appendable = db_.get();
  ro.logger = logger_;
  ro.file_options = rule_file_options_;
  ro.outage_tolerance_ms = *outage;
  ro.for_grace_period_ms = *grace;
  ro.resend_delay_ms = *resend;
  ro.notify = [this](std::string_view expr, const std::vector<promql::Alert>& alerts) {
    if (alerts.empty()) return;
    const std::string generator = absl::StrCat(external_url_, "/graph?g0.expr=", promql::tmpl::GoQueryEscape(expr), "&g0.tab=1");
    std::vector<NotifierAlert> out;
    out.reserve(alerts.size());
    for (const promql::Alert& a : alerts) {
      NotifierAlert n;
      n.labels = a.labels;
      n.annotations = a.annotations;
      n.starts_at = a.fired_at;
      n.ends_at = a.resolved_at != promql::kNoTime ? a.resolved_at : a.valid_until;
      n.generator_url = generator;
      out.push_back(std::move(n));
    }
    notifier_->Send(std::move(out));
  };
  rules_ = std::make_unique<promql::RuleManager>(std::move(ro));
  RegisterRuleMetrics();
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> Server::CheckRuleFiles(const ServerConfig& cfg) const {
  auto files = promql::ResolveRuleFiles(cfg.rule_files, ConfigDir(cfg));
  if (!files.ok()) return files.status();
  std::vector<std::string> errors;
  for (const std::string& f : *files) (void)promql::LoadRuleFile(f, rule_file_options_, &errors);
  if (!errors.empty()) {
    std::string msg = "error loading rules:";
    for (const auto& e : errors) absl::StrAppend(&msg, "\n", e);
    return absl::InvalidArgumentError(msg);
  }
  return files;
}

absl::Status Server::ApplyRules(const ServerConfig& cfg, const std::vector<std::string>& files) {
  const scrape::GlobalConfig& g = cfg.scrape.global;
  notifier_->ApplyConfig(cfg.alerting, g.external_labels);
  int64_t interval = g.evaluation_interval_ms > 0 ? g.evaluation_interval_ms : 60'000;
  return rules_->Update(interval, files, g.external_labels, external_url_, g.rule_query_offset_ms);
}

void Server::RegisterRuleMetrics() {
  // One sample per rule group, labeled as Prometheus does (file;group).
  auto per_group = [this](double (*get)(const promql::RuleGroup&)) {
    return [this, get] {
      std::vector<CollectedSample> out;
      for (const auto& g : rules_->RuleGroups()) out.push_back({{{"rule_group", g->Key()}}, get(*g)});
      return out;
    };
  };
  registry_.NewCollector("prometheus_rule_evaluations_total", "Rule evaluations, per rule group.",
                         MetricKind::kCounter,
                         per_group([](const promql::RuleGroup& g) { return g.metrics().evaluations_total; }));
  registry_.NewCollector("prometheus_rule_evaluation_failures_total", "Rule evaluations that failed, per rule group.",
                         MetricKind::kCounter,
                         per_group([](const promql::RuleGroup& g) { return g.metrics().evaluation_failures_total; }));
  registry_.NewCollector("prometheus_rule_group_last_duration_seconds",
                         "Seconds the last evaluation of the group took.", MetricKind::kGauge,
                         per_group([](const promql::RuleGroup& g) { return g.metrics().last_duration_seconds; }));
  registry_.NewCollector("prometheus_rule_group_last_evaluation_timestamp_seconds",
                         "Unix time in seconds when the group was last evaluated.", MetricKind::kGauge,
                         per_group([](const promql::RuleGroup& g) {
                           return g.metrics().last_evaluation_timestamp_seconds;
                         }));
  registry_.NewCollector("prometheus_rule_group_last_evaluation_samples",
                         "Samples the rules of the group produced at its last evaluation.", MetricKind::kGauge,
                         per_group([](const promql::RuleGroup& g) { return g.metrics().last_evaluation_samples; }));
  registry_.NewCollector("prometheus_rule_group_iterations_total",
                         "Scheduled evaluations of the group, run or missed.",
                         MetricKind::kCounter,
                         per_group([](const promql::RuleGroup& g) { return g.metrics().iterations_total; }));
  registry_.NewCollector("prometheus_rule_group_iterations_missed_total",
                         "Scheduled evaluations skipped because the previous one ran too long.",
                         MetricKind::kCounter,
                         per_group([](const promql::RuleGroup& g) { return g.metrics().iterations_missed_total; }));
  registry_.NewCollector("prometheus_rule_group_interval_seconds", "Evaluation interval of the group in seconds.",
                         MetricKind::kGauge, per_group([](const promql::RuleGroup& g) {
                           return static_cast<double>(g.interval_ms()) / 1000.0;
                         }));
  registry_.NewCollector("prometheus_rule_group_rules", "Rules in the group.", MetricKind::kGauge,
                         per_group([](const promql::RuleGroup& g) { return static_cast<double>(g.rules().size()); }));
}

absl::Status Server::Reload() {
  logger_->Info("main", "Loading configuration file", {{"filename", flags_.config_file}});
  absl::StatusOr<ServerConfig> cfg = config_.path.empty() && !flags_.config_file_set &&
                                             !std::filesystem::exists(flags_.config_file)
                                         ? DefaultServerConfig(SelfTarget(flags_.web_listen_address, http_->port()))
                                         : LoadServerConfig(flags_.config_file);
  absl::Status st = cfg.status();
  // Rule files are checked first: a bad one rejects the whole reload.
  absl::StatusOr<std::vector<std::string>> rule_files;
  if (st.ok()) {
    rule_files = CheckRuleFiles(*cfg);
    st = rule_files.status();
  }
  if (st.ok()) st = scrape_->ApplyConfig(cfg->scrape);
  if (st.ok()) st = ApplyRules(*cfg, *rule_files);
  if (!st.ok()) {
    logger_->Error("main", "Error reloading config", {{"err", std::string(st.message())}});
    runtime_.reload_success = false;
    reload_success_->Set(0);
    return st;
  }
  {
    std::lock_guard<std::mutex> l(config_mu_);
    config_ = *std::move(cfg);
  }
  runtime_.reload_success = true;
  runtime_.last_config_time_ms = NowMs();
  reload_success_->Set(1);
  reload_time_->Set(static_cast<double>(NowMs()) / 1000.0);
  logger_->Info("main", "Completed loading of configuration file", {{"filename", flags_.config_file}});
  return absl::OkStatus();
}

int Server::Run() {
  std::thread web([this] { http_->Serve(); });
  {
    std::unique_lock<std::mutex> l(stop_mu_);
    stop_cv_.wait(l, [this] { return stop_requested_; });
  }
  Shutdown();
  web.join();
  return 0;
}

void Server::RequestStop() {
  {
    std::lock_guard<std::mutex> l(stop_mu_);
    stop_requested_ = true;
  }
  stop_cv_.notify_all();
}

void Server::Shutdown() {
  {
    std::lock_guard<std::mutex> l(stop_mu_);
    stop_requested_ = true;
    if (stopped_) return;
    stopped_ = true;
  }
  stop_cv_.notify_all();
  if (logger_) logger_->Info("main", "Stopping scrape manager...");
  if (scrape_) scrape_->Stop();
  // Rules write into the DB and hand alerts to the notifier: both stop first.
  if (rules_) rules_->Stop();
  if (notifier_) notifier_->Stop();
  // Stops accepting connections and waits for handlers in flight.
  if (http_) http_->Stop();
  if (db_) {
    if (absl::Status st = db_->Close(); !st.ok()) {
      logger_->Error("main", "Error closing storage", {{"err", std::string(st.message())}});
    }
  }
  if (logger_) logger_->Info("main", "See you next time!");
}

}  // namespace promlite::server
