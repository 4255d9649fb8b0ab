#include <cstdlib>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "promlite/scrape/config.h"
#include "promlite/scrape/sd_configs.h"
#include "test_util.h"

using namespace promlite::scrape;

namespace {

std::string Err(std::string_view yaml) {
  auto c = LoadConfig(yaml, "prometheus.yml", "/etc/prometheus");
  REQUIRE(!c.ok());
  return std::string(c.status().message());
}

void Write(const std::filesystem::path& p, std::string_view s) {
  std::ofstream f(p);
  f << s;
}

}  // namespace

TEST_CASE("config: a typical prometheus.yml with defaults filled like Prometheus", "[config]") {
  setenv("PROMLITE_TEST_REGION", "eu-west", 1);
  const char* yml = R"(
global:
  scrape_interval: 15s
  evaluation_interval: 30s
  external_labels:
    region: ${PROMLITE_TEST_REGION}
    cost: $$5
rule_files: [rules.yml]
alerting:
  alertmanagers: [{static_configs: [{targets: [am:9093]}]}]
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['localhost:9090']
        labels: {env: prod}
  - job_name: node
    scrape_interval: 1m30s
    scrape_timeout: 2s
    metrics_path: /probe
    scheme: https
    honor_labels: true
    honor_timestamps: false
    params: {module: [http_2xx]}
    body_size_limit: 10MB
    sample_limit: 1000
    basic_auth: {username: u, password_file: pw.txt}
    tls_config: {ca_file: ca.pem, insecure_skip_verify: true, server_name: example.org}
    follow_redirects: false
    file_sd_configs:
      - files: ['targets/*.json']
        refresh_interval: 1m
    dns_sd_configs:
      - names: [_node._tcp.example.org]
    http_sd_configs:
      - url: http://sd.example.org/targets
    relabel_configs:
      - source_labels: [__address__]
        regex: '(.*):\d+'
        target_label: host
      - action: HashMod
        source_labels: [__address__]
        modulus: 4
        target_label: __tmp_shard
    metric_relabel_configs:
      - action: drop
        source_labels: [__name__]
        regex: go_.*
)";
  auto c = LoadConfig(yml, "prometheus.yml", "/etc/prometheus");
  REQUIRE(c.ok());
  CHECK(c->global.scrape_interval_ms == 15000);
  CHECK(c->global.scrape_timeout_ms == 10000);
  CHECK(c->global.evaluation_interval_ms == 30000);
  CHECK(c->global.external_labels.ToString() == "{cost=\"$5\", region=\"eu-west\"}");
  REQUIRE(c->scrape_configs.size() == 2);
  const ScrapeConfig& p = c->scrape_configs[0];
  CHECK(p.job_name == "prometheus");
  CHECK(p.scrape_interval_ms == 15000);
  CHECK(p.scrape_timeout_ms == 10000);
  CHECK(p.metrics_path == "/metrics");
  CHECK(p.scheme == "http");
  CHECK(p.honor_timestamps);
  CHECK(p.enable_compression);
  CHECK(p.http_client.follow_redirects);
  CHECK(p.metric_name_escaping_scheme == "allow-utf-8");
  CHECK(p.AcceptHeader() ==
        "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
        "application/openmetrics-text;version=0.0.1;q=0.5,"
        "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
        "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
  REQUIRE(p.service_discovery.configs.size() == 1);
  auto* st = dynamic_cast<const StaticConfig*>(p.service_discovery.configs[0].get());
  REQUIRE(st);
  REQUIRE(st->groups.size() == 1);
  CHECK(st->groups[0].targets[0].at("__address__") == "localhost:9090");
  CHECK(st->groups[0].labels.at("env") == "prod");

  const ScrapeConfig& n = c->scrape_configs[1];
  CHECK(n.scrape_interval_ms == 90000);
  CHECK(n.scrape_timeout_ms == 2000);
  CHECK(n.metrics_path == "/probe");
  CHECK(n.scheme == "https");
  CHECK(n.honor_labels);
  CHECK(!n.honor_timestamps);
  CHECK(n.params.at("module") == std::vector<std::string>{"http_2xx"});
  CHECK(n.body_size_limit == 10ull * 1024 * 1024);
  CHECK(n.sample_limit == 1000);
  REQUIRE(n.http_client.basic_auth);
  CHECK(n.http_client.basic_auth->password_file == "/etc/prometheus/pw.txt");
  CHECK(n.http_client.tls_config.ca_file == "/etc/prometheus/ca.pem");
  CHECK(n.http_client.tls_config.insecure_skip_verify);
  CHECK(!n.http_client.follow_redirects);
  REQUIRE(n.service_discovery.configs.size() == 3);
  auto* f = dynamic_cast<const FileSDConfig*>(n.service_discovery.configs[0].get());
  REQUIRE(f);
  CHECK(f->files == std::vector<std::string>{"/etc/prometheus/targets/*.json"});
  CHECK(f->refresh_interval_ms == 60000);
  auto* d = dynamic_cast<const DNSSDConfig*>(n.service_discovery.configs[1].get());
  REQUIRE(d);
  CHECK(d->type == "SRV");
  CHECK(d->refresh_interval_ms == 30000);
  auto* h = dynamic_cast<const HTTPSDConfig*>(n.service_discovery.configs[2].get());
  REQUIRE(h);
  CHECK(h->refresh_interval_ms == 60000);
  REQUIRE(n.relabel_configs.size() == 2);
  CHECK(n.relabel_configs[0].regex.pattern() == "(.*):\\d+");
  CHECK(n.relabel_configs[1].action == RelabelAction::kHashMod);
  CHECK(n.metric_relabel_configs.size() == 1);
}

TEST_CASE("config: empty and minimal files use Prometheus' defaults", "[config]") {
  auto c = LoadConfig("");
  REQUIRE(c.ok());
  CHECK(c->global.scrape_interval_ms == 60000);
  CHECK(c->global.scrape_timeout_ms == 10000);
  c = LoadConfig("global:\n  scrape_interval: 5s\nscrape_configs:\n- job_name: a\n");
  REQUIRE(c.ok());
  CHECK(c->global.scrape_timeout_ms == 5000);  // min(10s, interval)
  CHECK(c->scrape_configs[0].scrape_timeout_ms == 5000);
  CHECK(c->scrape_configs[0].service_discovery.configs.empty());
}

TEST_CASE("config: strict parsing reports file and line", "[config]") {
  CHECK(Err("scrape_configs:\n- job_name: a\n  scrape_intervall: 5s\n") ==
        "parsing YAML file prometheus.yml: line 3: field scrape_intervall not found in type config.ScrapeConfig");
  CHECK(Err("global:\n  scrape_interval: 5s\n  scrape_interval: 6s\n") ==
        "parsing YAML file prometheus.yml: line 3: key \"scrape_interval\" already set in map");
  CHECK(Err("scrape_configs:\n- job_name: a\n- job_name: b\n- job_name: a\n") ==
        "parsing YAML file prometheus.yml: line 4: found multiple scrape configs with job name \"a\", first found in "
        "prometheus.yml");
  CHECK(Err("scrape_configs:\n- job_name: a\n  scrape_interval: 5x\n") ==
        "parsing YAML file prometheus.yml: line 3: not a valid duration string: \"5x\"");
  CHECK(Err("scrape_configs:\n- job_name: a\n  relabel_configs:\n  - regex: '(a'\n") ==
        "parsing YAML file prometheus.yml: line 4: error parsing regexp: missing closing ): `^(?s:(a)$`");
  CHECK(Err("scrape_configs:\n- job_name: a\n  relabel_configs:\n  - action: hashmod\n    target_label: x\n") ==
        "parsing YAML file prometheus.yml: line 4: relabel configuration for hashmod requires non-zero modulus");
  CHECK(Err("scrape_configs:\n- job_name: a\n  sample_limit: lots\n") ==
        "parsing YAML file prometheus.yml: line 3: cannot unmarshal !!str `lots` into uint");
  CHECK(Err("scrape_configs:\n- job_name: a\n  scrape_interval: 5s\n  scrape_timeout: 10s\n") ==
        "parsing YAML file prometheus.yml: line 4: scrape timeout greater than scrape interval for scrape config with "
        "job name \"a\"");
  CHECK(Err("scrape_configs:\n- scrape_interval: 5s\n") == "parsing YAML file prometheus.yml: line 2: job_name is empty");
  CHECK(Err("bogus: 1\n") == "parsing YAML file prometheus.yml: line 1: field bogus not found in type config.plain");
  CHECK(Err("scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: ['http://x:1/metrics']\n") ==
        "parsing YAML file prometheus.yml: line 2: \"http://x:1/metrics\" is not a valid hostname");
  CHECK(Err("scrape_configs:\n- job_name: a\n  static_configs:\n  - targets: [a:1]\n    lables: {}\n") ==
        "parsing YAML file prometheus.yml: line 5: field lables not found in type targetgroup.Group");
  CHECK(Err("scrape_configs:\n- job_name: a\n  kubernetes_sd_configs:\n  - role: pod\n") ==
        "parsing YAML file prometheus.yml: line 4: kubernetes_sd_configs is not supported by promlite yet");
  CHECK(Err("scrape_configs:\n- job_name: a\n  body_size_limit: 10 apples\n") ==
        "parsing YAML file prometheus.yml: line 3: units: unknown unit  apples in 10 apples");
  CHECK(Err("scrape_configs:\n- job_name: a\n  scrape_protocols: [PrometheusText0.0.4, PrometheusText0.0.4]\n") ==
        "parsing YAML file prometheus.yml: line 3: duplicated protocol in scrape_protocols, got [PrometheusText0.0.4 "
        "PrometheusText0.0.4]");
  CHECK(Err("scrape_configs:\n- job_name: a\n  basic_auth: {username: a}\n  bearer_token: x\n") ==
        "parsing YAML file prometheus.yml: line 2: at most one of basic_auth, oauth2, bearer_token & bearer_token_file "
        "must be configured");
  CHECK(Err("scrape_configs:\n- job_name: a\n  dns_sd_configs: [{names: [x], type: A}]\n") ==
        "parsing YAML file prometheus.yml: line 3: a port is required in DNS-SD configs for all record types except SRV");
  CHECK(Err("scrape_configs:\n- job_name: a\n  file_sd_configs: [{files: [x.txt]}]\n") ==
        "parsing YAML file prometheus.yml: line 3: path name \"x.txt\" is not valid for file discovery");
  CHECK(Err("scrape_configs:\n- job_name: a\n  http_sd_configs: [{url: 'ftp://x'}]\n") ==
        "parsing YAML file prometheus.yml: line 3: URL scheme must be 'http' or 'https'");
  CHECK(Err("global:\n  external_labels: {\"\": x}\n") ==
        "parsing YAML file prometheus.yml: line 2: \"\" is not a valid label name");
  CHECK(Err("scrape_configs:\n- job_name: a\n  honor_labels: \"true\"\n") ==
        "parsing YAML file prometheus.yml: line 3: cannot unmarshal !!str `true` into bool");
  CHECK_THAT(Err("scrape_configs: [\n"), Catch::StartsWith("parsing YAML file prometheus.yml: line 2: yaml: "));
  CHECK(Err("global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n") ==
        "parsing YAML file prometheus.yml: line 2: global scrape timeout greater than scrape interval");
}

TEST_CASE("config: YAML merge keys and anchors work as in Go", "[config]") {
  auto c = LoadConfig(R"(
scrape_configs:
- &base
  job_name: a
  scrape_interval: 7s
- <<: *base
  job_name: b
)");
  REQUIRE(c.ok());
  REQUIRE(c->scrape_configs.size() == 2);
  CHECK(c->scrape_configs[1].job_name == "b");
  CHECK(c->scrape_configs[1].scrape_interval_ms == 7000);
}

TEST_CASE("config: scrape_config_files are globbed relative to the config", "[config]") {
  promlite::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "jobs");
  Write(dir.path() / "prometheus.yml",
        "global: {scrape_interval: 20s}\nscrape_config_files: [jobs/*.yml]\nscrape_configs:\n- job_name: main\n");
  Write(dir.path() / "jobs" / "a.yml", "scrape_configs:\n- job_name: extra\n  tls_config: {ca_file: ca.pem}\n");
  auto c = LoadConfigFile((dir.path() / "prometheus.yml").string());
  REQUIRE(c.ok());
  REQUIRE(c->scrape_configs.size() == 2);
  CHECK(c->scrape_configs[1].job_name == "extra");
  CHECK(c->scrape_configs[1].scrape_interval_ms == 20000);
  CHECK(c->scrape_configs[1].http_client.tls_config.ca_file == (dir.path() / "jobs" / "ca.pem").string());

  Write(dir.path() / "jobs" / "b.yml", "scrape_configs:\n- job_name: main\n");
  auto bad = LoadConfigFile((dir.path() / "prometheus.yml").string());
  REQUIRE(!bad.ok());
  CHECK_THAT(std::string(bad.status().message()),
             Catch::Contains("b.yml: line 2: found multiple scrape configs with job name \"main\", first found in"));
  Write(dir.path() / "jobs" / "b.yml", "scrape_configs: []\nglobal: {}\n");
  bad = LoadConfigFile((dir.path() / "prometheus.yml").string());
  REQUIRE(!bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("field global not found in type config.ScrapeConfigs"));
}

TEST_CASE("config: equality drives reloads", "[config]") {
  const char* a = "scrape_configs:\n- job_name: a\n  static_configs: [{targets: [x:1]}]\n";
  auto c1 = LoadConfig(a);
  auto c2 = LoadConfig(a);
  REQUIRE(c1.ok());
  REQUIRE(c2.ok());
  CHECK(c1->scrape_configs[0] == c2->scrape_configs[0]);
  auto c3 = LoadConfig("scrape_configs:\n- job_name: a\n  static_configs: [{targets: [x:2]}]\n");
  CHECK(!(c1->scrape_configs[0] == c3->scrape_configs[0]));
}

TEST_CASE("ParseBase2Bytes uses powers of 1024 like Prometheus", "[config]") {
  CHECK(*ParseBase2Bytes("0") == 0);
  CHECK(*ParseBase2Bytes("1B") == 1);
  CHECK(*ParseBase2Bytes("1KB") == 1024);
  CHECK(*ParseBase2Bytes("1KiB") == 1024);
  CHECK(*ParseBase2Bytes("1.5MB") == 1572864);
  CHECK(*ParseBase2Bytes("1GB512MB") == 1610612736);
  CHECK(!ParseBase2Bytes("12").ok());
  CHECK(!ParseBase2Bytes("1kb").ok());
  CHECK(!ParseBase2Bytes("-1MB").ok());
}
