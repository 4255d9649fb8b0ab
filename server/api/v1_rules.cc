#include "api/v1_rules.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <set>

#include "absl/strings/str_cat.h"
#include "api/params.h"
#include "api/v1.h"
#include "web/json.h"

namespace promlite::server {

std::string GoTimeJson(int64_t ms) {
  if (ms == promql::kNoTime) return "0001-01-01T00:00:00Z";
  return FormatRfc3339(ms);
}

std::string FormatFloatE(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  // The shortest precision that reads back to the same double.
  for (int p = 0; p <= 17; p++) {
    std::snprintf(buf, sizeof buf, "%.*e", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

namespace {

void WriteLabels(JsonWriter& w, const tsdb::Labels& l) {
  w.BeginObject();
  for (const auto& lb : l) {
    w.Key(lb.name);
    w.String(lb.value);
  }
  w.EndObject();
}

void WritePairs(JsonWriter& w, const std::vector<std::pair<std::string, std::string>>& kv) {
  std::vector<std::pair<std::string, std::string>> sorted = kv;
  std::sort(sorted.begin(), sorted.end());
  w.BeginObject();
  for (const auto& [k, v] : sorted) {
    w.Key(k);
    w.String(v);
  }
  w.EndObject();
}

void WriteMap(JsonWriter& w, const std::map<std::string, std::string>& m) {
  w.BeginObject();
  for (const auto& [k, v] : m) {
    w.Key(k);
    w.String(v);
  }
  w.EndObject();
}

void WriteAlert(JsonWriter& w, const promql::Alert& a) {
  w.BeginObject();
  w.Key("labels");
  WriteLabels(w, a.labels);
  w.Key("annotations");
  WritePairs(w, a.annotations);
  w.Key("state");
  w.String(promql::AlertStateName(a.state));
  w.Key("activeAt");
  w.String(GoTimeJson(a.active_at));
  if (a.keep_firing_since != promql::kNoTime) {
    w.Key("keepFiringSince");
    w.String(GoTimeJson(a.keep_firing_since));
  }
  w.Key("value");
  w.String(FormatFloatE(a.value));
  w.EndObject();
}

// A rule keeps its alerts by label hash; sorted by labels the output is stable.
std::vector<promql::Alert> SortedActive(const promql::AlertingRule& r) {
  std::vector<promql::Alert> alerts = r.ActiveAlerts();
  std::sort(alerts.begin(), alerts.end(),
            [](const promql::Alert& a, const promql::Alert& b) { return a.labels < b.labels; });
  return alerts;
}

void WriteRule(JsonWriter& w, const promql::Rule& rule, bool exclude_alerts) {
  const promql::RuleStatus st = rule.status();
  w.BeginObject();
  if (rule.alerting()) {
    const auto& ar = static_cast<const promql::AlertingRule&>(rule);
    w.Key("state");
    w.String(promql::AlertStateName(ar.State()));
    w.Key("name");
    w.String(rule.name());
    w.Key("query");
    w.String(rule.query());
    w.Key("duration");
    w.Double(static_cast<double>(ar.hold_ms()) / 1000.0);
    w.Key("keepFiringFor");
    w.Double(static_cast<double>(ar.keep_firing_for_ms()) / 1000.0);
    w.Key("labels");
    WriteLabels(w, rule.labels());
    w.Key("annotations");
    WriteMap(w, ar.annotations());
    w.Key("alerts");
    w.BeginArray();
    if (!exclude_alerts) {
      for (const auto& a : SortedActive(ar)) WriteAlert(w, a);
    }
    w.EndArray();
  } else {
    w.Key("name");
    w.String(rule.name());
    w.Key("query");
    w.String(rule.query());
    if (!rule.labels().empty()) {
      w.Key("labels");
      WriteLabels(w, rule.labels());
    }
  }
  w.Key("health");
  w.String(promql::RuleHealthName(st.health));
  if (!st.last_error.empty()) {
    w.Key("lastError");
    w.String(st.last_error);
  }
  w.Key("evaluationTime");
  w.Double(st.eval_seconds);
  w.Key("lastEvaluation");
  w.String(GoTimeJson(st.last_eval));
  w.Key("type");
  w.String(rule.alerting() ? "alerting" : "recording");
  w.EndObject();
}

void Rules(promql::RuleManager* mgr, const HttpRequest& req, HttpResponse* res) {
  const std::string type = req.Param("type");
  if (!type.empty() && type != "alert" && type != "record") {
    return RespondError(res, ErrorType::kBadData, absl::StrCat("unsupported rule type \"", type, "\" (alert or record)"));
  }
  const bool want_alert = type.empty() || type == "alert";
  const bool want_record = type.empty() || type == "record";
  auto set_of = [&](const char* name) {
    std::vector<std::string> v = req.Params(name);
    return std::set<std::string>(v.begin(), v.end());
  };
  const std::set<std::string> names = set_of("rule_name[]");
  const std::set<std::string> groups = set_of("rule_group[]");
  const std::set<std::string> files = set_of("file[]");
  const std::string excl = req.Param("exclude_alerts");
  if (!excl.empty() && excl != "true" && excl != "false") {
    return RespondError(res, ErrorType::kBadData, absl::StrCat("exclude_alerts: invalid boolean \"", excl, "\""));
  }
  const bool exclude_alerts = excl == "true";
  const bool rule_filter = !type.empty() || !names.empty();

  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("groups");
  w.BeginArray();
  for (const auto& g : mgr->RuleGroups()) {
    if (!groups.empty() && !groups.count(g->name())) continue;
    if (!files.empty() && !files.count(g->file())) continue;
    std::vector<const promql::Rule*> rules;
    for (const auto& r : g->rules()) {
      if (r->alerting() ? !want_alert : !want_record) continue;
      if (!names.empty() && !names.count(r->name())) continue;
      rules.push_back(r.get());
    }
    if (rule_filter && rules.empty()) continue;
    w.BeginObject();
    w.Key("name");
    w.String(g->name());
    w.Key("file");
    w.String(g->file());
    w.Key("rules");
    w.BeginArray();
    for (const promql::Rule* r : rules) WriteRule(w, *r, exclude_alerts);
    w.EndArray();
    w.Key("interval");
    w.Double(static_cast<double>(g->interval_ms()) / 1000.0);
    w.Key("limit");
    w.Int(g->limit());
    w.Key("evaluationTime");
    w.Double(g->last_eval_seconds());
    w.Key("lastEvaluation");
    w.String(GoTimeJson(g->last_evaluation()));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  RespondData(res, out);
}

void Alerts(promql::RuleManager* mgr, HttpResponse* res) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("alerts");
  w.BeginArray();
  for (const auto& r : mgr->AlertingRules()) {
    for (const auto& a : SortedActive(*r)) WriteAlert(w, a);
  }
  w.EndArray();
  w.EndObject();
  RespondData(res, out);
}

void Alertmanagers(Notifier* n, HttpResponse* res) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("activeAlertmanagers");
  w.BeginArray();
  for (const auto& url : n->AlertmanagerUrls()) {
    w.BeginObject();
    w.Key("url");
    w.String(url);
    w.EndObject();
  }
  w.EndArray();
  w.Key("droppedAlertmanagers");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  RespondData(res, out);
}

}  // namespace

void RegisterRulesApi(HttpServer* s, promql::RuleManager* rules, Notifier* notifier) {
  s->Get("/api/v1/rules", [rules](const HttpRequest& req, HttpResponse* res) { Rules(rules, req, res); });
  s->Get("/api/v1/alerts", [rules](const HttpRequest&, HttpResponse* res) { Alerts(rules, res); });
  s->Get("/api/v1/alertmanagers", [notifier](const HttpRequest&, HttpResponse* res) { Alertmanagers(notifier, res); });
}

}  // namespace promlite::server
