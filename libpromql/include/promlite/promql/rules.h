// Recording and alerting rules, as Prometheus 3.x runs them.
//
//   Rule files:   ParseRuleFile / LoadRuleFile read Prometheus' YAML format
//                 strictly (what `promtool check rules` accepts), with its
//                 error texts and positions.
//   Evaluation:   RuleGroup evaluates its rules in order at one timestamp;
//                 recording rules write their samples, alerting rules keep
//                 pending / firing / inactive alerts and write ALERTS and
//                 ALERTS_FOR_STATE. All samples of one group evaluation are
//                 committed together; later rules of the group already see
//                 the samples of earlier ones, as in Prometheus.
//   Scheduling:   RuleManager runs each group on its interval (aligned by a
//                 hash of the group, as Prometheus does), restores `for`
//                 state after a restart and keeps state over reloads.
//   Unit tests:   RunRuleUnitTestFile runs promtool's rule test format.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "promlite/promql/engine.h"
#include "promlite/promql/parser.h"
#include "promlite/promql/template.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/storage.h"

namespace promlite::promql {

// ----------------------------------------------------------------------------
// Rule files (Prometheus' model/rulefmt).

// A YAML position, 1-based; 0:0 when the node is absent.
struct YamlPos {
  int line = 0;
  int column = 0;
};

struct RuleSpec {
  std::string record;
  std::string alert;
  std::string expr;
  int64_t for_ms = 0;
  int64_t keep_firing_for_ms = 0;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  YamlPos record_pos, alert_pos, expr_pos;
  const std::string& name() const { return alert.empty() ? record : alert; }
};

struct RuleGroupSpec {
  std::string name;
  int64_t interval_ms = 0;                 // 0: the global evaluation_interval
  std::optional<int64_t> query_offset_ms;  // unset: the global rule_query_offset
  int64_t limit = 0;                       // 0: no limit
  std::map<std::string, std::string> labels;
  std::vector<RuleSpec> rules;
  YamlPos pos;
};

struct RuleFileSpec {
  std::vector<RuleGroupSpec> groups;
  size_t RuleCount() const;
};

struct RuleFileOptions {
  ParseOptions promql;
  bool ignore_unknown_fields = false;
  // metric_name_validation_scheme: legacy ([a-zA-Z_:][a-zA-Z0-9_:]* names);
  // the default accepts any UTF-8 name, as Prometheus 3.
  bool legacy_names = false;
};

// Parses and validates a rule file's text. `filename` prefixes every
// message. On failure the status is InvalidArgument with one line per
// problem, each as `promtool check rules` prints it, e.g.
//   rules.yml: 5:13: group "g", rule 1, "x": invalid field 'for' in recording rule
// and `errors` (when given) receives the same lines one by one.
absl::StatusOr<RuleFileSpec> ParseRuleFile(std::string_view text, std::string_view filename,
                                           const RuleFileOptions& opts = {},
                                           std::vector<std::string>* errors = nullptr);
// Reads and parses a file.
absl::StatusOr<RuleFileSpec> LoadRuleFile(const std::string& path, const RuleFileOptions& opts = {},
                                          std::vector<std::string>* errors = nullptr);

// promtool's duplicate-rules lint: rules with the same name and labels
// (group labels included). Empty when there are none, else promtool's text
// ("2 duplicate rule(s) found.\nMetric: ...").
std::string LintDuplicateRules(const RuleFileSpec& file);

// Expands rule_files patterns: each is globbed (relative patterns against
// `base_dir`); matches in order, each file once.
absl::StatusOr<std::vector<std::string>> ResolveRuleFiles(const std::vector<std::string>& patterns,
                                                          std::string_view base_dir);

// ----------------------------------------------------------------------------
// Alerts and rules at run time.

// Milliseconds since the epoch; kNoTime for Go's zero time.
inline constexpr int64_t kNoTime = INT64_MIN;

enum class AlertState { kUnknown, kInactive, kPending, kFiring };
std::string_view AlertStateName(AlertState s);  // "unknown", "inactive", "pending", "firing"

enum class RuleHealth { kUnknown, kGood, kBad };
std::string_view RuleHealthName(RuleHealth h);  // "unknown", "ok", "err"

struct Alert {
  AlertState state = AlertState::kInactive;
  tsdb::Labels labels;
  // Expanded annotations, by name (an annotation may expand to "").
  std::vector<std::pair<std::string, std::string>> annotations;
  double value = 0;
  int64_t active_at = kNoTime;
  int64_t fired_at = kNoTime;
  int64_t resolved_at = kNoTime;
  int64_t last_sent_at = kNoTime;
  int64_t valid_until = kNoTime;
  int64_t keep_firing_since = kNoTime;
};

// Runs an instant query for a rule (or a template's `query`); a scalar comes
// back as one sample without labels.
using RuleQueryFunc = std::function<absl::StatusOr<Vector>(std::string_view query, int64_t ts_ms)>;
// Receives the alerts of an alerting rule that need (re)sending.
using NotifyFunc = std::function<void(std::string_view expr, const std::vector<Alert>& alerts)>;

// The wall-clock facts of a rule's last evaluation, safe to read while the
// group evaluates.
struct RuleStatus {
  RuleHealth health = RuleHealth::kUnknown;
  std::string last_error;
  double eval_seconds = 0;
  int64_t last_eval = kNoTime;  // wall time the evaluation started
};

class Rule {
 public:
  virtual ~Rule() = default;
  const std::string& name() const { return name_; }
  // The expression in Prometheus' canonical form (Expr.String()).
  const std::string& query() const { return query_; }
  // The rule's labels, group labels included (templates unexpanded).
  const tsdb::Labels& labels() const { return labels_; }
  virtual bool alerting() const = 0;
  RuleStatus status() const;
  // Identity for keeping state over reloads: name plus labels.
  std::string NameAndLabels() const;
  // Everything that defines the rule (a changed rule is a new rule).
  virtual std::string Definition() const = 0;

  // Evaluates at `ts` (the query runs at ts - query_offset). Returns the
  // samples to append. Alerting rules also advance their alerts.
  virtual absl::StatusOr<Vector> Eval(int64_t ts, int64_t query_offset_ms, const RuleQueryFunc& query,
                                      int64_t limit) = 0;

  void SetHealth(RuleHealth h, std::string last_error);
  void SetEvaluation(double seconds, int64_t started_at);

 protected:
  Rule(std::string name, std::string query, tsdb::Labels labels)
      : name_(std::move(name)), query_(std::move(query)), labels_(std::move(labels)) {}

 private:
  std::string name_;
  std::string query_;
  tsdb::Labels labels_;
  mutable std::mutex status_mu_;
  RuleStatus status_;
};

class RecordingRule final : public Rule {
 public:
  RecordingRule(std::string name, std::string query, tsdb::Labels labels)
      : Rule(std::move(name), std::move(query), std::move(labels)) {}
  bool alerting() const override { return false; }
  std::string Definition() const override;
  absl::StatusOr<Vector> Eval(int64_t ts, int64_t query_offset_ms, const RuleQueryFunc& query,
                              int64_t limit) override;
};

struct AlertingRuleOptions {
  int64_t hold_ms = 0;             // for
  int64_t keep_firing_for_ms = 0;  // keep_firing_for
  std::map<std::string, std::string> annotations;
  std::map<std::string, std::string> external_labels;
  std::string external_url;
  bool restored = false;  // false: ALERTS samples wait until `for` state is restored
  std::shared_ptr<tsdb::Logger> logger;
};

class AlertingRule final : public Rule {
 public:
  // Fails when a label or annotation template does not parse.
  static absl::StatusOr<std::shared_ptr<AlertingRule>> Create(std::string name, std::string query,
                                                              tsdb::Labels labels, AlertingRuleOptions opts);
  bool alerting() const override { return true; }
  std::string Definition() const override;
  absl::StatusOr<Vector> Eval(int64_t ts, int64_t query_offset_ms, const RuleQueryFunc& query,
                              int64_t limit) override;

  int64_t hold_ms() const { return opts_.hold_ms; }
  int64_t keep_firing_for_ms() const { return opts_.keep_firing_for_ms; }
  const std::map<std::string, std::string>& annotations() const { return opts_.annotations; }

  // The highest state of its alerts; kUnknown before the first evaluation.
  AlertState State() const;
  // Alerts that are not resolved, in no particular order.
  std::vector<Alert> ActiveAlerts() const;
  // Every alert it holds (resolved ones for 15 minutes).
  std::vector<Alert> CurrentAlerts() const;

  // Marks alerts due for (re)sending as sent at `ts` and hands them over.
  void SendAlerts(int64_t ts, int64_t resend_delay_ms, int64_t interval_ms, const NotifyFunc& notify);

  bool restored() const { return restored_.load(); }
  void SetRestored(bool r) { restored_.store(r); }
  // Restores `for` state from ALERTS_FOR_STATE in `q` (see RuleGroup).
  void RestoreForState(tsdb::Querier& q, int64_t ts, int64_t for_grace_period_ms, tsdb::Logger* logger);
  // Takes the alerts of a rule from the previous configuration.
  void CopyAlertsFrom(const AlertingRule& other);

 private:
  AlertingRule(std::string name, std::string query, tsdb::Labels labels, AlertingRuleOptions opts)
      : Rule(std::move(name), std::move(query), std::move(labels)), opts_(std::move(opts)) {}

  AlertingRuleOptions opts_;
  std::vector<std::pair<std::string, AlertTemplate>> label_templates_;
  std::vector<std::pair<std::string, AlertTemplate>> annotation_templates_;
  std::atomic<bool> restored_{false};
  mutable std::mutex mu_;
  std::map<uint64_t, Alert> active_;  // by hash of the alert's labels
  bool evaluated_ = false;
};

// ----------------------------------------------------------------------------
// Groups.

struct RuleGroupOptions {
  Engine* engine = nullptr;
  tsdb::Queryable* queryable = nullptr;
  tsdb::Appendable* appendable = nullptr;
  std::shared_ptr<tsdb::Logger> logger;
  NotifyFunc notify;  // may be unset
  int64_t resend_delay_ms = 60 * 1000;
  int64_t outage_tolerance_ms = 3600 * 1000;
  int64_t for_grace_period_ms = 10 * 60 * 1000;
  int64_t default_query_offset_ms = 0;
  // Observed after each rule evaluation (seconds).
  std::function<void(double)> observe_rule_seconds;
};

// Counters and gauges of a group, with Prometheus' metric meanings
// (prometheus_rule_evaluations_total, ...).
struct RuleGroupMetrics {
  double evaluations_total = 0;
  double evaluation_failures_total = 0;
  double iterations_missed_total = 0;
  double iterations_total = 0;
  double last_duration_seconds = 0;
  double last_rule_duration_sum_seconds = 0;
  double last_restore_duration_seconds = 0;
  double last_evaluation_timestamp_seconds = 0;
  double last_evaluation_samples = 0;
};

class RuleGroup {
 public:
  RuleGroup(std::string name, std::string file, int64_t interval_ms, int64_t limit,
            std::optional<int64_t> query_offset_ms, std::vector<std::shared_ptr<Rule>> rules,
            RuleGroupOptions opts);

  const std::string& name() const { return name_; }
  const std::string& file() const { return file_; }
  int64_t interval_ms() const { return interval_ms_; }
  int64_t limit() const { return limit_; }
  int64_t QueryOffsetMs() const;
  const std::vector<std::shared_ptr<Rule>>& rules() const { return rules_; }
  // file + ";" + name, the rule_group label of the metrics.
  std::string Key() const { return file_ + ";" + name_; }

  // Evaluates every rule at `ts` and commits their samples together.
  void Eval(int64_t ts);
  // Restores the `for` state of its alerting rules from ALERTS_FOR_STATE
  // (Prometheus' RestoreForState), treating `now` as the restart time.
  void RestoreForState(int64_t now);
  // Takes over state from the group it replaces: alerts, the series each
  // rule wrote last (for staleness), and series of rules that are gone.
  void CopyState(RuleGroup& from);
  // Writes staleness markers for every series the group wrote last (used
  // when the group is removed).
  void MarkAllStale(int64_t ts);
  // The first evaluation time at or before `now_ms` on the group's slot.
  int64_t EvalTimestamp(int64_t now_ms) const;
  // Whether `other` has the same definition (a reload keeps this group).
  bool Equals(const RuleGroup& other) const;

  double last_eval_seconds() const;
  int64_t last_evaluation() const;  // wall time, kNoTime before the first
  RuleGroupMetrics metrics() const;
  void AddMissedIterations(double n);
  // Bookkeeping of one scheduled iteration around Eval.
  void RecordIteration(double seconds, int64_t started_at);
  const RuleGroupOptions& options() const { return opts_; }

 private:
  void AppendSamples(int64_t ts);

  std::string name_, file_;
  int64_t interval_ms_;
  int64_t limit_;
  std::optional<int64_t> query_offset_ms_;
  std::vector<std::shared_ptr<Rule>> rules_;
  RuleGroupOptions opts_;

  mutable std::mutex mu_;
  // Per rule: the series it wrote at its last evaluation.
  std::vector<std::map<std::string, tsdb::Labels>> series_in_previous_eval_;
  std::vector<tsdb::Labels> stale_series_;
  double eval_seconds_ = 0;
  int64_t last_evaluation_ = kNoTime;
  RuleGroupMetrics metrics_;
};

// ----------------------------------------------------------------------------
// The manager: loading, scheduling, reloading.

struct RuleManagerOptions {
  Engine* engine = nullptr;
  tsdb::Queryable* queryable = nullptr;
  tsdb::Appendable* appendable = nullptr;
  std::shared_ptr<tsdb::Logger> logger;
  NotifyFunc notify;
  RuleFileOptions file_options;
  // --rules.alert.for-outage-tolerance, --rules.alert.for-grace-period,
  // --rules.alert.resend-delay with Prometheus' defaults.
  int64_t outage_tolerance_ms = 3600 * 1000;
  int64_t for_grace_period_ms = 10 * 60 * 1000;
  int64_t resend_delay_ms = 60 * 1000;
  std::function<void(double)> observe_rule_seconds;
  std::function<void(double)> observe_group_seconds;
};

class RuleManager {
 public:
  explicit RuleManager(RuleManagerOptions opts);
  ~RuleManager();
  RuleManager(const RuleManager&) = delete;
  RuleManager& operator=(const RuleManager&) = delete;

  // Loads the rule files and swaps in the new groups: unchanged groups keep
  // running untouched, changed ones take over the state of the old ones,
  // removed ones write staleness markers for their series two intervals
  // later. On any error the previous groups stay and every problem is
  // returned (one per line).
  absl::Status Update(int64_t eval_interval_ms, const std::vector<std::string>& files,
                      const tsdb::Labels& external_labels, const std::string& external_url,
                      int64_t default_query_offset_ms);
  // Starts evaluating (groups loaded before wait for this).
  void Run();
  // Stops every group and waits for evaluations in flight. Idempotent.
  void Stop();

  // Groups sorted by file, then name.
  std::vector<std::shared_ptr<RuleGroup>> RuleGroups() const;
  std::vector<std::shared_ptr<AlertingRule>> AlertingRules() const;

 private:
  struct Running;
  void StartGroup(const std::shared_ptr<Running>& r);
  void RunGroup(const std::shared_ptr<Running>& r);

  RuleManagerOptions opts_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Running>> groups_;  // by Key()
  // Removed groups still writing their staleness markers.
  std::vector<std::shared_ptr<Running>> retired_;
  bool started_ = false;
  bool stopped_ = false;
  bool restored_ = false;  // the first Update happened (later groups need no restore)
};

// ----------------------------------------------------------------------------
// promtool's rule unit tests (`promtool test rules`).

struct RuleUnitTestOptions {
  // Test groups whose name matches this (RE2, unanchored); empty: all.
  std::string run;
  bool ignore_unknown_fields = false;
  ParseOptions promql = ParseOptions::AllEnabled();
  // Extra output on stderr as promtool's --debug prints it.
  bool debug = false;
};

struct RuleUnitTestResult {
  std::string file;
  // Each failure as promtool prints it (multi-line); empty when passed.
  std::vector<std::string> errors;
  bool ok() const { return errors.empty(); }
};

// Runs one test file. Never fails as a whole: problems reading or parsing
// the file are reported in `errors` like promtool does.
RuleUnitTestResult RunRuleUnitTestFile(const std::string& path, const RuleUnitTestOptions& opts = {});

}  // namespace promlite::promql
