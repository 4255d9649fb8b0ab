// The public face of the template engine (promlite/promql/template.h).
#include "promlite/promql/template.h"

#include "absl/strings/str_cat.h"
#include "rules/strings.h"
#include "rules/template/exec.h"
#include "rules/template/funcs.h"
#include "rules/template/parse.h"

namespace promlite::promql {
namespace {

// What Prometheus prepends to every alert label and annotation template.
constexpr std::string_view kAlertDefs =
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}";

bool HasFunction(std::string_view name) { return tmpl::LookupFunc(name) != nullptr; }

}  // namespace

absl::StatusOr<Template> Template::Parse(std::string_view name, std::string_view text) {
  auto tree = tmpl::ParseTemplate(name, text, HasFunction);
  if (!tree.ok()) return tree.status();
  Template t;
  t.tree_ = std::shared_ptr<const tmpl::Tree>(std::move(*tree));
  return t;
}

absl::StatusOr<std::string> Template::Execute(const AlertTemplateData& data, const TemplateEnv& env) const {
  auto d = std::make_shared<tmpl::DataObj>();
  d->labels = data.labels;
  d->external_labels = data.external_labels;
  d->external_url = data.external_url;
  d->value = data.value;
  return tmpl::Execute(*tree_, tmpl::Value::Data(std::move(d)), env);
}

const std::string& Template::name() const { return tree_->name; }

absl::StatusOr<AlertTemplate> AlertTemplate::Parse(std::string_view alert_name, std::string_view text) {
  AlertTemplate t;
  t.text_ = std::string(text);
  if (text.find("{{") == std::string_view::npos) return t;
  auto parsed = Template::Parse(absl::StrCat("__alert_", AV(alert_name)), absl::StrCat(AV(kAlertDefs), AV(text)));
  if (!parsed.ok()) return parsed.status();
  t.tmpl_ = *std::move(parsed);
  return t;
}

absl::StatusOr<std::string> AlertTemplate::Expand(const AlertTemplateData& data, const TemplateEnv& env) const {
  if (!tmpl_) return text_;
  auto r = tmpl_->Execute(data, env);
  if (!r.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("error executing template ", tmpl_->name(), ": ", r.status().message()));
  }
  return r;
}

}  // namespace promlite::promql
