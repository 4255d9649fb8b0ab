// info(v [, data-label-selector]): enriches series with the data labels of
// info metrics (target_info by default) that share their identifying
// labels (instance, job).
#include <algorithm>
#include <map>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/evaluator.h"
#include "engine/labels_util.h"
#include "engine/output_rows.h"
#include "engine/series_reader.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {
namespace {

constexpr std::string_view kTargetInfo = "target_info";
const std::vector<std::string>& IdentifyingLabels() {
  static const auto* k = new std::vector<std::string>{"instance", "job"};
  return *k;
}

std::vector<tsdb::Matcher> EffectiveInfoNameMatchers(const std::vector<tsdb::Matcher>& ms) {
  for (const tsdb::Matcher& m : ms) {
    if (m.type() == tsdb::MatchType::kEqual || m.type() == tsdb::MatchType::kRegexMatch) return ms;
  }
  if (!ms.empty()) {
    std::vector<tsdb::Matcher> out{tsdb::Matcher::MustMake(tsdb::MatchType::kRegexMatch, tsdb::kMetricName, ".+_info")};
    out.insert(out.end(), ms.begin(), ms.end());
    return out;
  }
  return {tsdb::Matcher::MustMake(tsdb::MatchType::kEqual, tsdb::kMetricName, kTargetInfo)};
}

// regexp.QuoteMeta.
std::string QuoteMeta(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The @ time and offset that govern the info series: those of the first
// selector in the first argument, shifted by enclosing subqueries until one
// of them has @.
void InfoTimeAndOffset(const Expr& e, std::optional<int64_t>* at, int64_t* offset) {
  bool found = false;
  Inspect(e, [&](const Expr& node, const std::vector<const Expr*>& path) {
    if (found) return false;
    const auto* vs = node.As<VectorSelector>();
    if (!vs) return true;
    found = true;
    *at = vs->at_ms;
    *offset = vs->offset_ms;
    for (size_t i = path.size(); !*at && i > 0; i--) {
      if (const auto* sq = path[i - 1]->As<SubqueryExpr>()) {
        *offset += sq->offset_ms;
        *at = sq->at_ms;
      }
    }
    return false;
  });
}

struct InfoSeries {
  tsdb::Labels metric;
  std::vector<double> orig_t;   // per step: timestamp of the sample used
  std::vector<uint8_t> has;
};

}  // namespace

absl::StatusOr<Value> Evaluator::EvalInfo(const Call& call) {
  std::optional<int64_t> at;
  int64_t offset = 0;
  InfoTimeAndOffset(*call.args[0], &at, &offset);
  PL_ASSIGN_OR_RETURN(Block base, EvalBlock(*call.args[0]));

  // Data-label matchers by label name.
  std::map<std::string, std::vector<tsdb::Matcher>> data_matchers;
  std::vector<tsdb::Matcher> name_matchers;
  if (call.args.size() > 1) {
    const auto& sel = static_cast<const VectorSelector&>(*call.args[1]);
    for (const tsdb::Matcher& m : sel.matchers) {
      data_matchers[m.name()].push_back(m);
      if (m.name() == tsdb::kMetricName) name_matchers.push_back(m);
    }
  } else {
    name_matchers.push_back(tsdb::Matcher::MustMake(tsdb::MatchType::kEqual, tsdb::kMetricName, kTargetInfo));
  }
  // Info series themselves are not enriched.
  std::vector<tsdb::Matcher> effective = EffectiveInfoNameMatchers(name_matchers);
  std::vector<uint8_t> ignored(base.rows(), 0);
  for (size_t r = 0; r < base.rows(); r++) {
    std::string_view name = base.meta(r).metric.MetricName();
    bool all = true;
    for (const tsdb::Matcher& m : effective) all = all && m.Matches(name);
    ignored[r] = all;
  }

  std::map<std::string, std::vector<std::string>> id_values;
  for (size_t r = 0; r < base.rows(); r++) {
    if (ignored[r]) continue;
    for (const std::string& l : IdentifyingLabels()) {
      std::string_view v = base.meta(r).metric.Get(l);
      if (v.empty()) continue;
      auto& vals = id_values[l];
      if (std::find(vals.begin(), vals.end(), v) == vals.end()) vals.emplace_back(v);
    }
  }
  std::vector<tsdb::Matcher> info_name_data_matchers;
  std::vector<tsdb::Matcher> select_matchers;
  for (auto& [name, vals] : id_values) {
    std::string re;
    for (size_t i = 0; i < vals.size(); i++) {
      if (i) re += '|';
      re += QuoteMeta(vals[i]);
    }
    auto m = tsdb::Matcher::Make(tsdb::MatchType::kRegexMatch, name, re);
    if (!m.ok()) return m.status();
    select_matchers.push_back(*m);
  }
  for (auto& [name, ms] : data_matchers) {
    for (const tsdb::Matcher& m : ms) {
      if (name == tsdb::kMetricName) {
        info_name_data_matchers.push_back(m);
      } else {
        select_matchers.push_back(m);
      }
    }
  }
  // __name__ selects the info metrics; it is not a data label.
  data_matchers.erase(std::string(tsdb::kMetricName));

  std::vector<InfoSeries> infos;
  if (!id_values.empty()) {
    for (const tsdb::Matcher& m : EffectiveInfoNameMatchers(info_name_data_matchers)) select_matchers.push_back(m);
    const int64_t lookback = ctx_->lookback_ms;
    int64_t sel_start = at ? *at : start_, sel_end = at ? *at : end_;
    sel_start = sel_start - (lookback - 1) - offset;
    sel_end -= offset;
    PL_ASSIGN_OR_RETURN(std::vector<SelectedSeries> series, Select(select_matchers, sel_start, sel_end, 0, "info"));
    infos.resize(series.size());
    PL_RETURN_IF_ERROR(ForEachSeriesSamples(
        *this, series, sel_start, sel_end, steps_, [&](size_t i, std::vector<tsdb::Sample>& pts) -> absl::Status {
          InfoSeries& s = infos[i];
          s.metric = series[i].labels;
          s.orig_t.assign(steps_, 0);
          s.has.assign(steps_, 0);
          int64_t points = 0;
          for (int step = 0; step < steps_; step++) {
            int64_t ref = (at ? *at : TimeAt(step)) - offset;
            // The latest sample in (ref - lookback, ref], if not stale.
            auto it = std::upper_bound(pts.begin(), pts.end(), ref,
                                       [](int64_t t, const tsdb::Sample& x) { return t < x.t; });
            if (it == pts.begin()) continue;
            const tsdb::Sample& x = *(it - 1);
            if (x.t <= ref - lookback || tsdb::IsStaleNaN(x.v)) continue;
            s.orig_t[step] = static_cast<double>(x.t);
            s.has[step] = 1;
            points++;
          }
          return ctx_->AddSamples(points);
        }));
  }

  // Signatures: the info metric's name plus the identifying labels.
  std::vector<std::string> info_names;
  for (const InfoSeries& s : infos) {
    std::string n(s.metric.MetricName());
    if (std::find(info_names.begin(), info_names.end(), n) == info_names.end()) info_names.push_back(n);
  }
  auto signature = [&](const std::string& name, const tsdb::Labels& l) {
    std::string sig = name;
    for (const std::string& id : IdentifyingLabels()) {
      absl::StrAppend(&sig, "\xff", id, "\xff", std::string(l.Get(id)));
    }
    return sig;
  };
  std::vector<std::string> info_sig(infos.size());
  for (size_t i = 0; i < infos.size(); i++) info_sig[i] = signature(std::string(infos[i].metric.MetricName()), infos[i].metric);
  std::vector<std::vector<std::pair<size_t, std::string>>> base_sigs(base.rows());
  for (size_t r = 0; r < base.rows(); r++) {
    for (size_t n = 0; n < info_names.size(); n++) base_sigs[r].emplace_back(n, signature(info_names[n], base.meta(r).metric));
  }
  bool all_match_empty = true;
  for (auto& [name, ms] : data_matchers) {
    for (const tsdb::Matcher& m : ms) all_match_empty = all_match_empty && m.Matches("");
  }

  OutputRows out(*this, /*keyed=*/true);
  absl::flat_hash_map<std::string, size_t> right;  // signature -> info series
  for (int step = 0; step < steps_; step++) {
    PL_RETURN_IF_ERROR(ctx_->CheckInterrupt());
    bool any_base = false;
    for (size_t r = 0; r < base.rows() && !any_base; r++) any_base = base.Has(r, step);
    if (!any_base) {
      PL_RETURN_IF_ERROR(out.EndStep(step));
      continue;
    }
    right.clear();
    for (size_t i = 0; i < infos.size(); i++) {
      if (!infos[i].has[step]) continue;
      auto [it, inserted] = right.emplace(info_sig[i], i);
      if (inserted) continue;
      int64_t existing_t = static_cast<int64_t>(infos[it->second].orig_t[step]);
      int64_t t = static_cast<int64_t>(infos[i].orig_t[step]);
      if (existing_t < t) {
        it->second = i;
      } else if (existing_t == t) {
        return ExecutionError(absl::StrCat("found duplicate series for info metric: existing ",
                                           PromString(infos[it->second].metric), " @ ", existing_t, ", new ",
                                           PromString(infos[i].metric), " @ ", t));
      }
    }
    for (size_t r = 0; r < base.rows(); r++) {
      if (!base.Has(r, step)) continue;
      const RowMeta& bm = base.meta(r);
      if (ignored[r]) {
        out.Emit(out.Slot(bm.metric), base.Get(r, step), bm.drop_name);
        continue;
      }
      tsdb::LabelsBuilder add{tsdb::Labels()};
      bool matched_any = false;
      for (const auto& [n, sig] : base_sigs[r]) {
        auto it = right.find(sig);
        if (it == right.end()) continue;
        for (tsdb::Label l : infos[it->second].metric) {
          if (l.name == tsdb::kMetricName) continue;
          if (!data_matchers.empty() && data_matchers.find(std::string(l.name)) == data_matchers.end()) continue;
          std::string_view cur = add.Get(l.name);
          if (!cur.empty() && cur != l.value) return ExecutionError(absl::StrCat("conflicting label: ", std::string(l.name)));
          if (bm.metric.Has(l.name)) continue;
          add.Set(l.name, l.value);
        }
        matched_any = true;
      }
      if (!matched_any && !all_match_empty) continue;
      tsdb::Labels extra = add.Build();
      tsdb::LabelsBuilder b(bm.metric);
      for (tsdb::Label l : extra) b.Set(l.name, l.value);
      out.Emit(out.Slot(b.Build()), base.Get(r, step), bm.drop_name);
    }
    PL_RETURN_IF_ERROR(out.EndStep(step));
  }
  return out.Finish();
}

}  // namespace promlite::promql::engine
