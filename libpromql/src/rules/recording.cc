// The Rule base and recording rules (Prometheus' rules/recording.go).
#include "absl/strings/str_cat.h"
#include "promlite/promql/printer.h"
#include "promlite/promql/rules.h"
#include "rules/strings.h"

namespace promlite::promql {

std::string_view AlertStateName(AlertState s) {
  switch (s) {
    case AlertState::kUnknown: return "unknown";
    case AlertState::kInactive: return "inactive";
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
  }
  return "unknown";
}

std::string_view RuleHealthName(RuleHealth h) {
  switch (h) {
    case RuleHealth::kUnknown: return "unknown";
    case RuleHealth::kGood: return "ok";
    case RuleHealth::kBad: return "err";
  }
  return "unknown";
}

RuleStatus Rule::status() const {
  std::lock_guard<std::mutex> l(status_mu_);
  return status_;
}

void Rule::SetHealth(RuleHealth h, std::string last_error) {
  std::lock_guard<std::mutex> l(status_mu_);
  status_.health = h;
  status_.last_error = std::move(last_error);
}

void Rule::SetEvaluation(double seconds, int64_t started_at) {
  std::lock_guard<std::mutex> l(status_mu_);
  status_.eval_seconds = seconds;
  status_.last_eval = started_at;
}

std::string Rule::NameAndLabels() const { return name_ + labels_.ToString(); }

namespace {

void AppendMap(std::string* out, std::string_view key, const tsdb::Labels& l) {
  absl::StrAppend(out, AV(key), ":");
  for (const auto& lb : l) absl::StrAppend(out, " ", lb.name.size(), ":", AV(lb.name), "=", lb.value.size(), ":", AV(lb.value));
  out->push_back('\n');
}

}  // namespace

std::string RecordingRule::Definition() const {
  std::string out = absl::StrCat("record: ", name(), "\nexpr: ", query(), "\n");
  AppendMap(&out, "labels", labels());
  return out;
}

absl::StatusOr<Vector> RecordingRule::Eval(int64_t ts, int64_t query_offset_ms, const RuleQueryFunc& query_fn,
                                           int64_t limit) {
  absl::StatusOr<Vector> v = query_fn(query(), ts - query_offset_ms);
  if (!v.ok()) return v.status();
  Vector vec = *std::move(v);
  tsdb::LabelsBuilder lb;
  for (Sample& s : vec) {
    lb.Reset(s.metric);
    lb.Set(tsdb::kMetricName, name());
    for (const auto& l : labels()) lb.Set(l.name, l.value);
    s.metric = lb.Build();
  }
  if (vec.size() > 1) {
    std::vector<const tsdb::Labels*> sorted;
    sorted.reserve(vec.size());
    for (const Sample& s : vec) sorted.push_back(&s.metric);
    std::sort(sorted.begin(), sorted.end(), [](const tsdb::Labels* a, const tsdb::Labels* b) { return *a < *b; });
    for (size_t i = 1; i < sorted.size(); i++) {
      if (*sorted[i] == *sorted[i - 1]) {
        return absl::InvalidArgumentError("vector contains metrics with the same labelset after applying rule labels");
      }
    }
  }
  if (limit > 0 && static_cast<int64_t>(vec.size()) > limit) {
    return absl::InvalidArgumentError(absl::StrCat("exceeded limit of ", limit, " with ", vec.size(), " series"));
  }
  return vec;
}

}  // namespace promlite::promql
