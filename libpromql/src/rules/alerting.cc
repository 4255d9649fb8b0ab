// Alerting rules (Prometheus' rules/alerting.go): alerts move from pending
// to firing after `for`, stay firing for `keep_firing_for` after the
// condition clears, are kept 15 minutes after resolving (so Alertmanager
// hears the resolution), and are written as ALERTS / ALERTS_FOR_STATE.
#include <cmath>

#include "absl/strings/str_cat.h"
#include "promlite/promql/rules.h"
#include "rules/strings.h"

namespace promlite::promql {
namespace {

constexpr std::string_view kAlertMetricName = "ALERTS";
constexpr std::string_view kAlertForStateMetricName = "ALERTS_FOR_STATE";
constexpr std::string_view kAlertNameLabel = "alertname";
constexpr std::string_view kAlertStateLabel = "alertstate";
constexpr int64_t kResolvedRetentionMs = 15 * 60 * 1000;

std::map<std::string, std::string> ToMap(const tsdb::Labels& l) {
  std::map<std::string, std::string> m;
  for (const auto& lb : l) m.emplace(std::string(lb.name), std::string(lb.value));
  return m;
}

// Go's time.Time.Unix() of a millisecond timestamp: seconds, floored.
int64_t UnixSeconds(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

}  // namespace

absl::StatusOr<std::shared_ptr<AlertingRule>> AlertingRule::Create(std::string name, std::string query,
                                                                   tsdb::Labels labels, AlertingRuleOptions opts) {
  std::shared_ptr<AlertingRule> r(new AlertingRule(std::move(name), std::move(query), std::move(labels), std::move(opts)));
  if (!r->opts_.logger) r->opts_.logger = tsdb::NewNopLogger();
  for (const auto& l : r->labels()) {
    auto t = AlertTemplate::Parse(r->name(), l.value);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("label \"", AV(l.name), "\": ", t.status().message()));
    r->label_templates_.emplace_back(std::string(l.name), *std::move(t));
  }
  for (const auto& [k, v] : r->opts_.annotations) {
    auto t = AlertTemplate::Parse(r->name(), v);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("annotation \"", k, "\": ", t.status().message()));
    r->annotation_templates_.emplace_back(k, *std::move(t));
  }
  r->restored_.store(r->opts_.restored);
  return r;
}

std::string AlertingRule::Definition() const {
  std::string out = absl::StrCat("alert: ", name(), "\nexpr: ", query(), "\nfor: ", opts_.hold_ms,
                                 "\nkeep_firing_for: ", opts_.keep_firing_for_ms, "\nlabels:");
  for (const auto& l : labels()) absl::StrAppend(&out, " ", l.name.size(), ":", AV(l.name), "=", l.value.size(), ":", AV(l.value));
  out += "\nannotations:";
  for (const auto& [k, v] : opts_.annotations) absl::StrAppend(&out, " ", k.size(), ":", k, "=", v.size(), ":", v);
  // Templates see these, so a change makes the rule a new one.
  out += "\nexternal_labels:";
  for (const auto& [k, v] : opts_.external_labels) absl::StrAppend(&out, " ", k.size(), ":", k, "=", v.size(), ":", v);
  absl::StrAppend(&out, "\nexternal_url: ", opts_.external_url, "\n");
  return out;
}

absl::StatusOr<Vector> AlertingRule::Eval(int64_t ts, int64_t query_offset_ms, const RuleQueryFunc& query_fn,
                                          int64_t limit) {
  absl::StatusOr<Vector> res = query_fn(query(), ts - query_offset_ms);
  if (!res.ok()) return res.status();

  TemplateEnv env;
  env.timestamp_ms = ts;
  env.query = query_fn;
  env.external_url = opts_.external_url;

  std::map<uint64_t, Alert> fresh;
  tsdb::LabelsBuilder lb;
  for (const Sample& smpl : *res) {
    AlertTemplateData data;
    data.labels = ToMap(smpl.metric);
    data.external_labels = opts_.external_labels;
    data.external_url = opts_.external_url;
    data.value = smpl.f;
    auto expand = [&](const AlertTemplate& t) {
      absl::StatusOr<std::string> s = t.Expand(data, env);
      if (s.ok()) return *std::move(s);
      opts_.logger->Warn("rules", "Expanding alert template failed",
                         {{"alert", name()}, {"err", std::string(s.status().message())}});
      return absl::StrCat("<error expanding template: ", s.status().message(), ">");
    };
    lb.Reset(smpl.metric);
    lb.Del(tsdb::kMetricName);
    for (const auto& [k, t] : label_templates_) lb.Set(k, expand(t));
    lb.Set(kAlertNameLabel, name());
    Alert a;
    a.labels = lb.Build();
    for (const auto& [k, t] : annotation_templates_) a.annotations.emplace_back(k, expand(t));
    a.active_at = ts;
    a.state = AlertState::kPending;
    a.value = smpl.f;
    uint64_t h = a.labels.Hash();
    if (fresh.count(h)) {
      return absl::InvalidArgumentError("vector contains metrics with the same labelset after applying alert labels");
    }
    fresh.emplace(h, std::move(a));
  }

  std::lock_guard<std::mutex> l(mu_);
  for (auto& [h, a] : fresh) {
    auto it = active_.find(h);
    if (it != active_.end() && it->second.state != AlertState::kInactive) {
      it->second.value = a.value;
      it->second.annotations = a.annotations;
      continue;
    }
    active_[h] = std::move(a);
  }

  Vector vec;
  int64_t num_active = 0;
  bool restored = restored_.load();
  for (auto it = active_.begin(); it != active_.end();) {
    Alert& a = it->second;
    bool erase = false;
    if (!fresh.count(it->first)) {
      bool keep_firing = false;
      if (a.state == AlertState::kFiring && opts_.keep_firing_for_ms > 0) {
        if (a.keep_firing_since == kNoTime) a.keep_firing_since = ts;
        keep_firing = ts - a.keep_firing_since < opts_.keep_firing_for_ms;
      }
      // Pending alerts that clear are dropped; resolved ones are kept a
      // while so that the resolution is sent.
      if (a.state == AlertState::kPending ||
          (a.resolved_at != kNoTime && ts - a.resolved_at > kResolvedRetentionMs)) {
        erase = true;
      }
      if (a.state != AlertState::kInactive && !keep_firing) {
        a.state = AlertState::kInactive;
        a.resolved_at = ts;
      }
      if (!keep_firing) {
        it = erase ? active_.erase(it) : std::next(it);
        continue;
      }
    } else {
      a.keep_firing_since = kNoTime;
    }
    num_active++;
    if (a.state == AlertState::kPending && ts - a.active_at >= opts_.hold_ms) {
      a.state = AlertState::kFiring;
      a.fired_at = ts;
    }
    if (a.state == AlertState::kFiring && ts - a.active_at < opts_.hold_ms) {
      // A restored activation time can move a firing alert back to pending.
      a.state = AlertState::kPending;
      a.fired_at = kNoTime;
      a.last_sent_at = kNoTime;
      a.keep_firing_since = kNoTime;
    }
    if (restored) {
      tsdb::LabelsBuilder b(labels());
      for (const auto& al : a.labels) b.Set(al.name, al.value);
      b.Set(tsdb::kMetricName, kAlertMetricName);
      b.Set(kAlertNameLabel, name());
      b.Set(kAlertStateLabel, AlertStateName(a.state));
      vec.push_back(Sample{b.Build(), ts - query_offset_ms, 1});
      tsdb::LabelsBuilder f(labels());
      for (const auto& al : a.labels) f.Set(al.name, al.value);
      f.Set(tsdb::kMetricName, kAlertForStateMetricName);
      f.Set(kAlertNameLabel, name());
      vec.push_back(Sample{f.Build(), ts - query_offset_ms, static_cast<double>(UnixSeconds(a.active_at))});
    }
    ++it;
  }
  if (limit > 0 && num_active > limit) {
    active_.clear();
    return absl::InvalidArgumentError(absl::StrCat("exceeded limit of ", limit, " with ", num_active, " alerts"));
  }
  return vec;
}

AlertState AlertingRule::State() const {
  if (status().last_eval == kNoTime) return AlertState::kUnknown;
  std::lock_guard<std::mutex> l(mu_);
  AlertState max = AlertState::kInactive;
  for (const auto& [h, a] : active_) max = std::max(max, a.state);
  return max;
}

std::vector<Alert> AlertingRule::CurrentAlerts() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<Alert> out;
  out.reserve(active_.size());
  for (const auto& [h, a] : active_) out.push_back(a);
  return out;
}

std::vector<Alert> AlertingRule::ActiveAlerts() const {
  std::vector<Alert> out;
  for (Alert& a : CurrentAlerts()) {
    if (a.resolved_at == kNoTime) out.push_back(std::move(a));
  }
  return out;
}

void AlertingRule::SendAlerts(int64_t ts, int64_t resend_delay_ms, int64_t interval_ms, const NotifyFunc& notify) {
  std::vector<Alert> due;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [h, a] : active_) {
      if (a.state == AlertState::kPending) continue;
      bool needs = a.resolved_at > a.last_sent_at ||
                   (a.last_sent_at == kNoTime ? true : a.last_sent_at + resend_delay_ms < ts);
      if (!needs) continue;
      a.last_sent_at = ts;
      a.valid_until = ts + 4 * std::max(interval_ms, resend_delay_ms);
      due.push_back(a);
    }
  }
  if (notify) notify(query(), due);
}

void AlertingRule::CopyAlertsFrom(const AlertingRule& other) {
  if (&other == this) return;
  std::map<uint64_t, Alert> copy;
  {
    std::lock_guard<std::mutex> l(other.mu_);
    copy = other.active_;
  }
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [h, a] : copy) active_[h] = std::move(a);
}

void AlertingRule::RestoreForState(tsdb::Querier& q, int64_t ts, int64_t grace_ms, tsdb::Logger* logger) {
  if (opts_.hold_ms < grace_ms) {
    // Restoring would only delay firing beyond `for`.
    SetRestored(true);
    return;
  }
  std::vector<tsdb::Matcher> matchers;
  tsdb::LabelsBuilder b(labels());
  b.Set(tsdb::kMetricName, kAlertForStateMetricName);
  b.Set(kAlertNameLabel, name());
  for (const auto& l : b.Build()) {
    if (l.value.find("{{") != std::string_view::npos) continue;
    matchers.push_back(tsdb::Matcher::MustMake(tsdb::MatchType::kEqual, l.name, l.value));
  }
  auto set = q.Select(false, nullptr, matchers);
  // The last sample of each series, keyed by its labels without __name__.
  std::map<std::string, tsdb::Sample> last;
  while (set->Next()) {
    tsdb::LabelsBuilder k(set->At().labels());
    k.Del(tsdb::kMetricName);
    auto it = set->At().Iterator();
    tsdb::Sample s{tsdb::kMinTime, 0};
    while (it->Next()) s = tsdb::Sample{it->AtT(), it->AtV()};
    if (!it->Err().ok()) {
      logger->Error("rules", "Failed to restore 'for' state",
                    {{"alertname", name()}, {"stage", "Iterator"}, {"err", std::string(it->Err().message())}});
      continue;
    }
    if (s.t != tsdb::kMinTime) last[k.Build().ToString()] = s;
  }
  if (!set->Err().ok()) {
    logger->Error("rules", "Failed to restore 'for' state",
                  {{"alertname", name()}, {"stage", "Select"}, {"err", std::string(set->Err().message())}});
    SetRestored(true);
    return;
  }
  if (last.empty()) {
    SetRestored(true);
    return;
  }
  std::lock_guard<std::mutex> l(mu_);
  for (auto& [h, a] : active_) {
    auto it = last.find(a.labels.ToString());
    if (it == last.end() || tsdb::IsStaleNaN(it->second.v)) continue;
    // Second precision, as Prometheus stores and reads it.
    int64_t down_at = UnixSeconds(it->second.t) * 1000;
    int64_t restored_active_at = static_cast<int64_t>(it->second.v) * 1000;
    int64_t remaining = opts_.hold_ms - (down_at - restored_active_at);
    if (remaining <= 0) {
      // It was firing when the server went down; the next evaluation decides.
    } else if (remaining < grace_ms) {
      restored_active_at = ts + grace_ms - opts_.hold_ms;
    } else {
      restored_active_at += ts - down_at;
    }
    a.active_at = restored_active_at;
    logger->Debug("rules", "'for' state restored",
                  {{"alertname", name()}, {"restored_time", std::to_string(a.active_at)}, {"labels", a.labels.ToString()}});
  }
  SetRestored(true);
}

}  // namespace promlite::promql
