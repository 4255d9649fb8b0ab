// Rule files: parsing, validation errors with promtool's texts and
// positions (checked against Debian's promtool 2.42), rule_files globs.
#include <catch2/catch.hpp>

#include <fstream>

#include "absl/strings/match.h"

#include "promlite/promql/rules.h"
#include "test_util.h"

namespace promlite::promql {
namespace {

std::vector<std::string> Errors(std::string_view text, const RuleFileOptions& opts = {}) {
  std::vector<std::string> errs;
  auto r = ParseRuleFile(text, "rules.yml", opts, &errs);
  if (r.ok()) return {};
  REQUIRE(r.status().code() == absl::StatusCode::kInvalidArgument);
  return errs;
}

TEST_CASE("rule file: a valid file parses into groups and rules", "[rules]") {
  const char* text = R"(groups:
  - name: g1
    interval: 30s
    limit: 10
    query_offset: 1m
    labels:
      team: a
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels:
          x: y
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 2m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.instance }} down"
  - name: g2
    rules: []
)";
  auto f = ParseRuleFile(text, "rules.yml");
  REQUIRE(f.ok());
  REQUIRE(f->groups.size() == 2);
  CHECK(f->RuleCount() == 2);
  const RuleGroupSpec& g = f->groups[0];
  CHECK(g.name == "g1");
  CHECK(g.interval_ms == 30000);
  CHECK(g.limit == 10);
  REQUIRE(g.query_offset_ms.has_value());
  CHECK(*g.query_offset_ms == 60000);
  CHECK(g.labels.at("team") == "a");
  REQUIRE(g.rules.size() == 2);
  CHECK(g.rules[0].record == "job:up:sum");
  CHECK(g.rules[0].name() == "job:up:sum");
  CHECK(g.rules[0].labels.at("x") == "y");
  CHECK(g.rules[0].expr_pos.line == 10);
  CHECK(g.rules[1].alert == "Down");
  CHECK(g.rules[1].for_ms == 5 * 60000);
  CHECK(g.rules[1].keep_firing_for_ms == 2 * 60000);
  CHECK(g.rules[1].annotations.at("summary") == "{{ $labels.instance }} down");
  CHECK_FALSE(f->groups[1].query_offset_ms.has_value());
  CHECK(f->groups[1].interval_ms == 0);
}

TEST_CASE("rule file: rule problems are reported like promtool, with positions", "[rules]") {
  // Every line below is what promtool check rules (2.42) prints for this
  // file, except that the recording rule name is valid UTF-8 (Prometheus 3).
  const char* text = R"(groups:
  - name: g
    rules:
      - record: x
        expr: up
        for: 5m
      - alert: A
        expr: sum(
      - record: y
        alert: z
        expr: up
      - expr: up
      - record: "bad{name}"
        expr: up
  - name: g
    rules:
      - alert: T
        expr: up
        annotations:
          s: "{{ $labels.x "
)";
  std::vector<std::string> e = Errors(text);
  REQUIRE(e.size() == 7);
  CHECK(e[0] == "rules.yml: 4:17: group \"g\", rule 1, \"x\": invalid field 'for' in recording rule");
  CHECK(e[1] ==
        "rules.yml: 8:15: group \"g\", rule 2, \"A\": could not parse expression: 1:5: parse error: unclosed left "
        "parenthesis");
  CHECK(e[2] == "rules.yml: 9:17: 10:16: group \"g\", rule 3, \"z\": only one of 'record' and 'alert' must be set");
  CHECK(e[3] == "rules.yml: 0:0: group \"g\", rule 4, \"\": one of 'record' or 'alert' must be set");
  CHECK(e[4] ==
        "rules.yml: 13:17: group \"g\", rule 5, \"bad{name}\": braces present in the recording rule name; should it "
        "be in expr?: bad{name}");
  CHECK(e[5] == "rules.yml: 15:5: groupname: \"g\" is repeated in the same file");
  CHECK(e[6] == "rules.yml: group \"g\", rule 1, \"T\": annotation \"s\": template: __alert_T:1: unclosed action");
}

TEST_CASE("rule file: legacy name validation rejects what Prometheus 2 rejects", "[rules]") {
  RuleFileOptions opts;
  opts.legacy_names = true;
  const char* text = R"(groups:
  - name: g
    rules:
      - record: "bad name"
        expr: up
        labels:
          "bad-label": v
)";
  std::vector<std::string> e = Errors(text, opts);
  REQUIRE(e.size() == 2);
  CHECK(e[0] == "rules.yml: 4:17: group \"g\", rule 1, \"bad name\": invalid recording rule name: bad name");
  CHECK(e[1] == "rules.yml: group \"g\", rule 1, \"bad name\": invalid label name: bad-label");
}

TEST_CASE("rule file: YAML decoding errors name the line and Go type", "[rules]") {
  CHECK(Errors("groups:\n  - name: g\n    interval: 1m\n    rulez: []\n") ==
        std::vector<std::string>{
            "rules.yml: yaml: unmarshal errors:\n  line 4: field rulez not found in type rulefmt.RuleGroup"});
  CHECK(Errors("groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    labels: [a]\n") ==
        std::vector<std::string>{
            "rules.yml: yaml: unmarshal errors:\n  line 6: cannot unmarshal !!seq into map[string]string"});
  CHECK(Errors("groups:\n  - name: \"\"\n    rules:\n      - record: r\n        expr: up\n") ==
        std::vector<std::string>{"rules.yml: 2:5: Groupname must not be empty"});
  RuleFileOptions lax;
  lax.ignore_unknown_fields = true;
  CHECK(ParseRuleFile("groups:\n  - name: g\n    rulez: []\n", "rules.yml", lax).ok());
}

TEST_CASE("rule file: malformed input is an error, never a crash", "[rules]") {
  const char* inputs[] = {
      "",
      "groups",
      "groups: 5",
      "groups:\n  - 5\n",
      "groups:\n  - name: g\n    rules:\n      - record: [\n",
      "groups:\n  - name: g\n    interval: banana\n",
      "groups:\n  - name: g\n    rules:\n      - alert: a\n        expr: up\n        for: -5m\n",
      "\t\x01\xff: :",
      "groups:\n  - name: g\n    limit: x\n",
      "groups:\n  - name: g\n    rules:\n      - alert: a\n        expr: up\n        labels:\n          s: '{{ nosuchfn }}'\n",
  };
  for (const char* in : inputs) {
    INFO(in);
    auto r = ParseRuleFile(in, "f.yml");
    if (!r.ok()) {
      CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
      CHECK(absl::StartsWith(r.status().message(), "f.yml: "));
    }
  }
  // An empty file is an empty rule file, as in Prometheus.
  auto empty = ParseRuleFile("", "f.yml");
  REQUIRE(empty.ok());
  CHECK(empty->groups.empty());
  auto missing = LoadRuleFile("/nonexistent/rules.yml");
  CHECK_FALSE(missing.ok());
}

TEST_CASE("rule file: duplicate rule lint", "[rules]") {
  auto f = ParseRuleFile(R"(groups:
  - name: g
    rules:
      - record: a
        expr: up
      - record: a
        expr: up + 1
      - record: b
        expr: up
)",
                         "f.yml");
  REQUIRE(f.ok());
  std::string lint = LintDuplicateRules(*f);
  CHECK(absl::StartsWith(lint, "1 duplicate rule(s) found."));
  CHECK(lint.find("Metric: a") != std::string::npos);
}

TEST_CASE("rule_files: globs relative to the config directory, each file once", "[rules]") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "rules");
  for (const char* n : {"rules/a.yml", "rules/b.yml", "rules/c.txt", "top.yml"}) std::ofstream(dir.path() / n) << "";
  auto files = ResolveRuleFiles({"rules/*.yml", "top.yml", "rules/a.yml", "none/*.yml"}, dir.str());
  REQUIRE(files.ok());
  REQUIRE(files->size() == 3);
  CHECK((*files)[0] == (dir.path() / "rules/a.yml").string());
  CHECK((*files)[1] == (dir.path() / "rules/b.yml").string());
  CHECK((*files)[2] == (dir.path() / "top.yml").string());
  auto abs = ResolveRuleFiles({(dir.path() / "top.yml").string()}, "/elsewhere");
  REQUIRE(abs.ok());
  CHECK(abs->size() == 1);
}

}  // namespace
}  // namespace promlite::promql
