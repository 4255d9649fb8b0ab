#include "discovery/targetgroup.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "promlite/tsdb/labels.h"
#include "util/quote.h"
#include "util/strings.h"

namespace promlite::scrape::discovery {

absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroupsYAML(std::string_view text, std::string_view filename) {
  yamlcfg::Ctx ctx{std::string(filename), "", nullptr};
  absl::StatusOr<YAML::Node> doc = yamlcfg::Parse(ctx, text);
  if (!doc.ok()) return doc.status();
  std::vector<TargetGroup> out;
  if (doc->IsNull()) return out;
  if (!doc->IsSequence()) {
    return yamlcfg::ErrorAt(ctx, *doc, absl::StrCat("cannot unmarshal ", yamlcfg::Describe(*doc), " into []*targetgroup.Group"));
  }
  for (const auto& e : *doc) {
    if (e.IsNull()) return absl::InvalidArgumentError("nil target group item found");
    TargetGroup tg;
    if (absl::Status st = ReadTargetGroup(ctx, e, &tg); !st.ok()) return st;
    out.push_back(std::move(tg));
  }
  return out;
}

absl::StatusOr<std::vector<TargetGroup>> ParseTargetGroupsJSON(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError("invalid JSON: cannot parse target groups");
  if (!doc.is_array()) return absl::InvalidArgumentError("json: cannot unmarshal into []*targetgroup.Group: not an array");
  std::vector<TargetGroup> out;
  for (const auto& g : doc) {
    if (g.is_null()) return absl::InvalidArgumentError("nil target group item found");
    if (!g.is_object()) return absl::InvalidArgumentError("json: cannot unmarshal a non-object into targetgroup.Group");
    TargetGroup tg;
    for (auto it = g.begin(); it != g.end(); ++it) {
      if (it.key() == "targets") {
        if (it->is_null()) continue;
        if (!it->is_array()) return absl::InvalidArgumentError("json: \"targets\" must be a list of strings");
        for (const auto& t : *it) {
          if (!t.is_string()) return absl::InvalidArgumentError("json: \"targets\" must be a list of strings");
          tg.targets.push_back(LabelSet{{"__address__", t.get<std::string>()}});
        }
      } else if (it.key() == "labels") {
        if (it->is_null()) continue;
        if (!it->is_object()) return absl::InvalidArgumentError("json: \"labels\" must be an object of strings");
        for (auto l = it->begin(); l != it->end(); ++l) {
          if (!l->is_string()) return absl::InvalidArgumentError("json: \"labels\" must be an object of strings");
          std::string v = l->get<std::string>();
          if (!tsdb::IsValidLabelName(l.key())) {
            return absl::InvalidArgumentError(absl::StrCat(QuoteGo(l.key()), " is not a valid label name"));
          }
          tg.labels[l.key()] = std::move(v);
        }
      } else {
        return absl::InvalidArgumentError(absl::StrCat("json: unknown field ", QuoteGo(it.key())));
      }
    }
    out.push_back(std::move(tg));
  }
  return out;
}

}  // namespace promlite::scrape::discovery
