// Rule files: Prometheus' model/rulefmt. Decoding is strict like its
// yaml.v3 decoder with KnownFields; validation reports every problem with
// the texts and positions `promtool check rules` prints.
#include <glob.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "parser/go_format.h"
#include "promlite/promql/rules.h"
#include "rules/strings.h"
#include "rules/yaml_strict.h"

namespace promlite::promql {
namespace {

using yamlstrict::Decoder;
using yamlstrict::Entry;

YamlPos PosOf(const YAML::Node& n) {
  if (!n.IsDefined() || n.Mark().is_null()) return {};
  return {n.Mark().line + 1, n.Mark().column + 1};
}

std::string PosText(const YamlPos& p) { return absl::StrCat(p.line, ":", p.column); }

bool DecodeRule(Decoder& d, const YAML::Node& n, RuleSpec* r) {
  std::vector<Entry> entries;
  if (!d.Entries(n, "rulefmt.Rule", &entries)) return false;
  for (const Entry& e : entries) {
    if (e.key == "record") {
      d.String(e.value, &r->record);
      r->record_pos = PosOf(e.value);
    } else if (e.key == "alert") {
      d.String(e.value, &r->alert);
      r->alert_pos = PosOf(e.value);
    } else if (e.key == "expr") {
      d.String(e.value, &r->expr);
      r->expr_pos = PosOf(e.value);
    } else if (e.key == "for") {
      d.Duration(e.value, &r->for_ms);
    } else if (e.key == "keep_firing_for") {
      d.Duration(e.value, &r->keep_firing_for_ms);
    } else if (e.key == "labels") {
      d.StringMap(e.value, &r->labels);
    } else if (e.key == "annotations") {
      d.StringMap(e.value, &r->annotations);
    } else {
      d.Unknown(e, "rulefmt.Rule");
    }
  }
  return true;
}

bool DecodeGroup(Decoder& d, const YAML::Node& n, RuleGroupSpec* g) {
  g->pos = PosOf(n);
  std::vector<Entry> entries;
  if (!d.Entries(n, "rulefmt.RuleGroup", &entries)) return false;
  for (const Entry& e : entries) {
    if (e.key == "name") {
      d.String(e.value, &g->name);
    } else if (e.key == "interval") {
      d.Duration(e.value, &g->interval_ms);
    } else if (e.key == "query_offset") {
      if (!e.value.IsNull()) {
        int64_t v = 0;
        if (d.Duration(e.value, &v)) g->query_offset_ms = v;
      }
    } else if (e.key == "limit") {
      d.Int(e.value, &g->limit);
    } else if (e.key == "labels") {
      d.StringMap(e.value, &g->labels);
    } else if (e.key == "rules") {
      std::vector<YAML::Node> items;
      if (d.Seq(e.value, "[]rulefmt.Rule", &items)) {
        for (const auto& item : items) {
          RuleSpec r;
          DecodeRule(d, item, &r);
          g->rules.push_back(std::move(r));
        }
      }
    } else {
      d.Unknown(e, "rulefmt.RuleGroup");
    }
  }
  return true;
}

bool ValidMetricName(std::string_view s, bool legacy) {
  return legacy ? tsdb::IsValidLegacyMetricName(s) : (!s.empty() && tsdb::IsValidUtf8(s));
}
bool ValidLabelName(std::string_view s, bool legacy) {
  return legacy ? tsdb::IsValidLegacyLabelName(s) : tsdb::IsValidLabelName(s);
}

// One problem of a rule: a message and the positions Go's WrappedError has.
struct RuleProblem {
  std::string msg;
  std::optional<YamlPos> node, alt;
};

std::vector<RuleProblem> ValidateRule(const RuleSpec& r, const RuleFileOptions& opts) {
  std::vector<RuleProblem> out;
  if (!r.record.empty() && !r.alert.empty()) {
    out.push_back({"only one of 'record' and 'alert' must be set", r.record_pos, r.alert_pos});
  }
  if (r.record.empty() && r.alert.empty()) {
    out.push_back({"one of 'record' or 'alert' must be set", r.record_pos, std::nullopt});
  }
  if (r.expr.empty()) {
    out.push_back({"field 'expr' must be set in rule", r.expr_pos, std::nullopt});
  } else if (auto e = ParseExpr(r.expr, opts.promql); !e.ok()) {
    out.push_back({absl::StrCat("could not parse expression: ", e.status().message()), r.expr_pos, std::nullopt});
  }
  if (!r.record.empty()) {
    if (!r.annotations.empty()) out.push_back({"invalid field 'annotations' in recording rule", r.record_pos, {}});
    if (r.for_ms != 0) out.push_back({"invalid field 'for' in recording rule", r.record_pos, {}});
    if (r.keep_firing_for_ms != 0) out.push_back({"invalid field 'keep_firing_for' in recording rule", r.record_pos, {}});
    if (!ValidMetricName(r.record, opts.legacy_names)) {
      out.push_back({absl::StrCat("invalid recording rule name: ", r.record), r.record_pos, {}});
    }
    if (r.record.find_first_of("{}") != std::string::npos) {
      out.push_back({absl::StrCat("braces present in the recording rule name; should it be in expr?: ", r.record),
                     r.record_pos,
                     {}});
    }
  }
  for (const auto& [k, v] : r.labels) {
    if (!ValidLabelName(k, opts.legacy_names) || k == tsdb::kMetricName) {
      out.push_back({absl::StrCat("invalid label name: ", k), {}, {}});
    }
    if (!tsdb::IsValidUtf8(v)) out.push_back({absl::StrCat("invalid label value: ", v), {}, {}});
  }
  for (const auto& [k, v] : r.annotations) {
    if (!ValidLabelName(k, opts.legacy_names)) out.push_back({absl::StrCat("invalid annotation name: ", k), {}, {}});
  }
  if (!r.alert.empty()) {
    for (const auto& [k, v] : r.labels) {
      if (auto t = AlertTemplate::Parse(r.alert, v); !t.ok()) {
        out.push_back({absl::StrCat("label ", parser::GoQuote(k), ": ", t.status().message()), {}, {}});
      }
    }
    for (const auto& [k, v] : r.annotations) {
      if (auto t = AlertTemplate::Parse(r.alert, v); !t.ok()) {
        out.push_back({absl::StrCat("annotation ", parser::GoQuote(k), ": ", t.status().message()), {}, {}});
      }
    }
  }
  return out;
}

std::vector<std::string> Validate(const RuleFileSpec& f, const RuleFileOptions& opts) {
  std::vector<std::string> errs;
  std::set<std::string> seen;
  for (const RuleGroupSpec& g : f.groups) {
    if (g.name.empty()) errs.push_back(absl::StrCat(PosText(g.pos), ": Groupname must not be empty"));
    if (seen.count(g.name)) {
      errs.push_back(absl::StrCat(PosText(g.pos), ": groupname: \"", g.name, "\" is repeated in the same file"));
    }
    for (const auto& [k, v] : g.labels) {
      if (!ValidLabelName(k, opts.legacy_names) || k == tsdb::kMetricName) errs.push_back(absl::StrCat("invalid label name: ", k));
      if (!tsdb::IsValidUtf8(v)) errs.push_back(absl::StrCat("invalid label value: ", v));
    }
    seen.insert(g.name);
    for (size_t i = 0; i < g.rules.size(); i++) {
      const RuleSpec& r = g.rules[i];
      std::string where = absl::StrCat("group ", parser::GoQuote(g.name), ", rule ", i + 1, ", ", parser::GoQuote(r.name()),
                                       ": ");
      for (const RuleProblem& p : ValidateRule(r, opts)) {
        std::string pos;
        if (p.node) pos = PosText(*p.node) + ": ";
        if (p.node && p.alt) pos += PosText(*p.alt) + ": ";
        errs.push_back(absl::StrCat(pos, where, p.msg));
      }
    }
  }
  return errs;
}

absl::Status Fail(std::string_view filename, const std::vector<std::string>& lines, std::vector<std::string>* errors) {
  std::vector<std::string> prefixed;
  for (const auto& l : lines) prefixed.push_back(absl::StrCat(AV(filename), ": ", l));
  if (errors != nullptr) errors->insert(errors->end(), prefixed.begin(), prefixed.end());
  return absl::InvalidArgumentError(absl::StrJoin(prefixed, "\n"));
}

}  // namespace

size_t RuleFileSpec::RuleCount() const {
  size_t n = 0;
  for (const auto& g : groups) n += g.rules.size();
  return n;
}

absl::StatusOr<RuleFileSpec> ParseRuleFile(std::string_view text, std::string_view filename, const RuleFileOptions& opts,
                                           std::vector<std::string>* errors) {
  Decoder d(yamlstrict::Dialect::kV3, !opts.ignore_unknown_fields);
  YAML::Node root;
  bool more = false;
  RuleFileSpec spec;
  if (d.Load(text, &root, &more)) {
    std::vector<Entry> entries;
    if (d.Entries(root, "rulefmt.RuleGroups", &entries)) {
      for (const Entry& e : entries) {
        if (e.key != "groups") {
          d.Unknown(e, "rulefmt.RuleGroups");
          continue;
        }
        std::vector<YAML::Node> items;
        if (!d.Seq(e.value, "[]rulefmt.RuleGroup", &items)) continue;
        for (const auto& item : items) {
          RuleGroupSpec g;
          DecodeGroup(d, item, &g);
          spec.groups.push_back(std::move(g));
        }
      }
    }
  }
  if (!d.ok()) return Fail(filename, {d.Message()}, errors);
  std::vector<std::string> problems = Validate(spec, opts);
  if (!problems.empty()) return Fail(filename, problems, errors);
  return spec;
}

absl::StatusOr<RuleFileSpec> LoadRuleFile(const std::string& path, const RuleFileOptions& opts,
                                          std::vector<std::string>* errors) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    std::string why = exists ? "permission denied" : "no such file or directory";
    std::string line = absl::StrCat(path, ": open ", path, ": ", why);
    if (errors != nullptr) errors->push_back(line);
    return exists ? absl::PermissionDeniedError(line) : absl::NotFoundError(line);
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ParseRuleFile(ss.str(), path, opts, errors);
}

absl::StatusOr<std::vector<std::string>> ResolveRuleFiles(const std::vector<std::string>& patterns,
                                                          std::string_view base_dir) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const std::string& pat : patterns) {
    std::string full = pat;
    if (!pat.empty() && pat[0] != '/' && !base_dir.empty() && base_dir != ".") {
      full = (std::filesystem::path(std::string(base_dir)) / pat).lexically_normal().string();
    }
    glob_t g{};
    // GLOB_PERIOD: like Go's filepath.Glob, "*" also matches a leading dot.
    int rc = ::glob(full.c_str(), GLOB_PERIOD, nullptr, &g);
    if (rc == GLOB_NOSPACE || rc == GLOB_ABORTED) {
      globfree(&g);
      return absl::InvalidArgumentError(absl::StrCat("error retrieving rule files for ", pat, ": glob failed"));
    }
    if (rc == 0) {
      for (size_t i = 0; i < g.gl_pathc; i++) {
        std::string p = g.gl_pathv[i];
        if (seen.insert(p).second) out.push_back(p);
      }
    }
    globfree(&g);
  }
  return out;
}

std::string LintDuplicateRules(const RuleFileSpec& file) {
  std::vector<std::pair<std::string, tsdb::Labels>> rules;
  for (const auto& g : file.groups) {
    for (const auto& r : g.rules) {
      std::map<std::string, std::string> merged = g.labels;
      for (const auto& [k, v] : r.labels) merged[k] = v;
      std::vector<std::pair<std::string_view, std::string_view>> pairs(merged.begin(), merged.end());
      rules.emplace_back(r.name(), tsdb::Labels::FromPairs(pairs));
    }
  }
  if (rules.size() < 2) return "";
  auto cmp = [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return Compare(a.second, b.second) < 0;
  };
  std::sort(rules.begin(), rules.end(), cmp);
  std::vector<const std::pair<std::string, tsdb::Labels>*> dups;
  for (size_t i = 1; i < rules.size(); i++) {
    const auto& last = rules[i - 1];
    if (last.first == rules[i].first && last.second == rules[i].second) {
      if (dups.empty() || dups.back()->first != last.first || !(dups.back()->second == last.second)) {
        dups.push_back(&rules[i]);
      }
    }
  }
  if (dups.empty()) return "";
  std::string msg = absl::StrCat(dups.size(), " duplicate rule(s) found.\n");
  for (const auto* d : dups) {
    absl::StrAppend(&msg, "Metric: ", d->first, "\nLabel(s):\n");
    for (const auto& l : d->second) absl::StrAppend(&msg, "\t", AV(l.name), ": ", AV(l.value), "\n");
  }
  msg += "Might cause inconsistency while recording expressions";
  return msg;
}

}  // namespace promlite::promql
