// `promtool test rules`: evaluates the rules of a test file against the
// test's input series, one evaluation interval at a time, and compares
// firing alerts and PromQL results with the expectations, reporting
// failures in promtool's words.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/labels_util.h"
#include "parser/go_format.h"
#include "promlite/promql/printer.h"
#include "promlite/promql/rules.h"
#include "promlite/tsdb/db.h"
#include "promlite/tsdb/duration.h"
#include "promqltest/series_desc.h"
#include "re2/re2.h"
#include "rules/strings.h"
#include "rules/template/value.h"
#include "rules/unittest_file.h"

namespace promlite::promql {
namespace {

using unittest::TestFile;
using unittest::TestGroup;

std::string IndentLines(std::string_view lines, std::string_view indent) {
  std::vector<absl::string_view> parts = absl::StrSplit(AV(lines), '\n');
  std::string out;
  for (size_t i = 0; i < parts.size(); i++) {
    if (i > 0) out.append(indent);
    out.append(parts[i].data(), parts[i].size());
    if (i + 1 != parts.size()) out.push_back('\n');
  }
  return out;
}

// An alert as the test compares it: labels and annotations as sorted pairs.
struct LabelsAndAnnotations {
  tsdb::Labels labels;
  std::vector<std::pair<std::string, std::string>> annotations;
};

std::string PairsString(const std::vector<std::pair<std::string, std::string>>& pairs) {
  // Annotations print like labels, empty values included.
  std::string out = "{";
  for (size_t i = 0; i < pairs.size(); i++) {
    if (i > 0) out += ", ";
    const auto& [k, val] = pairs[i];
    tsdb::Labels one{{k, "x"}};
    std::string name = engine::PromString(one);  // {name="x"} with the name quoted when needed
    name = name.substr(1, name.size() - 6);
    absl::StrAppend(&out, name, "=", parser::GoQuote(val));
  }
  out += "}";
  return out;
}

std::string AlertsString(const std::vector<LabelsAndAnnotations>& la) {
  if (la.empty()) return "[]";
  std::string out = "[\n";
  for (size_t i = 0; i < la.size(); i++) {
    if (i > 0) out += ",\n";
    std::string one = absl::StrCat("\nLabels:", engine::PromString(la[i].labels), "\nAnnotations:", PairsString(la[i].annotations));
    absl::StrAppend(&out, i, ":", IndentLines(one, "  "));
  }
  out += "\n]";
  return out;
}

bool LessAlert(const LabelsAndAnnotations& a, const LabelsAndAnnotations& b) {
  int c = Compare(a.labels, b.labels);
  if (c != 0) return c < 0;
  return a.annotations < b.annotations;
}

bool FloatEqual(double x, double y, bool fuzzy) {
  if (x == y) return true;
  if (!fuzzy) return false;
  return std::nextafter(x, -HUGE_VAL) == y || std::nextafter(x, HUGE_VAL) == y;
}

// strconv.FormatFloat(v, 'E', -1, 64).
std::string FormatE(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string s(buf, r.ptr);
  for (char& c : s) {
    if (c == 'e') c = 'E';
  }
  return s;
}

struct ParsedSample {
  tsdb::Labels labels;
  double value = 0;
};

std::string SamplesString(const std::vector<ParsedSample>& v) {
  if (v.empty()) return "nil";
  std::string out;
  for (size_t i = 0; i < v.size(); i++) {
    if (i > 0) out += ", ";
    absl::StrAppend(&out, engine::PromString(v[i].labels), " ", FormatE(v[i].value));
  }
  return out;
}

// Input series loaded lazily, up to each evaluation time (promqltest's
// LazyLoader), so rules never write behind samples still to come.
class LazyLoader {
 public:
  absl::Status Parse(const TestGroup& tg, int64_t start) {
    for (const auto& is : tg.input_series) {
      auto desc = promqltest::ParseSeriesDesc(absl::StrCat(is.series, " ", is.values));
      if (!desc.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("error parsing input series ", parser::GoQuote(is.series), ": ", desc.status().message()));
      }
      if (desc->has_histograms) {
        return absl::UnimplementedError(
            absl::StrCat("input series ", is.series, ": native histograms are not supported by promlite's storage"));
      }
      std::vector<tsdb::Sample> samples;
      for (size_t k = 0; k < desc->values.size(); k++) {
        const auto& v = desc->values[k];
        if (v.kind != promqltest::SeqValue::Kind::kFloat) continue;
        samples.push_back(tsdb::Sample{start + static_cast<int64_t>(k) * tg.interval_ms, v.value});
      }
      series_.push_back({desc->metric, std::move(samples), 0});
    }
    return absl::OkStatus();
  }

  absl::Status AppendTill(tsdb::Appendable& db, int64_t ts) {
    auto app = db.NewAppender();
    for (auto& s : series_) {
      for (; s.next < s.samples.size() && s.samples[s.next].t <= ts; s.next++) {
        auto r = app->Append(0, s.labels, s.samples[s.next].t, s.samples[s.next].v);
        if (!r.ok()) {
          (void)app->Rollback();
          return r.status();
        }
      }
    }
    return app->Commit();
  }

 private:
  struct Series {
    tsdb::Labels labels;
    std::vector<tsdb::Sample> samples;
    size_t next;
  };
  std::vector<Series> series_;
};

absl::StatusOr<Vector> Query(Engine& engine, tsdb::Queryable* q, std::string_view expr, int64_t ts) {
  auto qq = engine.NewInstantQuery(q, expr, ts);
  if (!qq.ok()) return qq.status();
  Result r = (*qq)->Exec();
  if (!r.status.ok()) return r.status;
  if (auto* v = std::get_if<Vector>(&r.value)) return std::move(*v);
  if (auto* s = std::get_if<Scalar>(&r.value)) return Vector{Sample{tsdb::Labels(), s->t, s->v}};
  return absl::InvalidArgumentError("rule result is not a vector or scalar");
}

// Runs one test group; returns promtool's error texts.
std::vector<std::string> RunGroup(TestGroup tg, const TestFile& file, const std::vector<std::string>& rule_files,
                                  const std::map<std::string, size_t>& order, const RuleUnitTestOptions& opts,
                                  int64_t eval_interval) {
  std::vector<std::string> errs;
  const int64_t mint = tg.start_timestamp_ms.value_or(0);

  tsdb::Options dbo;
  dbo.block_range_ms = 100ll * 365 * 24 * 3600 * 1000;  // never out of bounds within a test
  dbo.compaction_interval_ms = 0;
  dbo.logger = tsdb::NewNopLogger();
  std::unique_ptr<tsdb::DB> db = tsdb::DB::OpenInMemory(dbo);

  EngineOptions eo;
  eo.max_samples = 10000;
  eo.timeout = absl::Seconds(100);
  eo.default_subquery_step_ms = eval_interval;
  eo.parse = opts.promql;
  eo.logger = tsdb::NewNopLogger();
  Engine engine(eo);

  LazyLoader loader;
  if (absl::Status st = loader.Parse(tg, mint); !st.ok()) return {std::string(st.message())};

  // The groups, as the rule manager would load them.
  RuleManagerOptions mo;
  std::vector<std::shared_ptr<RuleGroup>> groups;
  {
    RuleFileOptions fo;
    fo.promql = opts.promql;
    fo.ignore_unknown_fields = opts.ignore_unknown_fields;
    std::map<std::string, std::string> ext = tg.external_labels;
    std::vector<std::string> load_errs;
    for (const auto& f : rule_files) {
      auto spec = LoadRuleFile(f, fo, &load_errs);
      if (!spec.ok()) continue;
      RuleGroupOptions go;
      go.engine = &engine;
      go.queryable = db.get();
      go.appendable = db.get();
      go.logger = tsdb::NewNopLogger();
      for (const auto& rg : spec->groups) {
        std::vector<std::shared_ptr<Rule>> rules;
        for (const auto& rs : rg.rules) {
          auto expr = ParseExpr(rs.expr, opts.promql);
          if (!expr.ok()) {
            load_errs.push_back(absl::StrCat(f, ": ", expr.status().message()));
            continue;
          }
          std::map<std::string, std::string> merged = rg.labels;
          for (const auto& [k, v] : rs.labels) merged[k] = v;
          std::vector<std::pair<std::string_view, std::string_view>> pairs(merged.begin(), merged.end());
          tsdb::Labels labels = tsdb::Labels::FromPairs(pairs);
          if (rs.alert.empty()) {
            rules.push_back(std::make_shared<RecordingRule>(rs.record, Format(**expr), labels));
            continue;
          }
          AlertingRuleOptions ao;
          ao.hold_ms = rs.for_ms;
          ao.keep_firing_for_ms = rs.keep_firing_for_ms;
          ao.annotations = rs.annotations;
          ao.external_labels = ext;
          ao.external_url = tg.external_url;
          ao.restored = true;
          auto ar = AlertingRule::Create(rs.alert, Format(**expr), labels, ao);
          if (!ar.ok()) {
            load_errs.push_back(absl::StrCat(f, ": ", ar.status().message()));
            continue;
          }
          rules.push_back(*std::move(ar));
        }
        int64_t interval = rg.interval_ms != 0 ? rg.interval_ms : tg.interval_ms;
        groups.push_back(std::make_shared<RuleGroup>(rg.name, f, interval, rg.limit, rg.query_offset_ms, rules, go));
      }
    }
    if (!load_errs.empty()) return load_errs;
  }
  std::stable_sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    auto oa = order.find(a->name()), ob = order.find(b->name());
    size_t ia = oa == order.end() ? 0 : oa->second, ib = ob == order.end() ? 0 : ob->second;
    return ia < ib;
  });

  int64_t max_eval = 0;
  for (const auto& a : tg.alert_rule_test) max_eval = std::max(max_eval, a.eval_time_ms);
  for (const auto& p : tg.promql_expr_test) max_eval = std::max(max_eval, p.eval_time_ms);
  const int64_t maxt = mint + max_eval;

  std::map<int64_t, std::vector<const unittest::AlertTestCase*>> alert_tests;
  for (const auto& a : tg.alert_rule_test) {
    if (a.alertname.empty()) {
      std::string where = tg.name.empty() ? "" : absl::StrCat(" (in TestGroup ", tg.name, ")");
      return {absl::StrCat("an item under alert_rule_test misses required attribute alertname at eval_time ",
                           tsdb::FormatDuration(a.eval_time_ms), where)};
    }
    alert_tests[a.eval_time_ms].push_back(&a);
  }
  auto next_alert = alert_tests.begin();

  for (int64_t ts = mint; ts <= maxt; ts += eval_interval) {
    if (absl::Status st = loader.AppendTill(*db, ts); !st.ok()) {
      errs.push_back(std::string(st.message()));
    } else {
      std::vector<std::string> eval_errs;
      for (const auto& g : groups) {
        g->Eval(ts);
        for (const auto& r : g->rules()) {
          RuleStatus s = r->status();
          if (s.health == RuleHealth::kBad) {
            eval_errs.push_back(absl::StrCat("    rule: ", r->name(), ", time: ", tmpl::GoDurationString(ts * 1000000),
                                             ", err: ", s.last_error));
          }
        }
      }
      if (!eval_errs.empty()) {
        errs.insert(errs.end(), eval_errs.begin(), eval_errs.end());
        return errs;
      }
    }
    // Alert expectations due between this evaluation and the next.
    for (; next_alert != alert_tests.end() && ts - mint <= next_alert->first && next_alert->first < ts + eval_interval - mint;
         ++next_alert) {
      const int64_t t = next_alert->first;
      std::map<std::string, std::vector<LabelsAndAnnotations>> got;
      for (const auto* tc : next_alert->second) got[tc->alertname];
      for (const auto& g : groups) {
        for (const auto& r : g->rules()) {
          if (!r->alerting() || !got.count(r->name())) continue;
          for (const Alert& a : static_cast<AlertingRule&>(*r).ActiveAlerts()) {
            if (a.state == AlertState::kFiring) got[r->name()].push_back({a.labels, a.annotations});
          }
        }
      }
      for (const auto* tc : next_alert->second) {
        std::vector<LabelsAndAnnotations> gotv = got[tc->alertname];
        std::vector<LabelsAndAnnotations> exp;
        for (const auto& e : tc->exp_alerts) {
          std::map<std::string, std::string> l = e.labels;
          l["alertname"] = tc->alertname;
          std::vector<std::pair<std::string_view, std::string_view>> pairs(l.begin(), l.end());
          exp.push_back({tsdb::Labels::FromPairs(pairs), {e.annotations.begin(), e.annotations.end()}});
        }
        std::sort(gotv.begin(), gotv.end(), LessAlert);
        std::sort(exp.begin(), exp.end(), LessAlert);
        bool equal = gotv.size() == exp.size();
        for (size_t i = 0; equal && i < exp.size(); i++) {
          equal = exp[i].labels == gotv[i].labels && exp[i].annotations == gotv[i].annotations;
        }
        if (equal) continue;
        std::string name = tg.name.empty() ? "" : absl::StrCat("    name: ", tg.name, ",\n");
        errs.push_back(absl::StrCat(name, "    alertname: ", tc->alertname, ", time: ", tsdb::FormatDuration(t),
                                    ", \n        exp:", IndentLines(AlertsString(exp), "            "),
                                    ", \n        got:", IndentLines(AlertsString(gotv), "            ")));
      }
    }
  }

  for (const auto& tc : tg.promql_expr_test) {
    std::string head = absl::StrCat("    expr: ", parser::GoQuote(tc.expr), ", time: ", tsdb::FormatDuration(tc.eval_time_ms));
    auto got = Query(engine, db.get(), tc.expr, mint + tc.eval_time_ms);
    if (!got.ok()) {
      errs.push_back(absl::StrCat(head, ", err: ", got.status().message()));
      continue;
    }
    std::vector<ParsedSample> gots, exps;
    for (const auto& s : *got) gots.push_back({s.metric, s.f});
    bool bad = false;
    for (const auto& s : tc.exp_samples) {
      tsdb::Labels l;
      absl::Status st = s.histogram.empty()
                            ? tsdb::Labels::Parse(s.labels, &l)
                            : absl::UnimplementedError("native histograms are not supported by promlite's storage");
      if (!st.ok()) {
        errs.push_back(absl::StrCat(head, ", err: labels ", parser::GoQuote(s.labels), ": ", st.message()));
        bad = true;
        break;
      }
      exps.push_back({l, s.value});
    }
    if (bad) continue;
    auto by_labels = [](const ParsedSample& a, const ParsedSample& b) { return a.labels < b.labels; };
    std::stable_sort(exps.begin(), exps.end(), by_labels);
    std::stable_sort(gots.begin(), gots.end(), by_labels);
    bool equal = exps.size() == gots.size();
    for (size_t i = 0; equal && i < exps.size(); i++) {
      equal = exps[i].labels == gots[i].labels && FloatEqual(exps[i].value, gots[i].value, file.fuzzy_compare);
    }
    if (!equal) {
      errs.push_back(absl::StrCat(head, ",\n        exp: ", SamplesString(exps), "\n        got: ", SamplesString(gots)));
    }
  }
  return errs;
}

}  // namespace

RuleUnitTestResult RunRuleUnitTestFile(const std::string& path, const RuleUnitTestOptions& opts) {
  RuleUnitTestResult res;
  res.file = path;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    res.errors.push_back(absl::StrCat("open ", path, ": ",
                                      std::filesystem::exists(path, ec) ? "permission denied" : "no such file or directory"));
    return res;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto file = unittest::DecodeTestFile(ss.str(), opts.ignore_unknown_fields);
  if (!file.ok()) {
    res.errors.push_back(std::string(file.status().message()));
    return res;
  }
  // Rule files are relative to the test file and may be globs.
  std::string dir = std::filesystem::path(path).parent_path().string();
  std::vector<std::string> rule_files;
  for (const std::string& pat : file->rule_files) {
    auto m = ResolveRuleFiles({pat}, dir.empty() ? "." : dir);
    if (!m.ok()) {
      res.errors.push_back(std::string(m.status().message()));
      return res;
    }
    if (m->empty()) std::cerr << "  WARNING: no file match pattern " << pat << "\n";
    rule_files.insert(rule_files.end(), m->begin(), m->end());
  }
  const int64_t eval_interval = file->evaluation_interval_ms != 0 ? file->evaluation_interval_ms : 60 * 1000;
  std::map<std::string, size_t> order;
  for (size_t i = 0; i < file->group_eval_order.size(); i++) {
    if (!order.emplace(file->group_eval_order[i], i).second) {
      res.errors.push_back(absl::StrCat("group name repeated in evaluation order: ", file->group_eval_order[i]));
      return res;
    }
  }
  std::unique_ptr<RE2> run;
  if (!opts.run.empty()) {
    run = std::make_unique<RE2>(opts.run, RE2::Quiet);
    if (!run->ok()) {
      res.errors.push_back(absl::StrCat("invalid --run regexp: ", run->error()));
      return res;
    }
  }
  for (size_t i = 0; i < file->tests.size(); i++) {
    TestGroup tg = file->tests[i];
    if (run && !RE2::PartialMatch(tg.name, *run)) continue;
    if (tg.interval_ms == 0) tg.interval_ms = eval_interval;
    std::string name = tg.name.empty() ? absl::StrCat("unnamed#", i) : tg.name;
    if (opts.debug) std::cerr << "DEBUG: Starting test " << name << "\n";
    std::vector<std::string> errs = RunGroup(tg, *file, rule_files, order, opts, eval_interval);
    if (opts.debug) std::cerr << "DEBUG: Test " << name << " finished\n";
    res.errors.insert(res.errors.end(), errs.begin(), errs.end());
  }
  return res;
}

}  // namespace promlite::promql
