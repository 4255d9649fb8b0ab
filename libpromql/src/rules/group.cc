// One evaluation of a rule group (Prometheus' Group.Eval): rules run in
// order at one timestamp; their samples, and staleness markers for series a
// rule no longer produces, go through one appender that is committed once.
// Queries read through an overlay of the uncommitted samples, so a rule sees
// what earlier rules of the same evaluation wrote.
#include <chrono>

#include "absl/strings/str_cat.h"
#include "engine/labels_util.h"
#include "promlite/promql/rules.h"
#include "rules/overlay.h"
#include "rules/strings.h"

namespace promlite::promql {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An instant query as a rule sees it: a vector, or a scalar as one sample.
absl::StatusOr<Vector> RunQuery(Engine* engine, tsdb::Queryable* q, std::string_view query, int64_t ts) {
  auto qq = engine->NewInstantQuery(q, query, ts);
  if (!qq.ok()) return qq.status();
  Result r = (*qq)->Exec();
  if (!r.status.ok()) return r.status;
  if (auto* v = std::get_if<Vector>(&r.value)) return std::move(*v);
  if (auto* s = std::get_if<Scalar>(&r.value)) return Vector{Sample{tsdb::Labels(), s->t, s->v}};
  return absl::InvalidArgumentError("rule result is not a vector or scalar");
}

bool Expected(const absl::Status& st) {
  return tsdb::IsOutOfOrder(st) || tsdb::IsDuplicateSample(st) || tsdb::IsOutOfBounds(st);
}

}  // namespace

RuleGroup::RuleGroup(std::string name, std::string file, int64_t interval_ms, int64_t limit,
                     std::optional<int64_t> query_offset_ms, std::vector<std::shared_ptr<Rule>> rules,
                     RuleGroupOptions opts)
    : name_(std::move(name)),
      file_(std::move(file)),
      interval_ms_(interval_ms),
      limit_(limit),
      query_offset_ms_(query_offset_ms),
      rules_(std::move(rules)),
      opts_(std::move(opts)),
      series_in_previous_eval_(rules_.size()) {
  if (!opts_.logger) opts_.logger = tsdb::NewNopLogger();
}

int64_t RuleGroup::QueryOffsetMs() const { return query_offset_ms_ ? *query_offset_ms_ : opts_.default_query_offset_ms; }

void RuleGroup::Eval(int64_t ts) {
  const int64_t offset = QueryOffsetMs();
  rules::PendingSamples pending;
  rules::OverlayQueryable overlay(opts_.queryable, &pending);
  std::unique_ptr<tsdb::Appender> app = opts_.appendable->NewAppender();
  RuleQueryFunc query = [&](std::string_view q, int64_t t) { return RunQuery(opts_.engine, &overlay, q, t); };

  double samples_total = 0;
  // Rules whose samples ride on the commit, with the series they wrote.
  std::vector<std::pair<size_t, std::map<std::string, tsdb::Labels>>> appended;
  std::vector<std::map<std::string, tsdb::Labels>> previous;
  {
    std::lock_guard<std::mutex> l(mu_);
    previous = series_in_previous_eval_;
  }
  auto append = [&](const tsdb::Labels& lset, int64_t t, double v) -> absl::Status {
    absl::StatusOr<tsdb::SeriesRef> r = app->Append(0, lset, t, v);
    if (!r.ok()) return r.status();
    pending.Add(lset, t, v);
    return absl::OkStatus();
  };

  for (size_t i = 0; i < rules_.size(); i++) {
    Rule& rule = *rules_[i];
    const int64_t started = WallMs();
    const auto start = std::chrono::steady_clock::now();
    {
      std::lock_guard<std::mutex> l(mu_);
      metrics_.evaluations_total++;
    }
    absl::StatusOr<Vector> vec = rule.Eval(ts, offset, query, limit_);
    if (!vec.ok()) {
      rule.SetHealth(RuleHealth::kBad, std::string(vec.status().message()));
      {
        std::lock_guard<std::mutex> l(mu_);
        metrics_.evaluation_failures_total++;
      }
      if (vec.status().code() != absl::StatusCode::kCancelled) {
        opts_.logger->Warn("rules", "Evaluating rule failed",
                           {{"file", file_}, {"group", name_}, {"name", rule.name()}, {"index", std::to_string(i)},
                            {"err", std::string(vec.status().message())}});
      }
      double secs = SecondsSince(start);
      rule.SetEvaluation(secs, started);
      if (opts_.observe_rule_seconds) opts_.observe_rule_seconds(secs);
      continue;
    }
    rule.SetHealth(RuleHealth::kGood, "");
    samples_total += static_cast<double>(vec->size());
    if (rule.alerting()) {
      static_cast<AlertingRule&>(rule).SendAlerts(ts, opts_.resend_delay_ms, interval_ms_, opts_.notify);
    }

    int out_of_order = 0, too_old = 0, duplicates = 0;
    std::map<std::string, tsdb::Labels> returned;
    for (const Sample& s : *vec) {
      absl::Status st = append(s.metric, s.t, s.f);
      if (st.ok()) {
        returned.emplace(s.metric.ToString(), s.metric);
        continue;
      }
      rule.SetHealth(RuleHealth::kBad, std::string(st.message()));
      if (tsdb::IsOutOfOrder(st)) {
        out_of_order++;
      } else if (tsdb::IsOutOfBounds(st)) {
        too_old++;
      } else if (tsdb::IsDuplicateSample(st)) {
        duplicates++;
      } else {
        opts_.logger->Warn("rules", "Rule evaluation result discarded",
                           {{"group", name_}, {"name", rule.name()}, {"err", std::string(st.message())},
                            {"sample", s.metric.ToString()}});
      }
    }
    if (out_of_order > 0) {
      opts_.logger->Warn("rules", "Error on ingesting out-of-order result from rule evaluation",
                         {{"group", name_}, {"name", rule.name()}, {"num_dropped", std::to_string(out_of_order)}});
    }
    if (too_old > 0) {
      opts_.logger->Warn("rules", "Error on ingesting too old result from rule evaluation",
                         {{"group", name_}, {"name", rule.name()}, {"num_dropped", std::to_string(too_old)}});
    }
    if (duplicates > 0) {
      opts_.logger->Warn("rules",
                         "Error on ingesting results from rule evaluation with different value but same timestamp",
                         {{"group", name_}, {"name", rule.name()}, {"num_dropped", std::to_string(duplicates)}});
    }
    // Series the rule no longer produces get a staleness marker.
    for (const auto& [key, lset] : previous[i]) {
      if (returned.count(key)) continue;
      absl::Status st = append(lset, ts - offset, tsdb::StaleNaN());
      if (!st.ok() && !Expected(st)) {
        opts_.logger->Warn("rules", "Adding stale sample failed",
                           {{"group", name_}, {"sample", lset.ToString()}, {"err", std::string(st.message())}});
      }
    }
    appended.emplace_back(i, std::move(returned));
    double secs = SecondsSince(start);
    rule.SetEvaluation(secs, started);
    if (opts_.observe_rule_seconds) opts_.observe_rule_seconds(secs);
  }

  // Series of rules that are gone (after a reload) get their markers too.
  std::vector<tsdb::Labels> stale;
  {
    std::lock_guard<std::mutex> l(mu_);
    stale = stale_series_;
  }
  for (const tsdb::Labels& lset : stale) {
    absl::Status st = append(lset, ts - offset, tsdb::StaleNaN());
    if (!st.ok() && !Expected(st)) {
      opts_.logger->Warn("rules", "Adding stale sample for previous configuration failed",
                         {{"group", name_}, {"sample", lset.ToString()}, {"err", std::string(st.message())}});
    }
  }

  absl::Status commit = app->Commit();
  std::lock_guard<std::mutex> l(mu_);
  metrics_.last_evaluation_samples = samples_total;
  if (!commit.ok()) {
    opts_.logger->Warn("rules", "Rule sample appending failed",
                       {{"file", file_}, {"group", name_}, {"err", std::string(commit.message())}});
    for (const auto& [i, series] : appended) {
      rules_[i]->SetHealth(RuleHealth::kBad, std::string(commit.message()));
      metrics_.evaluation_failures_total++;
    }
    return;
  }
  for (auto& [i, series] : appended) series_in_previous_eval_[i] = std::move(series);
  if (!stale.empty()) stale_series_.erase(stale_series_.begin(), stale_series_.begin() + static_cast<long>(stale.size()));
}

void RuleGroup::MarkAllStale(int64_t ts) {
  std::vector<tsdb::Labels> series;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& m : series_in_previous_eval_) {
      for (const auto& [k, lset] : m) series.push_back(lset);
    }
    for (const auto& lset : stale_series_) series.push_back(lset);
  }
  if (series.empty()) return;
  std::unique_ptr<tsdb::Appender> app = opts_.appendable->NewAppender();
  int64_t t = ts - QueryOffsetMs();
  for (const auto& lset : series) {
    absl::StatusOr<tsdb::SeriesRef> r = app->Append(0, lset, t, tsdb::StaleNaN());
    if (!r.ok() && !Expected(r.status())) {
      opts_.logger->Warn("rules", "Adding stale sample for previous configuration failed",
                         {{"group", name_}, {"sample", lset.ToString()}, {"err", std::string(r.status().message())}});
    }
  }
  if (absl::Status st = app->Commit(); !st.ok()) {
    opts_.logger->Warn("rules", "Stale sample appending for previous configuration failed",
                       {{"group", name_}, {"err", std::string(st.message())}});
  }
}

void RuleGroup::RestoreForState(int64_t now) {
  const auto start = std::chrono::steady_clock::now();
  auto q = opts_.queryable->NewQuerier(now - opts_.outage_tolerance_ms, now);
  if (!q.ok()) {
    opts_.logger->Error("rules", "Failed to get Querier", {{"group", name_}, {"err", std::string(q.status().message())}});
  } else {
    for (const auto& r : rules_) {
      if (!r->alerting()) continue;
      static_cast<AlertingRule&>(*r).RestoreForState(**q, now, opts_.for_grace_period_ms, opts_.logger.get());
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  metrics_.last_restore_duration_seconds = SecondsSince(start);
}

void RuleGroup::CopyState(RuleGroup& from) {
  std::lock_guard<std::mutex> lf(from.mu_);
  std::lock_guard<std::mutex> l(mu_);
  eval_seconds_ = from.eval_seconds_;
  last_evaluation_ = from.last_evaluation_;
  metrics_ = from.metrics_;
  // Rules match by name and labels; duplicates pair up in order.
  std::map<std::string, std::vector<size_t>> by_key;
  for (size_t i = 0; i < from.rules_.size(); i++) by_key[from.rules_[i]->NameAndLabels()].push_back(i);
  for (size_t i = 0; i < rules_.size(); i++) {
    auto it = by_key.find(rules_[i]->NameAndLabels());
    if (it == by_key.end() || it->second.empty()) continue;
    size_t fi = it->second.front();
    it->second.erase(it->second.begin());
    series_in_previous_eval_[i] = from.series_in_previous_eval_[fi];
    if (rules_[i]->alerting() && from.rules_[fi]->alerting()) {
      static_cast<AlertingRule&>(*rules_[i]).CopyAlertsFrom(static_cast<const AlertingRule&>(*from.rules_[fi]));
    }
  }
  stale_series_ = from.stale_series_;
  for (const auto& [key, left] : by_key) {
    for (size_t fi : left) {
      for (const auto& [k, lset] : from.series_in_previous_eval_[fi]) stale_series_.push_back(lset);
    }
  }
}

int64_t RuleGroup::EvalTimestamp(int64_t now_ms) const {
  // In nanoseconds, as Prometheus computes the offset from the hash.
  const int64_t interval_ns = interval_ms_ * 1000000;
  if (interval_ns <= 0) return now_ms;
  const uint64_t h = engine::PromHash(tsdb::Labels{{"name", name_}, {"file", file_}});
  const int64_t offset = static_cast<int64_t>(h % static_cast<uint64_t>(interval_ns));
  const int64_t adj = now_ms * 1000000 - offset;
  int64_t rem = adj % interval_ns;
  if (rem < 0) rem += interval_ns;
  const int64_t next_ns = adj - rem + offset;
  return next_ns >= 0 ? next_ns / 1000000 : -((-next_ns + 999999) / 1000000);
}

bool RuleGroup::Equals(const RuleGroup& o) const {
  if (name_ != o.name_ || file_ != o.file_ || interval_ms_ != o.interval_ms_ || limit_ != o.limit_ ||
      query_offset_ms_ != o.query_offset_ms_ || rules_.size() != o.rules_.size()) {
    return false;
  }
  for (size_t i = 0; i < rules_.size(); i++) {
    if (rules_[i]->Definition() != o.rules_[i]->Definition()) return false;
  }
  return true;
}

double RuleGroup::last_eval_seconds() const {
  std::lock_guard<std::mutex> l(mu_);
  return eval_seconds_;
}

int64_t RuleGroup::last_evaluation() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_evaluation_;
}

RuleGroupMetrics RuleGroup::metrics() const {
  std::lock_guard<std::mutex> l(mu_);
  return metrics_;
}

void RuleGroup::AddMissedIterations(double n) {
  std::lock_guard<std::mutex> l(mu_);
  metrics_.iterations_missed_total += n;
  metrics_.iterations_total += n;
}

void RuleGroup::RecordIteration(double seconds, int64_t started_at) {
  double sum = 0;
  for (const auto& r : rules_) sum += r->status().eval_seconds;
  std::lock_guard<std::mutex> l(mu_);
  metrics_.iterations_total++;
  metrics_.last_duration_seconds = seconds;
  metrics_.last_rule_duration_sum_seconds = sum;
  metrics_.last_evaluation_timestamp_seconds = static_cast<double>(started_at) / 1000.0;
  eval_seconds_ = seconds;
  last_evaluation_ = started_at;
}

}  // namespace promlite::promql
