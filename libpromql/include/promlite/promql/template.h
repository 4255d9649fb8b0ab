// Prometheus' templates for alert labels and annotations: Go's text/template
// language with Prometheus' function set, as rules use it in practice.
//
//   summary: "{{ $labels.instance }} is down ({{ $value | humanize }})"
//
// Supported: text and actions with trim markers and comments; pipelines;
// variables ($x := / $x =); fields and map keys (.Labels.job, $labels.job);
// if / else if / else, with / else with, range (lists, maps, integers) with
// break / continue; string, raw string, number, rune, bool and nil literals;
// Go's built-ins (and, or, not, len, index, slice, eq, ne, lt, le, gt, ge,
// print, printf, println, html, js, urlquery) and Prometheus' functions
// (query, first, label, value, strvalue, sortByLabel, humanize, humanize1024,
// humanizeDuration, humanizePercentage, humanizeTimestamp, toTime,
// toDuration, title, toUpper, toLower, match, reReplaceAll, stripPort,
// stripDomain, graphLink, tableLink, pathPrefix, externalURL, now,
// parseDuration, urlQueryEscape, args, safeHtml).
//
// Anything else ({{template}}, {{define}}, {{block}}, call, methods of
// values, complex numbers) is refused with an error at parse or execution
// time; a template never prints something Go would not. Error texts follow
// Go's ("template: name:1: function \"humanise\" not defined").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "promlite/promql/value.h"

namespace promlite::promql {

// Runs a PromQL instant query for the template function `query` (an instant
// vector; a scalar result comes back as one sample without labels).
using TemplateQueryFunc = std::function<absl::StatusOr<Vector>(std::string_view query, int64_t ts_ms)>;

// The data an alert template sees: .Labels, .ExternalLabels, .ExternalURL,
// .Value and the variables $labels, $externalLabels, $externalURL, $value.
struct AlertTemplateData {
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  double value = 0;
};

// What the functions of a template need from their surroundings.
struct TemplateEnv {
  int64_t timestamp_ms = 0;  // `now`, and the time of `query`
  TemplateQueryFunc query;   // unset: `query` fails with an error
  std::string external_url;  // --web.external-url, for pathPrefix / externalURL
};

namespace tmpl {
struct Tree;
// Go's url.QueryEscape (templates' urlQueryEscape; alert generator URLs).
std::string GoQueryEscape(std::string_view s);
}

class Template {
 public:
  // Parses `text` as Go's text/template does with Prometheus' functions
  // defined. Errors: "template: <name>:<line>: <what>".
  static absl::StatusOr<Template> Parse(std::string_view name, std::string_view text);

  // Executes with `data` as dot. Errors: "template: <name>:<line>:<col>:
  // executing \"<name>\" at <node>: <what>".
  absl::StatusOr<std::string> Execute(const AlertTemplateData& data, const TemplateEnv& env) const;

  const std::string& name() const;

 private:
  std::shared_ptr<const tmpl::Tree> tree_;
};

// An alert label or annotation template as Prometheus parses it: the text
// preceded by the definitions of $labels, $externalLabels, $externalURL and
// $value, named "__alert_<alertname>".
class AlertTemplate {
 public:
  // The error is Go's parse error (what `promtool check rules` prints).
  static absl::StatusOr<AlertTemplate> Parse(std::string_view alert_name, std::string_view text);

  // Expands; the error reads "error executing template __alert_X: ...".
  absl::StatusOr<std::string> Expand(const AlertTemplateData& data, const TemplateEnv& env) const;

  // The text as written in the rule.
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::optional<Template> tmpl_;  // nullopt when the text has no "{{"
};

}  // namespace promlite::promql
