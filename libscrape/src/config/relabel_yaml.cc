// relabel_configs / metric_relabel_configs entries.
#include "absl/strings/str_cat.h"
#include "config/sections.h"
#include "promlite/tsdb/labels.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape::yamlcfg {

absl::Status ReadRelabelConfigs(const Ctx& ctx, const YAML::Node& n, std::string_view what,
                                std::vector<RelabelConfig>* out, std::vector<YAML::Mark>* marks) {
  out->clear();
  marks->clear();
  if (n.IsNull()) return absl::OkStatus();
  if (!n.IsSequence()) {
    return ErrorAt(ctx, n, absl::StrCat("cannot unmarshal ", Describe(n), " into []*relabel.Config"));
  }
  for (const auto& e : n) {
    if (e.IsNull()) return ErrorAt(ctx, e, absl::StrCat("empty or null ", A(what), " relabeling rule in scrape config"));
    absl::StatusOr<Map> m = Map::Read(ctx, e, "relabel.plain");
    if (!m.ok()) return m.status();
    RelabelConfig c;
    absl::Status st;
    if (const YAML::Node* v = m->Take("source_labels")) {
      if (!(st = ReadStringList(ctx, *v, &c.source_labels)).ok()) return st;
      for (const auto& l : c.source_labels) {
        if (!tsdb::IsValidLabelName(l)) return ErrorAt(ctx, *v, absl::StrCat(QuoteGo(l), " is not a valid label name"));
      }
    }
    if (!(st = Field(ctx, *m, "separator", &c.separator)).ok()) return st;
    if (const YAML::Node* v = m->Take("regex")) {
      std::string re;
      if (!(st = ReadString(ctx, *v, &re)).ok()) return st;
      absl::StatusOr<RelabelRegex> r = RelabelRegex::Compile(re);
      if (!r.ok()) return ErrorAt(ctx, *v, S(r.status().message()));
      c.regex = *r;
      c.regex_set = true;
    }
    if (!(st = Field(ctx, *m, "modulus", &c.modulus)).ok()) return st;
    if (!(st = Field(ctx, *m, "target_label", &c.target_label)).ok()) return st;
    if (!(st = Field(ctx, *m, "replacement", &c.replacement)).ok()) return st;
    if (const YAML::Node* v = m->Take("action")) {
      std::string a;
      if (!(st = ReadString(ctx, *v, &a)).ok()) return st;
      absl::StatusOr<RelabelAction> act = ParseRelabelAction(a);
      if (!act.ok()) return ErrorAt(ctx, *v, S(act.status().message()));
      c.action = *act;
    }
    if (!(st = m->Done()).ok()) return st;
    out->push_back(std::move(c));
    marks->push_back(e.Mark());
  }
  return absl::OkStatus();
}

}  // namespace promlite::scrape::yamlcfg
