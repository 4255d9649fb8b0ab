#include "rules/unittest_file.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "parser/go_format.h"
#include "rules/strings.h"
#include "rules/yaml_strict.h"

namespace promlite::promql::unittest {
namespace {

using yamlstrict::Decoder;
using yamlstrict::Entry;

// promtool's parseTime: Unix seconds (a float) or RFC 3339.
bool ParseStartTime(const std::string& s, int64_t* ms) {
  char* end = nullptr;
  double f = std::strtod(s.c_str(), &end);
  if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(f)) {
    *ms = static_cast<int64_t>(std::floor(f * 1000.0 + 0.5e-9));
    return true;
  }
  absl::Time t;
  std::string err;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) {
    *ms = absl::ToUnixMillis(t);
    return true;
  }
  return false;
}

void DecodeAlert(Decoder& d, const YAML::Node& n, ExpAlert* a) {
  std::vector<Entry> entries;
  if (!d.Entries(n, "main.alert", &entries)) return;
  for (const Entry& e : entries) {
    if (e.key == "exp_labels") d.StringMap(e.value, &a->labels);
    else if (e.key == "exp_annotations") d.StringMap(e.value, &a->annotations);
    else d.Unknown(e, "main.alert");
  }
}

void DecodeAlertTest(Decoder& d, const YAML::Node& n, AlertTestCase* c) {
  std::vector<Entry> entries;
  if (!d.Entries(n, "main.alertTestCase", &entries)) return;
  for (const Entry& e : entries) {
    if (e.key == "eval_time") {
      d.Duration(e.value, &c->eval_time_ms);
    } else if (e.key == "alertname") {
      d.String(e.value, &c->alertname);
    } else if (e.key == "exp_alerts") {
      std::vector<YAML::Node> items;
      if (!d.Seq(e.value, "[]main.alert", &items)) continue;
      for (const auto& item : items) {
        ExpAlert a;
        DecodeAlert(d, item, &a);
        c->exp_alerts.push_back(std::move(a));
      }
    } else {
      d.Unknown(e, "main.alertTestCase");
    }
  }
}

void DecodePromqlTest(Decoder& d, const YAML::Node& n, PromqlTestCase* c) {
  std::vector<Entry> entries;
  if (!d.Entries(n, "main.promqlTestCase", &entries)) return;
  for (const Entry& e : entries) {
    if (e.key == "expr") {
      d.String(e.value, &c->expr);
    } else if (e.key == "eval_time") {
      d.Duration(e.value, &c->eval_time_ms);
    } else if (e.key == "exp_samples") {
      std::vector<YAML::Node> items;
      if (!d.Seq(e.value, "[]main.sample", &items)) continue;
      for (const auto& item : items) {
        ExpSample s;
        std::vector<Entry> se;
        if (d.Entries(item, "main.sample", &se)) {
          for (const Entry& f : se) {
            if (f.key == "labels") d.String(f.value, &s.labels);
            else if (f.key == "value") d.Float(f.value, &s.value);
            else if (f.key == "histogram") d.String(f.value, &s.histogram);
            else d.Unknown(f, "main.sample");
          }
        }
        c->exp_samples.push_back(std::move(s));
      }
    } else {
      d.Unknown(e, "main.promqlTestCase");
    }
  }
}

void DecodeGroup(Decoder& d, const YAML::Node& n, TestGroup* g) {
  std::vector<Entry> entries;
  if (!d.Entries(n, "main.testGroup", &entries)) return;
  for (const Entry& e : entries) {
    if (e.key == "interval") {
      d.Duration(e.value, &g->interval_ms);
    } else if (e.key == "input_series") {
      std::vector<YAML::Node> items;
      if (!d.Seq(e.value, "[]main.series", &items)) continue;
      for (const auto& item : items) {
        InputSeries s;
        std::vector<Entry> se;
        if (d.Entries(item, "main.series", &se)) {
          for (const Entry& f : se) {
            if (f.key == "series") d.String(f.value, &s.series);
            else if (f.key == "values") d.String(f.value, &s.values);
            else d.Unknown(f, "main.series");
          }
        }
        g->input_series.push_back(std::move(s));
      }
    } else if (e.key == "alert_rule_test") {
      std::vector<YAML::Node> items;
      if (!d.Seq(e.value, "[]main.alertTestCase", &items)) continue;
      for (const auto& item : items) {
        AlertTestCase c;
        DecodeAlertTest(d, item, &c);
        g->alert_rule_test.push_back(std::move(c));
      }
    } else if (e.key == "promql_expr_test") {
      std::vector<YAML::Node> items;
      if (!d.Seq(e.value, "[]main.promqlTestCase", &items)) continue;
      for (const auto& item : items) {
        PromqlTestCase c;
        DecodePromqlTest(d, item, &c);
        g->promql_expr_test.push_back(std::move(c));
      }
    } else if (e.key == "external_labels") {
      d.StringMap(e.value, &g->external_labels);
    } else if (e.key == "external_url") {
      d.String(e.value, &g->external_url);
    } else if (e.key == "name") {
      d.String(e.value, &g->name);
    } else if (e.key == "start_timestamp") {
      std::string s;
      if (!d.String(e.value, &s) || e.value.IsNull()) continue;
      int64_t ms = 0;
      if (!ParseStartTime(s, &ms)) {
        d.Fatal(absl::StrCat("cannot parse ", parser::GoQuote(s), " to a valid timestamp"));
        continue;
      }
      g->start_timestamp_ms = ms;
    } else {
      d.Unknown(e, "main.testGroup");
    }
  }
}

}  // namespace

absl::StatusOr<TestFile> DecodeTestFile(std::string_view text, bool ignore_unknown_fields) {
  Decoder d(yamlstrict::Dialect::kV2, !ignore_unknown_fields);
  YAML::Node root;
  bool more = false;
  TestFile f;
  if (d.Load(text, &root, &more)) {
    std::vector<Entry> entries;
    if (d.Entries(root, "main.unitTestFile", &entries)) {
      for (const Entry& e : entries) {
        if (e.key == "rule_files") {
          d.StringList(e.value, &f.rule_files);
        } else if (e.key == "evaluation_interval") {
          d.Duration(e.value, &f.evaluation_interval_ms);
        } else if (e.key == "group_eval_order") {
          d.StringList(e.value, &f.group_eval_order);
        } else if (e.key == "fuzzy_compare") {
          d.Bool(e.value, &f.fuzzy_compare);
        } else if (e.key == "tests") {
          std::vector<YAML::Node> items;
          if (!d.Seq(e.value, "[]main.testGroup", &items)) continue;
          for (const auto& item : items) {
            TestGroup g;
            DecodeGroup(d, item, &g);
            f.tests.push_back(std::move(g));
          }
        } else {
          d.Unknown(e, "main.unitTestFile");
        }
      }
    }
  }
  if (!d.ok()) return absl::InvalidArgumentError(d.Message());
  return f;
}

}  // namespace promlite::promql::unittest
