// The rule manager (Prometheus' rules/manager.go and Group.run): loads rule
// files, runs one thread per group on the group's evaluation slot, and swaps
// groups on reload keeping the state of what did not change.
//
// A thread per group, like Prometheus' goroutine per group: a slow group
// never delays another, and groups are few (tens to hundreds).
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "promlite/promql/printer.h"
#include "promlite/promql/rules.h"
#include "rules/strings.h"

namespace promlite::promql {
namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct RuleManager::Running {
  std::shared_ptr<RuleGroup> group;
  bool should_restore = false;
  std::thread thread;

  std::mutex mu;
  std::condition_variable cv;
  bool go = false;          // the manager runs
  bool stop = false;        // leave the evaluation loop
  bool mark_stale = false;  // removed: write staleness markers after the loop
  bool manager_done = false;
  bool loop_done = false;
  bool finished = false;  // the thread has nothing left to do

  // Waits until `wall_ms` or a stop; true when stopped.
  bool WaitUntil(int64_t wall_ms) {
    std::unique_lock<std::mutex> l(mu);
    auto deadline = std::chrono::system_clock::time_point(std::chrono::milliseconds(wall_ms));
    return cv.wait_until(l, deadline, [&] { return stop; });
  }
  void Signal(bool remove) {
    {
      std::lock_guard<std::mutex> l(mu);
      stop = true;
      mark_stale = mark_stale || remove;
    }
    cv.notify_all();
  }
  void WaitLoopDone() {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return loop_done; });
  }
};

RuleManager::RuleManager(RuleManagerOptions opts) : opts_(std::move(opts)) {
  if (!opts_.logger) opts_.logger = tsdb::NewNopLogger();
}

RuleManager::~RuleManager() { Stop(); }

void RuleManager::RunGroup(const std::shared_ptr<Running>& r) {
  RuleGroup& g = *r->group;
  const int64_t interval = g.interval_ms();
  auto iterate = [&](int64_t ts) {
    const auto start = std::chrono::steady_clock::now();
    const int64_t started = WallMs();
    g.Eval(ts);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    g.RecordIteration(secs, started);
    if (opts_.observe_group_seconds) opts_.observe_group_seconds(secs);
  };
  // The next slot after a tick, counting slots that passed while busy.
  auto next_slot = [&](int64_t ts) {
    int64_t missed = (WallMs() - ts) / interval - 1;
    if (missed > 0) g.AddMissedIterations(static_cast<double>(missed));
    return ts + (std::max<int64_t>(missed, 0) + 1) * interval;
  };

  bool stopped;
  {
    std::unique_lock<std::mutex> l(r->mu);
    r->cv.wait(l, [&] { return r->go || r->stop; });
    stopped = r->stop;
  }
  if (!stopped) {
    // Wait for the group's first slot, so evaluations are evenly spread.
    int64_t ts = g.EvalTimestamp(WallMs()) + interval;
    stopped = r->WaitUntil(ts);
    if (!stopped) {
      iterate(ts);
      if (r->should_restore) {
        // Restore after a second evaluation: recording rules the alerts
        // depend on have caught up by then.
        stopped = r->WaitUntil(ts + interval);
        if (!stopped) {
          ts = next_slot(ts);
          iterate(ts);
          g.RestoreForState(WallMs());
        }
      }
      while (!stopped) {
        stopped = r->WaitUntil(ts + interval);
        if (stopped) break;
        ts = next_slot(ts);
        iterate(ts);
      }
    }
  }
  bool mark_stale;
  {
    std::lock_guard<std::mutex> l(r->mu);
    r->loop_done = true;
    mark_stale = r->mark_stale;
  }
  r->cv.notify_all();
  if (mark_stale) {
    // Two intervals give a renamed rule's new group time to write its
    // series first; a manager shutting down skips this.
    std::unique_lock<std::mutex> l(r->mu);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(2 * interval);
    bool done = r->cv.wait_until(l, deadline, [&] { return r->manager_done; });
    l.unlock();
    if (!done) g.MarkAllStale(WallMs());
  }
  std::lock_guard<std::mutex> l(r->mu);
  r->finished = true;
}

void RuleManager::StartGroup(const std::shared_ptr<Running>& r) {
  r->go = started_;
  r->thread = std::thread([this, r] { RunGroup(r); });
}

absl::Status RuleManager::Update(int64_t eval_interval_ms, const std::vector<std::string>& files,
                                 const tsdb::Labels& external_labels, const std::string& external_url,
                                 int64_t default_query_offset_ms) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return absl::OkStatus();
  const bool should_restore = !restored_;

  std::map<std::string, std::string> ext;
  for (const auto& lb : external_labels) ext.emplace(std::string(lb.name), std::string(lb.value));
  RuleGroupOptions gopts;
  gopts.engine = opts_.engine;
  gopts.queryable = opts_.queryable;
  gopts.appendable = opts_.appendable;
  gopts.logger = opts_.logger;
  gopts.notify = opts_.notify;
  gopts.resend_delay_ms = opts_.resend_delay_ms;
  gopts.outage_tolerance_ms = opts_.outage_tolerance_ms;
  gopts.for_grace_period_ms = opts_.for_grace_period_ms;
  gopts.default_query_offset_ms = default_query_offset_ms;
  gopts.observe_rule_seconds = opts_.observe_rule_seconds;

  std::map<std::string, std::shared_ptr<RuleGroup>> loaded;
  std::vector<std::string> errors;
  for (const std::string& file : files) {
    auto spec = LoadRuleFile(file, opts_.file_options, &errors);
    if (!spec.ok()) continue;
    for (const RuleGroupSpec& rg : spec->groups) {
      std::vector<std::shared_ptr<Rule>> rules;
      for (const RuleSpec& rs : rg.rules) {
        auto expr = ParseExpr(rs.expr, opts_.file_options.promql);
        if (!expr.ok()) {
          errors.push_back(absl::StrCat(file, ": ", expr.status().message()));
          continue;
        }
        std::map<std::string, std::string> merged = rg.labels;
        for (const auto& [k, v] : rs.labels) merged[k] = v;
        std::vector<std::pair<std::string_view, std::string_view>> pairs(merged.begin(), merged.end());
        tsdb::Labels labels = tsdb::Labels::FromPairs(pairs);
        if (!rs.alert.empty()) {
          AlertingRuleOptions ao;
          ao.hold_ms = rs.for_ms;
          ao.keep_firing_for_ms = rs.keep_firing_for_ms;
          ao.annotations = rs.annotations;
          ao.external_labels = ext;
          ao.external_url = external_url;
          ao.restored = !should_restore;
          ao.logger = opts_.logger;
          auto ar = AlertingRule::Create(rs.alert, Format(**expr), labels, std::move(ao));
          if (!ar.ok()) {
            errors.push_back(absl::StrCat(file, ": ", ar.status().message()));
            continue;
          }
          rules.push_back(*std::move(ar));
        } else {
          rules.push_back(std::make_shared<RecordingRule>(rs.record, Format(**expr), labels));
        }
      }
      int64_t interval = rg.interval_ms != 0 ? rg.interval_ms : eval_interval_ms;
      auto g = std::make_shared<RuleGroup>(rg.name, file, interval, rg.limit, rg.query_offset_ms, std::move(rules), gopts);
      loaded[g->Key()] = std::move(g);
    }
  }
  if (!errors.empty()) {
    for (const auto& e : errors) opts_.logger->Error("rules", "loading groups failed", {{"err", e}});
    return absl::InvalidArgumentError(
        absl::StrCat("error loading rules, previous rule set restored: ", absl::StrJoin(errors, "\n")));
  }
  restored_ = true;

  std::map<std::string, std::shared_ptr<Running>> next;
  for (auto& [key, g] : loaded) {
    auto old = groups_.find(key);
    if (old != groups_.end() && old->second->group->Equals(*g)) {
      next[key] = old->second;
      groups_.erase(old);
      continue;
    }
    if (old != groups_.end()) {
      old->second->Signal(false);
      old->second->WaitLoopDone();
      g->CopyState(*old->second->group);
      if (old->second->thread.joinable()) old->second->thread.join();
      groups_.erase(old);
    }
    auto r = std::make_shared<Running>();
    r->group = g;
    r->should_restore = should_restore;
    StartGroup(r);
    next[key] = std::move(r);
  }
  // Groups that are gone mark their series stale, after a while.
  for (auto& [key, r] : groups_) {
    r->Signal(true);
    r->WaitLoopDone();
    retired_.push_back(r);
  }
  groups_ = std::move(next);
  // Forget retired groups whose threads are done.
  for (auto it = retired_.begin(); it != retired_.end();) {
    bool finished;
    {
      std::lock_guard<std::mutex> rl((*it)->mu);
      finished = (*it)->finished;
    }
    if (finished) {
      if ((*it)->thread.joinable()) (*it)->thread.join();
      it = retired_.erase(it);
    } else {
      ++it;
    }
  }
  return absl::OkStatus();
}

void RuleManager::Run() {
  std::lock_guard<std::mutex> l(mu_);
  if (started_ || stopped_) return;
  opts_.logger->Info("rules", "Starting rule manager...");
  started_ = true;
  for (auto& [key, r] : groups_) {
    {
      std::lock_guard<std::mutex> rl(r->mu);
      r->go = true;
    }
    r->cv.notify_all();
  }
}

void RuleManager::Stop() {
  std::vector<std::shared_ptr<Running>> all;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
    stopped_ = true;
    opts_.logger->Info("rules", "Stopping rule manager...");
    for (auto& [key, r] : groups_) all.push_back(r);
    for (auto& r : retired_) all.push_back(r);
  }
  for (auto& r : all) {
    {
      std::lock_guard<std::mutex> rl(r->mu);
      r->stop = true;
      r->manager_done = true;
    }
    r->cv.notify_all();
  }
  for (auto& r : all) {
    if (r->thread.joinable()) r->thread.join();
  }
  opts_.logger->Info("rules", "Rule manager stopped");
}

std::vector<std::shared_ptr<RuleGroup>> RuleManager::RuleGroups() const {
  std::vector<std::shared_ptr<RuleGroup>> out;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& [key, r] : groups_) out.push_back(r->group);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a->file() != b->file()) return a->file() < b->file();
    return a->name() < b->name();
  });
  return out;
}

std::vector<std::shared_ptr<AlertingRule>> RuleManager::AlertingRules() const {
  std::vector<std::shared_ptr<AlertingRule>> out;
  for (const auto& g : RuleGroups()) {
    for (const auto& r : g->rules()) {
      if (r->alerting()) out.push_back(std::static_pointer_cast<AlertingRule>(r));
    }
  }
  return out;
}

}  // namespace promlite::promql
