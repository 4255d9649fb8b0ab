#include "rules/notifier.h"

#include <chrono>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "promlite/scrape/label_builder.h"
#include "web/json.h"

namespace promlite::server {
namespace {

constexpr size_t kMaxBatchSize = 256;  // alerts per POST, as Prometheus

std::string JoinUrl(const std::string& prefix, const std::string& path) {
  std::string p = prefix == "/" ? "" : prefix;
  return p + path;
}

}  // namespace

std::string FormatAlertTime(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int64_t millis = ms - secs * 1000;
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

std::string EncodeAlertsV2(const std::vector<NotifierAlert>& alerts) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray();
  for (const NotifierAlert& a : alerts) {
    w.BeginObject();
    w.Key("labels");
    w.BeginObject();
    for (const auto& l : a.labels) {
      w.Key(l.name);
      w.String(l.value);
    }
    w.EndObject();
    if (!a.annotations.empty()) {
      w.Key("annotations");
      w.BeginObject();
      for (const auto& [k, v] : a.annotations) {
        w.Key(k);
        w.String(v);
      }
      w.EndObject();
    }
    if (a.starts_at != INT64_MIN) {
      w.Key("startsAt");
      w.String(FormatAlertTime(a.starts_at));
    }
    if (a.ends_at != INT64_MIN) {
      w.Key("endsAt");
      w.String(FormatAlertTime(a.ends_at));
    }
    w.Key("generatorURL");
    w.String(a.generator_url);
    w.EndObject();
  }
  w.EndArray();
  return out;
}

Notifier::Notifier(Options opts) : opts_(std::move(opts)) {
  if (!opts_.logger) opts_.logger = tsdb::NewNopLogger();
  if (opts_.queue_capacity == 0) opts_.queue_capacity = 1;
  if (Registry* r = opts_.registry) {
    dropped_ = &r->NewCounter("prometheus_notifications_dropped_total",
                              "Alerts dropped: the queue was full or no Alertmanager accepted them.");
    sent_ = &r->NewCounterFamily("prometheus_notifications_sent_total", "Alerts posted to each Alertmanager, successfully or not.",
                                 {"alertmanager"});
    errors_ = &r->NewCounterFamily("prometheus_notifications_errors_total",
                                   "Alerts whose post to an Alertmanager failed.", {"alertmanager"});
    latency_ = &r->NewHistogramFamily("prometheus_notifications_latency_histogram_seconds",
                                      "Seconds one post of alerts to an Alertmanager took.", {"alertmanager"},
                                      {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
    r->NewCollector("prometheus_notifications_queue_length", "Alerts waiting to be sent.",
                    MetricKind::kGauge,
                    [this] { return std::vector<CollectedSample>{{{}, static_cast<double>(QueueLength())}}; });
    r->NewCollector("prometheus_notifications_queue_capacity", "How many alerts may wait to be sent.",
                    MetricKind::kGauge, [this] {
                      return std::vector<CollectedSample>{{{}, static_cast<double>(opts_.queue_capacity)}};
                    });
    r->NewCollector("prometheus_notifications_alertmanagers_discovered",
                    "Alertmanagers alerts are sent to.", MetricKind::kGauge, [this] {
                      return std::vector<CollectedSample>{{{}, static_cast<double>(AlertmanagerUrls().size())}};
                    });
  }
}

Notifier::~Notifier() { Stop(); }

void Notifier::ApplyConfig(const AlertingConfig& cfg, const tsdb::Labels& external_labels) {
  std::vector<Target> targets;
  for (const AlertmanagerConfig& am : cfg.alertmanagers) {
    for (const std::string& hostport : am.targets) {
      Target t;
      t.base = absl::StrCat(am.scheme, "://", hostport);
      t.path = JoinUrl(am.path_prefix, "/api/v2/alerts");
      t.url = t.base + t.path;
      t.timeout_ms = am.timeout_ms;
      t.relabel = am.alert_relabel_configs;
      targets.push_back(std::move(t));
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  cfg_ = cfg;
  external_labels_ = external_labels;
  targets_ = std::move(targets);
}

void Notifier::Send(std::vector<NotifierAlert> alerts) {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<NotifierAlert> keep;
  keep.reserve(alerts.size());
  for (NotifierAlert& a : alerts) {
    scrape::LabelBuilder lb(a.labels);
    for (const auto& el : external_labels_) {
      if (lb.Get(el.name).empty()) lb.Set(el.name, el.value);
    }
    if (!scrape::Relabel(lb, cfg_.alert_relabel_configs)) continue;
    a.labels = lb.Labels();
    keep.push_back(std::move(a));
  }
  if (keep.empty()) return;
  size_t dropped = 0;
  if (keep.size() > opts_.queue_capacity) {
    size_t d = keep.size() - opts_.queue_capacity;
    keep.erase(keep.begin(), keep.begin() + static_cast<long>(d));
    opts_.logger->Warn("notifier", "Alert batch larger than queue capacity, dropping alerts",
                       {{"num_dropped", std::to_string(d)}});
    dropped += d;
  }
  if (queue_.size() + keep.size() > opts_.queue_capacity) {
    size_t d = queue_.size() + keep.size() - opts_.queue_capacity;
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(d));
    opts_.logger->Warn("notifier", "Alert notification queue full, dropping alerts",
                       {{"num_dropped", std::to_string(d)}});
    dropped += d;
  }
  if (dropped > 0 && dropped_) dropped_->Inc(static_cast<double>(dropped));
  for (auto& a : keep) queue_.push_back(std::move(a));
  cv_.notify_all();
}

void Notifier::Run() {
  std::lock_guard<std::mutex> l(mu_);
  if (running_ || stop_) return;
  running_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void Notifier::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> Notifier::AlertmanagerUrls() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (const auto& t : targets_) out.push_back(t.url);
  return out;
}

size_t Notifier::QueueLength() const {
  std::lock_guard<std::mutex> l(mu_);
  return queue_.size();
}

std::vector<NotifierAlert> Notifier::NextBatch() {
  std::vector<NotifierAlert> batch;
  while (!queue_.empty() && batch.size() < kMaxBatchSize) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

void Notifier::Loop() {
  for (;;) {
    std::vector<NotifierAlert> batch;
    bool stopping;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return stop_ || !queue_.empty(); });
      stopping = stop_;
      batch = NextBatch();
    }
    if (!batch.empty() && !SendBatch(batch) && dropped_) dropped_->Inc(static_cast<double>(batch.size()));
    if (stopping) {
      // Drain what is left once, then leave.
      std::unique_lock<std::mutex> l(mu_);
      if (queue_.empty()) return;
    }
  }
}

bool Notifier::SendBatch(const std::vector<NotifierAlert>& batch) {
  std::vector<Target> targets;
  {
    std::lock_guard<std::mutex> l(mu_);
    targets = targets_;
  }
  if (targets.empty()) return false;
  bool any = false;
  const std::string plain = EncodeAlertsV2(batch);
  for (const Target& t : targets) {
    const std::string* body = &plain;
    std::string relabeled_body;
    size_t count = batch.size();
    if (!t.relabel.empty()) {
      std::vector<NotifierAlert> rb;
      for (const NotifierAlert& a : batch) {
        scrape::LabelBuilder lb(a.labels);
        if (!scrape::Relabel(lb, t.relabel)) continue;
        NotifierAlert c = a;
        c.labels = lb.Labels();
        rb.push_back(std::move(c));
      }
      if (rb.empty()) continue;
      count = rb.size();
      relabeled_body = EncodeAlertsV2(rb);
      body = &relabeled_body;
    }
    const auto start = std::chrono::steady_clock::now();
    bool ok = Post(t, *body);
    if (latency_) {
      latency_->With({t.url}).Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    if (sent_) sent_->With({t.url}).Inc(static_cast<double>(count));
    if (!ok && errors_) errors_->With({t.url}).Inc(static_cast<double>(count));
    any = any || ok;
  }
  return any;
}

bool Notifier::Post(const Target& t, const std::string& body) {
  httplib::Client cli(t.base);
  if (!cli.is_valid()) {
    opts_.logger->Error("notifier", "Error sending alerts",
                        {{"alertmanager", t.url}, {"err", "unsupported URL (https needs OpenSSL support)"}});
    return false;
  }
  const time_t secs = static_cast<time_t>(t.timeout_ms / 1000);
  const time_t usecs = static_cast<time_t>((t.timeout_ms % 1000) * 1000);
  cli.set_connection_timeout(secs, usecs);
  cli.set_read_timeout(secs, usecs);
  cli.set_write_timeout(secs, usecs);
  httplib::Headers headers{{"User-Agent", opts_.user_agent}};
  auto res = cli.Post(t.path, headers, body, "application/json");
  if (!res) {
    opts_.logger->Error("notifier", "Error sending alerts",
                        {{"alertmanager", t.url}, {"err", httplib::to_string(res.error())}});
    return false;
  }
  if (res->status / 100 != 2) {
    opts_.logger->Error("notifier", "Error sending alerts",
                        {{"alertmanager", t.url},
                         {"err", absl::StrCat("bad response status ", res->status)}});
    return false;
  }
  return true;
}

}  // namespace promlite::server
