// Rules in the server: rule_files from prometheus.yml are evaluated, shown
// by /api/v1/rules and /api/v1/alerts, reloaded (a bad file keeps the old
// rules), and firing alerts reach a real Alertmanager (Debian's
// prometheus-alertmanager, when installed).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <filesystem>

#include "rules/notifier.h"
#include "server_fixture.h"

extern char** environ;

using nlohmann::json;
using promlite::testing::Eventually;
using promlite::testing::FreePort;
using promlite::testing::TempDir;
using promlite::testing::TestServer;

namespace {

constexpr const char* kRules = R"(groups:
  - name: recording
    interval: 500ms
    rules:
      - record: job:two
        expr: vector(2)
        labels:
          job: rec
  - name: alerts
    interval: 500ms
    limit: 10
    rules:
      - alert: AlwaysFiring
        expr: vector(7)
        labels:
          severity: page
        annotations:
          summary: "value is {{ $value }}"
      - alert: NeverFiresYet
        expr: vector(1)
        for: 1h
        keep_firing_for: 5m
)";

std::string Config(const std::string& extra = "") {
  return "global:\n  evaluation_interval: 1s\n  external_labels:\n    cluster: test\nrule_files:\n  - rules/*.yml\n" +
         extra;
}

void WriteRules(const TestServer& s, const std::string& text, const std::string& name = "main.yml") {
  std::filesystem::create_directories(std::filesystem::path(s.root()) / "rules");
  std::ofstream(std::filesystem::path(s.root()) / "rules" / name) << text;
}

std::set<std::string> Keys(const json& o) {
  std::set<std::string> k;
  for (auto it = o.begin(); it != o.end(); ++it) k.insert(it.key());
  return k;
}

const json* FindRule(const json& groups, const std::string& name) {
  for (const auto& g : groups) {
    for (const auto& r : g["rules"]) {
      if (r["name"] == name) return &r;
    }
  }
  return nullptr;
}

}  // namespace

TEST_CASE("Rules run in the server and show in /api/v1/rules and /api/v1/alerts", "[server][rules]") {
  TestServer s(Config());
  WriteRules(s, kRules);
  REQUIRE(s.Start().ok());

  // The recording rule writes into the DB.
  REQUIRE(Eventually(
      [&] {
        json q = s.GetJson("/api/v1/query?query=job:two");
        return q["data"]["result"].size() == 1 && q["data"]["result"][0]["value"][1] == "2";
      },
      10));
  json q = s.GetJson("/api/v1/query?query=job:two");
  CHECK(q["data"]["result"][0]["metric"] == json({{"__name__", "job:two"}, {"job", "rec"}}));
  // The always-firing alert is there, as an alert and as ALERTS.
  REQUIRE(Eventually(
      [&] { return s.GetJson("/api/v1/query?query=ALERTS%7Balertname%3D%22AlwaysFiring%22%7D")["data"]["result"].size() == 1; },
      10));
  CHECK(s.GetJson("/api/v1/query?query=ALERTS%7Balertname%3D%22AlwaysFiring%22%7D")["data"]["result"][0]["metric"]["alertstate"] ==
        "firing");

  json rules = s.GetJson("/api/v1/rules");
  CHECK(rules["status"] == "success");
  json groups = rules["data"]["groups"];
  REQUIRE(groups.size() == 2);
  const std::string file = (std::filesystem::path(s.root()) / "rules" / "main.yml").lexically_normal().string();
  CHECK(groups[0]["name"] == "alerts");  // sorted by file, then name
  CHECK(groups[1]["name"] == "recording");
  for (const auto& g : groups) {
    CHECK(Keys(g) == std::set<std::string>{"name", "file", "rules", "interval", "limit", "evaluationTime",
                                          "lastEvaluation"});
    CHECK(g["file"] == file);
    CHECK(g["interval"] == 0.5);
    CHECK(g["lastEvaluation"].get<std::string>() != "0001-01-01T00:00:00Z");
  }
  CHECK(groups[0]["limit"] == 10);

  const json* firing = FindRule(groups, "AlwaysFiring");
  REQUIRE(firing);
  CHECK(Keys(*firing) == std::set<std::string>{"state", "name", "query", "duration", "keepFiringFor", "labels",
                                               "annotations", "alerts", "health", "evaluationTime", "lastEvaluation",
                                               "type"});
  CHECK((*firing)["state"] == "firing");
  CHECK((*firing)["query"] == "vector(7)");
  CHECK((*firing)["duration"] == 0);
  CHECK((*firing)["labels"] == json({{"severity", "page"}}));
  CHECK((*firing)["annotations"] == json({{"summary", "value is {{ $value }}"}}));
  CHECK((*firing)["health"] == "ok");
  CHECK((*firing)["type"] == "alerting");
  REQUIRE((*firing)["alerts"].size() == 1);
  const json& alert = (*firing)["alerts"][0];
  CHECK(Keys(alert) == std::set<std::string>{"labels", "annotations", "state", "activeAt", "value"});
  CHECK(alert["labels"] == json({{"alertname", "AlwaysFiring"}, {"severity", "page"}}));
  CHECK(alert["annotations"] == json({{"summary", "value is 7"}}));
  CHECK(alert["value"] == "7e+00");
  CHECK(alert["state"] == "firing");

  const json* pending = FindRule(groups, "NeverFiresYet");
  REQUIRE(pending);
  CHECK((*pending)["state"] == "pending");
  CHECK((*pending)["duration"] == 3600);
  CHECK((*pending)["keepFiringFor"] == 300);

  const json* rec = FindRule(groups, "job:two");
  REQUIRE(rec);
  CHECK(Keys(*rec) ==
        std::set<std::string>{"name", "query", "labels", "health", "evaluationTime", "lastEvaluation", "type"});
  CHECK((*rec)["type"] == "recording");
  CHECK((*rec)["labels"] == json({{"job", "rec"}}));

  // Filters.
  json only_alerts = s.GetJson("/api/v1/rules?type=alert")["data"]["groups"];
  REQUIRE(only_alerts.size() == 1);
  CHECK(only_alerts[0]["rules"].size() == 2);
  json only_rec = s.GetJson("/api/v1/rules?type=record")["data"]["groups"];
  REQUIRE(only_rec.size() == 1);
  CHECK(only_rec[0]["name"] == "recording");
  json by_name = s.GetJson("/api/v1/rules?rule_name[]=NeverFiresYet")["data"]["groups"];
  REQUIRE(by_name.size() == 1);
  REQUIRE(by_name[0]["rules"].size() == 1);
  CHECK(by_name[0]["rules"][0]["name"] == "NeverFiresYet");
  CHECK(s.GetJson("/api/v1/rules?rule_group[]=recording")["data"]["groups"].size() == 1);
  CHECK(s.GetJson("/api/v1/rules?file[]=/nonexistent.yml")["data"]["groups"].empty());
  CHECK(s.GetJson("/api/v1/rules?exclude_alerts=true&type=alert")["data"]["groups"][0]["rules"][0]["alerts"].empty());
  json bad = s.GetJson("/api/v1/rules?type=both", 400);
  CHECK(bad["errorType"] == "bad_data");

  // /api/v1/alerts: every active alert, firing and pending.
  json alerts = s.GetJson("/api/v1/alerts")["data"]["alerts"];
  REQUIRE(alerts.size() == 2);
  std::set<std::string> states;
  for (const auto& a : alerts) states.insert(a["state"].get<std::string>());
  CHECK(states == std::set<std::string>{"firing", "pending"});

  // No Alertmanager configured.
  CHECK(s.GetJson("/api/v1/alertmanagers")["data"] ==
        json::parse(R"({"activeAlertmanagers":[],"droppedAlertmanagers":[]})"));

  // Rule metrics.
  auto m = s.Get("/metrics");
  REQUIRE(m);
  const std::string key = "rule_group=\"" + file + ";alerts\"";
  CHECK(m->body.find("prometheus_rule_evaluations_total{" + key + "}") != std::string::npos);
  CHECK(m->body.find("prometheus_rule_evaluation_failures_total{" + key + "} 0") != std::string::npos);
  CHECK(m->body.find("prometheus_rule_group_last_duration_seconds{" + key + "}") != std::string::npos);
  CHECK(m->body.find("prometheus_notifications_queue_length") != std::string::npos);
  CHECK(m->body.find("prometheus_notifications_dropped_total") != std::string::npos);
}

TEST_CASE("Reload: rules change with the config; a bad rule file rejects the reload", "[server][rules]") {
  TestServer s(Config(), {"--web.enable-lifecycle"});
  WriteRules(s, "groups:\n  - name: g\n    interval: 500ms\n    rules:\n      - record: first\n        expr: vector(1)\n");
  REQUIRE(s.Start().ok());
  auto names = [&] {
    std::set<std::string> out;
    const json groups = s.GetJson("/api/v1/rules")["data"]["groups"];
    for (const auto& g : groups) {
      for (const auto& r : g["rules"]) out.insert(r["name"].get<std::string>());
    }
    return out;
  };
  CHECK(names() == std::set<std::string>{"first"});

  WriteRules(s, "groups:\n  - name: g\n    rules:\n      - record: second\n        expr: sum(\n", "broken.yml");
  auto r = s.PostForm("/-/reload", {});
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->body.find("broken.yml: 5:15: group \"g\", rule 1, \"second\": could not parse expression") !=
        std::string::npos);
  CHECK(names() == std::set<std::string>{"first"});
  auto m = s.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("prometheus_config_last_reload_successful 0") != std::string::npos);

  WriteRules(s, "groups:\n  - name: h\n    interval: 500ms\n    rules:\n      - record: second\n        expr: vector(2)\n",
             "broken.yml");
  r = s.PostForm("/-/reload", {});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(names() == std::set<std::string>{"first", "second"});
  REQUIRE(Eventually([&] { return s.GetJson("/api/v1/query?query=second")["data"]["result"].size() == 1; }, 10));
}

TEST_CASE("A bad rule file stops the server from starting", "[server][rules]") {
  TestServer s(Config());
  WriteRules(s, "groups:\n  - name: g\n    rules:\n      - record: x\n        expr: up\n        for: 1m\n");
  absl::Status st = s.Start();
  CHECK_FALSE(st.ok());
  CHECK(std::string(st.message()).find("invalid field 'for' in recording rule") != std::string::npos);
}

namespace {

// Debian's Alertmanager on a loopback port, stopped (SIGTERM, then SIGKILL)
// when the object goes away.
class Alertmanager {
 public:
  static constexpr const char* kBinary = "/usr/bin/prometheus-alertmanager";

  explicit Alertmanager(const TempDir& dir) : port_(FreePort()) {
    std::string cfg = dir.str() + "/alertmanager.yml";
    std::ofstream(cfg) << "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n";
    std::filesystem::create_directories(dir.path() / "am-data");
    std::vector<std::string> args = {kBinary,
                                     "--config.file=" + cfg,
                                     "--storage.path=" + dir.str() + "/am-data",
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--cluster.listen-address=",
                                     "--log.level=warn"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kBinary, nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
  }
  ~Alertmanager() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; i++) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  bool started() const { return pid_ > 0; }
  int port() const { return port_; }

 private:
  int port_;
  pid_t pid_ = -1;
};

}  // namespace

TEST_CASE("Firing alerts reach a real Alertmanager", "[server][rules][alertmanager]") {
  if (!std::filesystem::exists(Alertmanager::kBinary)) {
    // Catch2 2.x has no SKIP: say why and pass.
    WARN("skipped: prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)");
    return;
  }
  TempDir am_dir;
  Alertmanager am(am_dir);
  REQUIRE(am.started());
  httplib::Client amc("127.0.0.1", am.port());
  amc.set_connection_timeout(1, 0);
  amc.set_read_timeout(5, 0);
  REQUIRE(Eventually([&] { auto r = amc.Get("/-/ready"); return r && r->status == 200; }, 15));

  TestServer s(Config("alerting:\n"
                      "  alert_relabel_configs:\n"
                      "    - target_label: relabeled\n"
                      "      replacement: \"yes\"\n"
                      "  alertmanagers:\n"
                      "    - timeout: 5s\n"
                      "      static_configs:\n"
                      "        - targets: ['127.0.0.1:" +
                      std::to_string(am.port()) + "']\n"),
               {});
  s.flags().web_external_url = "http://promlite.example:9090/";
  WriteRules(s, kRules);
  REQUIRE(s.Start().ok());

  CHECK(s.GetJson("/api/v1/alertmanagers")["data"]["activeAlertmanagers"] ==
        json::array({{{"url", "http://127.0.0.1:" + std::to_string(am.port()) + "/api/v2/alerts"}}}));

  json got;
  REQUIRE(Eventually(
      [&] {
        auto r = amc.Get("/api/v2/alerts");
        if (!r || r->status != 200) return false;
        got = json::parse(r->body, nullptr, false);
        return got.is_array() && got.size() == 1;
      },
      20));
  const json& a = got[0];
  // External labels and alert_relabel_configs were applied.
  CHECK(a["labels"] == json({{"alertname", "AlwaysFiring"}, {"cluster", "test"}, {"relabeled", "yes"},
                             {"severity", "page"}}));
  CHECK(a["annotations"] == json({{"summary", "value is 7"}}));
  CHECK(a["generatorURL"] == "http://promlite.example:9090/graph?g0.expr=vector%287%29&g0.tab=1");
  CHECK(a["status"]["state"] == "active");

  auto m = s.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("prometheus_notifications_sent_total{alertmanager=\"http://127.0.0.1:" +
                     std::to_string(am.port()) + "/api/v2/alerts\"}") != std::string::npos);
}

TEST_CASE("Notifier: bounded queue drops the oldest; external labels and relabeling; v2 JSON", "[server][rules]") {
  promlite::server::Registry reg;
  promlite::server::Notifier::Options o;
  o.queue_capacity = 3;
  o.registry = &reg;
  promlite::server::Notifier n(o);  // not running: alerts stay queued
  promlite::server::AlertingConfig cfg;
  YAML::Node relabel = YAML::Load("- source_labels: [alertname]\n  regex: Drop.*\n  action: drop\n");
  REQUIRE(promlite::server::ParseRelabelConfigs(relabel, "test", &cfg.alert_relabel_configs).ok());
  n.ApplyConfig(cfg, promlite::tsdb::Labels{{"cluster", "c1"}, {"team", "ext"}});
  auto alert = [](const std::string& name) {
    promlite::server::NotifierAlert a;
    a.labels = promlite::tsdb::Labels{{"alertname", name}, {"team", "own"}};
    return a;
  };
  n.Send({alert("A1"), alert("DropMe"), alert("A2")});
  CHECK(n.QueueLength() == 2);
  n.Send({alert("A3"), alert("A4")});
  CHECK(n.QueueLength() == 3);
  const std::string exposed = reg.Expose();
  CHECK(exposed.find("prometheus_notifications_dropped_total 1") != std::string::npos);
  CHECK(exposed.find("prometheus_notifications_queue_length 3") != std::string::npos);
  CHECK(exposed.find("prometheus_notifications_queue_capacity 3") != std::string::npos);

  promlite::server::NotifierAlert a = alert("X");
  a.annotations = {{"summary", "s \"q\""}};
  a.starts_at = 1700000000123;
  a.ends_at = 1700000060000;
  a.generator_url = "http://h/graph";
  CHECK(json::parse(promlite::server::EncodeAlertsV2({a})) ==
        json::parse(R"([{"labels":{"alertname":"X","team":"own"},"annotations":{"summary":"s \"q\""},
                        "startsAt":"2023-11-14T22:13:20.123Z","endsAt":"2023-11-14T22:14:20.000Z",
                        "generatorURL":"http://h/graph"}])"));

  // Bad alerting sections are errors with the line.
  promlite::server::AlertingConfig bad;
  auto st = promlite::server::ParseAlertingConfig(
      YAML::Load("alertmanagers:\n  - api_version: v1\n"), "prometheus.yml", &bad);
  CHECK(std::string(st.message()) ==
        "prometheus.yml:2: unsupported Alertmanager api_version v1 (only v2 is supported)");
  st = promlite::server::ParseAlertingConfig(YAML::Load("alertmanagers:\n  - sheme: http\n"), "prometheus.yml", &bad);
  CHECK(std::string(st.message()) == "prometheus.yml:2: field sheme not found in type config.AlertmanagerConfig");
}
