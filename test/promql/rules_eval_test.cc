// Rule groups at run time: recording rules write samples, alerting rules go
// pending -> firing -> (kept firing) -> resolved and write ALERTS /
// ALERTS_FOR_STATE, series that disappear get staleness markers, a reload
// keeps state, and the manager schedules and reloads groups.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "engine_testutil.h"
#include "promlite/promql/parser.h"
#include "promlite/promql/rules.h"
#include "promlite/tsdb/db.h"
#include "test_util.h"

namespace promlite::promql {
namespace {

using enginetest::Num;
constexpr int64_t kMin = 60 * 1000;
// A round time well after the epoch, so ALERTS_FOR_STATE values are real.
constexpr int64_t kT0 = 1'700'000'000'000;

struct Point {
  int64_t t;
  double v;
};
bool operator==(const Point& a, const Point& b) {
  return a.t == b.t && (a.v == b.v || (std::isnan(a.v) && std::isnan(b.v)));
}

// Every raw sample of the series matching `selector` in [mint, maxt],
// keyed by the series' labels.
std::map<std::string, std::vector<Point>> Raw(tsdb::Queryable* q, std::string_view selector,
                                              int64_t mint = kT0 - 3600 * 1000, int64_t maxt = kT0 + 3600 * 1000) {
  std::map<std::string, std::vector<Point>> out;
  auto ms = ParseMetricSelector(selector);
  REQUIRE(ms.ok());
  auto qr = q->NewQuerier(mint, maxt);
  REQUIRE(qr.ok());
  auto set = (*qr)->Select(true, nullptr, *ms);
  while (set->Next()) {
    auto it = set->At().Iterator();
    auto& pts = out[set->At().labels().ToString()];
    while (it->Next()) pts.push_back({it->AtT(), it->AtV()});
  }
  REQUIRE(set->Err().ok());
  return out;
}

// Writes samples in one commit.
void Write(tsdb::DB* db, int64_t t, const std::vector<std::pair<std::string, double>>& samples) {
  auto app = db->NewAppender();
  for (const auto& [text, v] : samples) {
    tsdb::Labels l;
    REQUIRE(tsdb::Labels::Parse(text, &l).ok());
    REQUIRE(app->Append(0, l, t, v).ok());
  }
  REQUIRE(app->Commit().ok());
}

// A rule manager over an in-memory DB whose groups are evaluated by hand
// (Run is never called, so no thread evaluates on its own).
struct Fixture {
  std::unique_ptr<tsdb::DB> db = tsdb::DB::OpenInMemory();
  Engine engine{EngineOptions::ForTests()};
  testing::TempDir dir;
  std::vector<std::pair<std::string, std::vector<Alert>>> sent;
  std::mutex sent_mu;
  std::unique_ptr<RuleManager> mgr;

  Fixture() {
    RuleManagerOptions o;
    o.engine = &engine;
    o.queryable = db.get();
    o.appendable = db.get();
    o.notify = [this](std::string_view expr, const std::vector<Alert>& alerts) {
      std::lock_guard<std::mutex> l(sent_mu);
      if (!alerts.empty()) sent.emplace_back(std::string(expr), alerts);
    };
    mgr = std::make_unique<RuleManager>(std::move(o));
  }

  std::string WriteFile(std::string_view name, std::string_view text) {
    std::string path = (dir.path() / std::string(name)).string();
    std::ofstream(path) << text;
    return path;
  }

  absl::Status Load(std::string_view text, int64_t interval = kMin) {
    return mgr->Update(interval, {WriteFile("rules.yml", text)}, tsdb::Labels{{"cluster", "c1"}},
                       "http://prom.example", 0);
  }

  std::shared_ptr<RuleGroup> Group(size_t i = 0) {
    auto gs = mgr->RuleGroups();
    REQUIRE(gs.size() > i);
    return gs[i];
  }
};

TEST_CASE("recording rules write samples; later rules see earlier ones", "[rules]") {
  Fixture f;
  Write(f.db.get(), kT0, {{"x{a=\"1\"}", 1}, {"x{a=\"2\"}", 2}});
  REQUIRE(f.Load(R"(groups:
  - name: rec
    labels:
      team: t
    rules:
      - record: x:sum
        expr: sum(x)
      - record: x:sum2
        expr: x:sum * 2
      - record: x:copy
        expr: x
        labels:
          src: rec
)").ok());
  auto g = f.Group();
  g->Eval(kT0);
  CHECK(Raw(f.db.get(), "{__name__=~\"x:.*\"}") ==
        std::map<std::string, std::vector<Point>>{
            {"x:copy{a=\"1\", src=\"rec\", team=\"t\"}", {{kT0, 1}}},
            {"x:copy{a=\"2\", src=\"rec\", team=\"t\"}", {{kT0, 2}}},
            {"x:sum{team=\"t\"}", {{kT0, 3}}},
            {"x:sum2{team=\"t\"}", {{kT0, 6}}},
        });
  for (const auto& r : g->rules()) {
    CHECK(r->status().health == RuleHealth::kGood);
    CHECK(r->status().last_eval != kNoTime);
  }
  CHECK(g->rules()[1]->query() == "x:sum * 2");
  RuleGroupMetrics m = g->metrics();
  CHECK(m.evaluations_total == 3);
  CHECK(m.evaluation_failures_total == 0);
  CHECK(m.last_evaluation_samples == 4);
}

TEST_CASE("a series a recording rule stops producing gets a staleness marker", "[rules]") {
  Fixture f;
  REQUIRE(f.Load("groups:\n  - name: rec\n    rules:\n      - record: y\n        expr: x\n").ok());
  auto g = f.Group();
  Write(f.db.get(), kT0, {{"x{a=\"1\"}", 1}, {"x{a=\"2\"}", 2}});
  g->Eval(kT0);
  // x{a="2"} goes away (the scrape wrote a staleness marker).
  Write(f.db.get(), kT0 + kMin, {{"x{a=\"1\"}", 10}, {"x{a=\"2\"}", tsdb::StaleNaN()}});
  g->Eval(kT0 + kMin);
  auto raw = Raw(f.db.get(), "y");
  REQUIRE(raw.size() == 2);
  CHECK(raw["y{a=\"1\"}"] == std::vector<Point>{{kT0, 1}, {kT0 + kMin, 10}});
  auto& gone = raw["y{a=\"2\"}"];
  REQUIRE(gone.size() == 2);
  CHECK(gone[0].v == 2);
  CHECK(gone[1].t == kT0 + kMin);
  CHECK(tsdb::IsStaleNaN(gone[1].v));
  // Only once: a later evaluation does not repeat the marker.
  Write(f.db.get(), kT0 + 2 * kMin, {{"x{a=\"1\"}", 11}});
  g->Eval(kT0 + 2 * kMin);
  CHECK(Raw(f.db.get(), "y{a=\"2\"}").begin()->second.size() == 2);
}

TEST_CASE("alerting rule: pending, firing, keep_firing_for, resolved; ALERTS series", "[rules]") {
  Fixture f;
  REQUIRE(f.Load(R"Y(groups:
  - name: alerts
    rules:
      - alert: Backlog
        expr: queue_depth > 100
        for: 2m
        keep_firing_for: 2m
        labels:
          severity: "{{ if gt $value 500.0 }}page{{ else }}ticket{{ end }}"
        annotations:
          summary: "{{ $labels.queue }} holds {{ $value | humanize }} items ({{ $externalLabels.cluster }})"
)Y").ok());
  auto g = f.Group();
  auto rule = std::static_pointer_cast<AlertingRule>(g->rules()[0]);
  CHECK(rule->State() == AlertState::kUnknown);
  g->RestoreForState(kT0);  // nothing to restore; ALERTS may be written

  // t0..t0+3m the condition holds; from t0+4m the queue is empty.
  for (int i = 0; i <= 3; i++) Write(f.db.get(), kT0 + i * kMin, {{"queue_depth{queue=\"q1\"}", 200 + i}});
  for (int i = 4; i <= 8; i++) Write(f.db.get(), kT0 + i * kMin, {{"queue_depth{queue=\"q1\"}", 0}});

  g->Eval(kT0);
  CHECK(rule->State() == AlertState::kPending);
  auto active = rule->ActiveAlerts();
  REQUIRE(active.size() == 1);
  CHECK(active[0].labels.ToString() == "{alertname=\"Backlog\", queue=\"q1\", severity=\"ticket\"}");
  CHECK(active[0].annotations ==
        std::vector<std::pair<std::string, std::string>>{{"summary", "q1 holds 200 items (c1)"}});
  CHECK(active[0].active_at == kT0);
  CHECK(f.sent.empty());  // pending alerts are not sent

  g->Eval(kT0 + kMin);
  CHECK(rule->State() == AlertState::kPending);
  g->Eval(kT0 + 2 * kMin);
  CHECK(rule->State() == AlertState::kFiring);
  active = rule->ActiveAlerts();
  REQUIRE(active.size() == 1);
  CHECK(active[0].fired_at == kT0 + 2 * kMin);
  CHECK(active[0].value == 202);
  CHECK(active[0].annotations[0].second == "q1 holds 202 items (c1)");
  REQUIRE(f.sent.size() == 1);
  CHECK(f.sent[0].first == "queue_depth > 100");
  CHECK(f.sent[0].second[0].state == AlertState::kFiring);
  CHECK(f.sent[0].second[0].resolved_at == kNoTime);
  CHECK(f.sent[0].second[0].valid_until == kT0 + 2 * kMin + 4 * kMin);

  g->Eval(kT0 + 3 * kMin);
  g->Eval(kT0 + 4 * kMin);  // condition false: kept firing (since t0+4m)
  CHECK(rule->State() == AlertState::kFiring);
  CHECK(rule->ActiveAlerts().size() == 1);
  g->Eval(kT0 + 5 * kMin);
  CHECK(rule->State() == AlertState::kFiring);
  g->Eval(kT0 + 6 * kMin);  // 2m after the condition cleared: resolved
  CHECK(rule->State() == AlertState::kInactive);
  CHECK(rule->ActiveAlerts().empty());
  auto current = rule->CurrentAlerts();
  REQUIRE(current.size() == 1);
  CHECK(current[0].resolved_at == kT0 + 6 * kMin);
  // Firing alerts are resent after the resend delay (1m) has passed; the
  // resolution is sent at once.
  REQUIRE(f.sent.size() == 3);
  CHECK(f.sent[1].second[0].last_sent_at == kT0 + 4 * kMin);
  CHECK(f.sent[2].second[0].state == AlertState::kInactive);
  CHECK(f.sent[2].second[0].resolved_at == kT0 + 6 * kMin);

  // ALERTS: pending for 0..1m, firing 2m..5m, nothing once resolved.
  auto alerts = Raw(f.db.get(), "ALERTS");
  const std::string pending = "ALERTS{alertname=\"Backlog\", alertstate=\"pending\", queue=\"q1\", severity=\"ticket\"}";
  const std::string firing = "ALERTS{alertname=\"Backlog\", alertstate=\"firing\", queue=\"q1\", severity=\"ticket\"}";
  REQUIRE(alerts.size() == 2);
  REQUIRE(alerts[pending].size() == 3);
  CHECK(alerts[pending][0] == Point{kT0, 1});
  CHECK(alerts[pending][1] == Point{kT0 + kMin, 1});
  // When the alert fires, its pending series goes stale.
  CHECK(alerts[pending][2].t == kT0 + 2 * kMin);
  CHECK(tsdb::IsStaleNaN(alerts[pending][2].v));
  REQUIRE(alerts[firing].size() == 5);
  for (int i = 0; i < 4; i++) CHECK(alerts[firing][i] == Point{kT0 + (2 + i) * kMin, 1});
  CHECK(alerts[firing][4].t == kT0 + 6 * kMin);
  CHECK(tsdb::IsStaleNaN(alerts[firing][4].v));

  auto for_state = Raw(f.db.get(), "ALERTS_FOR_STATE");
  REQUIRE(for_state.size() == 1);
  CHECK(for_state.begin()->first == "ALERTS_FOR_STATE{alertname=\"Backlog\", queue=\"q1\", severity=\"ticket\"}");
  REQUIRE(for_state.begin()->second.size() == 7);
  CHECK(for_state.begin()->second[0] == Point{kT0, static_cast<double>(kT0 / 1000)});
  CHECK(for_state.begin()->second[5] == Point{kT0 + 5 * kMin, static_cast<double>(kT0 / 1000)});
}

TEST_CASE("alerting rule: a pending alert whose condition clears is dropped", "[rules]") {
  Fixture f;
  REQUIRE(f.Load("groups:\n  - name: a\n    rules:\n      - alert: A\n        expr: v > 0\n        for: 5m\n").ok());
  auto g = f.Group();
  auto rule = std::static_pointer_cast<AlertingRule>(g->rules()[0]);
  Write(f.db.get(), kT0, {{"v", 1}});
  Write(f.db.get(), kT0 + kMin, {{"v", 0}});
  g->Eval(kT0);
  CHECK(rule->State() == AlertState::kPending);
  g->Eval(kT0 + kMin);
  CHECK(rule->State() == AlertState::kInactive);
  CHECK(rule->CurrentAlerts().empty());
  CHECK(f.sent.empty());
}

TEST_CASE("rule errors: duplicate label sets and limits mark the rule unhealthy", "[rules]") {
  Fixture f;
  Write(f.db.get(), kT0, {{"x{a=\"1\"}", 1}, {"x{a=\"2\"}", 2}, {"x{a=\"3\"}", 3}});
  REQUIRE(f.Load(R"(groups:
  - name: g
    limit: 2
    rules:
      - record: dup
        expr: x
        labels:
          a: same
      - record: many
        expr: x
      - alert: TooMany
        expr: x > 0
      - record: ok
        expr: sum(x)
)").ok());
  auto g = f.Group();
  g->Eval(kT0);
  const auto& rules = g->rules();
  CHECK(rules[0]->status().health == RuleHealth::kBad);
  CHECK(rules[0]->status().last_error == "vector contains metrics with the same labelset after applying rule labels");
  CHECK(rules[1]->status().health == RuleHealth::kBad);
  CHECK(rules[1]->status().last_error == "exceeded limit of 2 with 3 series");
  CHECK(rules[2]->status().last_error == "exceeded limit of 2 with 3 alerts");
  CHECK(rules[3]->status().health == RuleHealth::kGood);
  CHECK(g->metrics().evaluation_failures_total == 3);
  CHECK(Raw(f.db.get(), "{__name__=~\"dup|many\"}").empty());
  CHECK(Raw(f.db.get(), "ok").size() == 1);
}

TEST_CASE("reload: a changed group keeps alert state; removed rules' series go stale", "[rules]") {
  Fixture f;
  const char* v1 = R"(groups:
  - name: g
    rules:
      - record: r_kept
        expr: v
      - record: r_removed
        expr: v * 2
      - alert: A
        expr: v > 0
        for: 1m
)";
  REQUIRE(f.Load(v1).ok());
  auto g1 = f.Group();
  for (int i = 0; i <= 5; i++) Write(f.db.get(), kT0 + i * kMin, {{"v", 1}});
  g1->Eval(kT0);
  g1->Eval(kT0 + kMin);
  auto a1 = std::static_pointer_cast<AlertingRule>(g1->rules()[2]);
  REQUIRE(a1->State() == AlertState::kFiring);

  // Same file again: the group object is kept as it is.
  REQUIRE(f.Load(v1).ok());
  CHECK(f.Group().get() == g1.get());

  // A changed group (one rule removed, an annotation added) takes over.
  REQUIRE(f.Load(R"(groups:
  - name: g
    rules:
      - record: r_kept
        expr: v
      - alert: A
        expr: v > 0
        for: 1m
        annotations:
          note: new
)").ok());
  auto g2 = f.Group();
  REQUIRE(g2.get() != g1.get());
  auto a2 = std::static_pointer_cast<AlertingRule>(g2->rules()[1]);
  auto kept = a2->ActiveAlerts();
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].state == AlertState::kFiring);
  CHECK(kept[0].active_at == kT0);
  CHECK(g2->metrics().evaluations_total == g1->metrics().evaluations_total);

  g2->Eval(kT0 + 2 * kMin);
  CHECK(a2->State() == AlertState::kFiring);
  CHECK(a2->ActiveAlerts()[0].active_at == kT0);
  CHECK(a2->ActiveAlerts()[0].annotations[0] == std::pair<std::string, std::string>{"note", "new"});
  // The removed rule's series got a marker; the kept one continued.
  auto removed = Raw(f.db.get(), "r_removed").begin()->second;
  REQUIRE(removed.size() == 3);
  CHECK(tsdb::IsStaleNaN(removed[2].v));
  CHECK(removed[2].t == kT0 + 2 * kMin);
  CHECK(Raw(f.db.get(), "r_kept").begin()->second.size() == 3);

  // A bad file rejects the whole update; the running groups stay.
  absl::Status bad = f.Load("groups:\n  - name: g\n    rules:\n      - record: r\n        expr: sum(\n");
  CHECK(bad.code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(bad.message(), "could not parse expression"));
  CHECK(f.Group().get() == g2.get());
}

TEST_CASE("restart: `for` state is restored from ALERTS_FOR_STATE", "[rules]") {
  Fixture f;
  const int64_t now = kT0 + 30 * kMin;
  // The alert had been active since t0 when the server went down at
  // t0+20m, ten minutes before this start.
  for (int i = 0; i <= 20; i++) {
    Write(f.db.get(), kT0 + i * kMin,
          {{"ALERTS_FOR_STATE{alertname=\"Slow\", job=\"j\"}", static_cast<double>(kT0 / 1000)}, {"v{job=\"j\"}", 1}});
  }
  Write(f.db.get(), now, {{"v{job=\"j\"}", 1}});
  REQUIRE(f.Load("groups:\n  - name: g\n    rules:\n      - alert: Slow\n        expr: v > 0\n        for: 1h\n").ok());
  auto g = f.Group();
  auto rule = std::static_pointer_cast<AlertingRule>(g->rules()[0]);
  CHECK_FALSE(rule->restored());
  g->Eval(now);
  // Before restoring, no ALERTS samples are written.
  CHECK(Raw(f.db.get(), "ALERTS", now, now).empty());
  g->RestoreForState(now);
  CHECK(rule->restored());
  auto a = rule->ActiveAlerts();
  REQUIRE(a.size() == 1);
  // Active 20m before the outage: 40m of `for` remain, counted from now.
  CHECK(a[0].active_at == now - 20 * kMin);
}

TEST_CASE("rule manager: groups run on their interval and stop cleanly", "[rules]") {
  Fixture f;
  const int64_t start = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  REQUIRE(f.Load("groups:\n  - name: fast\n    interval: 100ms\n    rules:\n      - record: one\n        expr: vector(1)\n")
              .ok());
  f.mgr->Run();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::map<std::string, std::vector<Point>> raw;
  while (std::chrono::steady_clock::now() < deadline) {
    raw = Raw(f.db.get(), "one", start - 1000, start + 60000);
    if (!raw.empty() && raw.begin()->second.size() >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(raw.size() == 1);
  const auto& pts = raw.begin()->second;
  REQUIRE(pts.size() >= 3);
  // Evaluations land on the group's 100ms slots.
  CHECK((pts[1].t - pts[0].t) % 100 == 0);
  // Slots are in nanoseconds; sample times are their milliseconds, floored.
  CHECK(f.Group()->EvalTimestamp(pts[0].t + 1) == pts[0].t);
  auto g = f.Group();
  CHECK(g->metrics().iterations_total >= 3);
  CHECK(g->last_evaluation() != kNoTime);
  f.mgr->Stop();
  f.mgr->Stop();
  const size_t n = Raw(f.db.get(), "one", start - 1000, start + 60000).begin()->second.size();
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  CHECK(Raw(f.db.get(), "one", start - 1000, start + 60000).begin()->second.size() == n);
}

}  // namespace
}  // namespace promlite::promql
