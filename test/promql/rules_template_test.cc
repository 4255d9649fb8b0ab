// Alert templates: Go text/template with Prometheus' functions, as alert
// labels and annotations use them. Expected outputs are what Prometheus
// prints for the same templates.
#include <catch2/catch.hpp>

#include "absl/strings/match.h"
#include "promlite/promql/template.h"
#include "promlite/tsdb/labels.h"

namespace promlite::promql {
namespace {

std::string Expand(std::string_view text, const AlertTemplateData& data = {}, const TemplateEnv& env = {}) {
  auto t = AlertTemplate::Parse("Test", text);
  if (!t.ok()) return "parse error: " + std::string(t.status().message());
  auto s = t->Expand(data, env);
  if (!s.ok()) return "exec error: " + std::string(s.status().message());
  return *s;
}

AlertTemplateData Data() {
  AlertTemplateData d;
  d.labels = {{"instance", "host1:9100"}, {"job", "node"}};
  d.external_labels = {{"cluster", "eu1"}};
  d.external_url = "http://prom.example:9090/prefix";
  d.value = 1234.5678;
  return d;
}

TEST_CASE("templates: labels, value and external data", "[rules][template]") {
  AlertTemplateData d = Data();
  CHECK(Expand("plain text", d) == "plain text");
  CHECK(Expand("{{ $labels.instance }} of {{ $labels.job }}", d) == "host1:9100 of node");
  CHECK(Expand("{{ .Labels.job }}/{{ $externalLabels.cluster }}/{{ .ExternalLabels.cluster }}", d) == "node/eu1/eu1");
  CHECK(Expand("{{ $externalURL }}", d) == "http://prom.example:9090/prefix");
  CHECK(Expand("{{ $value }}", d) == "1234.5678");
  CHECK(Expand("{{ .Value }}", d) == "1234.5678");
  // Prometheus runs templates with missingkey=zero.
  CHECK(Expand("[{{ $labels.missing }}]", d) == "[]");
  CHECK(Expand("{{ if gt $value 1000.0 }}big{{ else }}small{{ end }}", d) == "big");
  CHECK(Expand("{{ range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end }}", d) == "instance=host1:9100;job=node;");
  CHECK(Expand("{{- \"  trimmed  \" -}} x", d) == "  trimmed  x");
  CHECK(Expand("{{/* a comment */}}ok", d) == "ok");
  CHECK(Expand("{{ $x := 3 }}{{ $x }}{{ $x = 4 }}{{ $x }}", d) == "34");
  CHECK(Expand("{{ printf \"%.2f|%5s|%d\" $value \"ab\" 42 }}", d) == "1234.57|   ab|42");
  CHECK(Expand("{{ index $labels \"job\" }} {{ len $labels }}", d) == "node 2");
}

TEST_CASE("templates: Prometheus humanize functions", "[rules][template]") {
  CHECK(Expand("{{ 1234567.0 | humanize }}") == "1.235M");
  CHECK(Expand("{{ 0.00123 | humanize }}") == "1.23m");
  CHECK(Expand("{{ 0 | humanize }}") == "0");
  CHECK(Expand("{{ 1048576 | humanize1024 }}") == "1Mi");
  CHECK(Expand("{{ 93784 | humanizeDuration }}") == "1d 2h 3m 4s");
  CHECK(Expand("{{ 0.25 | humanizeDuration }}") == "250ms");
  CHECK(Expand("{{ 0.5 | humanizePercentage }}") == "50%");
  CHECK(Expand("{{ 1435065584.128 | humanizeTimestamp }}") == "2015-06-23 13:19:44.128 +0000 UTC");
  CHECK(Expand("{{ \"1h30m\" | parseDuration }}") == "5400");
  CHECK(Expand("{{ \"host1:9100\" | stripPort }}") == "host1");
  CHECK(Expand("{{ \"a.b.example.com:80\" | stripDomain }}") == "a:80");
  CHECK(Expand("{{ \"hello world\" | title }} {{ \"Ab\" | toUpper }} {{ \"Ab\" | toLower }}") == "Hello World AB ab");
  CHECK(Expand("{{ reReplaceAll \"(a*)b\" \"x$1\" \"aab\" }}") == "xaa");
  CHECK(Expand("{{ match \"^node\" \"node_exporter\" }}") == "true");
  CHECK(Expand("{{ \"a b&c\" | urlQueryEscape }}") == "a+b%26c");
}

TEST_CASE("templates: query, first, label, value, sortByLabel", "[rules][template]") {
  TemplateEnv env;
  env.timestamp_ms = 5000;
  std::string seen_query;
  int64_t seen_ts = 0;
  env.query = [&](std::string_view q, int64_t ts) -> absl::StatusOr<Vector> {
    seen_query = std::string(q);
    seen_ts = ts;
    Vector v;
    v.push_back(Sample{tsdb::Labels{{"__name__", "up"}, {"instance", "b"}}, ts, 0});
    v.push_back(Sample{tsdb::Labels{{"__name__", "up"}, {"instance", "a"}}, ts, 1});
    return v;
  };
  CHECK(Expand("{{ with query \"up\" }}{{ . | first | value }}{{ end }}", {}, env) == "0");
  CHECK(seen_query == "up");
  CHECK(seen_ts == 5000);
  CHECK(Expand("{{ range query \"up\" | sortByLabel \"instance\" }}{{ .Labels.instance }}={{ .Value }} {{ end }}", {},
               env) == "a=1 b=0 ");
  CHECK(Expand("{{ query \"up\" | first | label \"instance\" }}", {}, env) == "b");
  TemplateEnv no_query;
  CHECK(absl::StrContains(Expand("{{ query \"up\" }}", {}, no_query), "exec error"));
}

TEST_CASE("templates: errors read like Go's and never crash", "[rules][template]") {
  CHECK(Expand("{{ $labels.x ") == "parse error: template: __alert_Test:1: unclosed action");
  CHECK(Expand("{{ humanise 1 }}") == "parse error: template: __alert_Test:1: function \"humanise\" not defined");
  CHECK(absl::StartsWith(Expand("{{ humanize \"abc\" }}"), "exec error: error executing template __alert_Test: "));
  const char* bad[] = {"{{", "}}", "{{ end }}", "{{ if }}", "{{ range }}{{ end }}", "{{ template \"x\" }}",
                       "{{ define \"x\" }}{{ end }}", "{{ 1 2 }}", "{{ (1 }}", "{{ $nope }}", "{{ index 1 2 }}",
                       "{{ slice \"abc\" 2 1 }}", "{{ printf \"%z\" 1 }}", "{{ .Labels.job.x }}", "{{ break }}",
                       "{{ 'ab' }}", "{{ 1e999 }}", "{{ \"\\q\" }}"};
  for (const char* b : bad) {
    INFO(b);
    std::string out = Expand(b, Data());
    CHECK(!out.empty());
  }
}

}  // namespace
}  // namespace promlite::promql
