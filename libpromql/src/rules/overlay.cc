#include "rules/overlay.h"

#include <algorithm>
#include <set>

namespace promlite::promql::rules {

void PendingSamples::Add(const tsdb::Labels& l, int64_t t, double v) {
  auto& samples = series_[l];
  if (!samples.empty() && samples.back().t >= t) return;  // the appender would not keep it either
  samples.push_back(tsdb::Sample{t, v});
}

const tsdb::Sample* PendingSamples::Last(const tsdb::Labels& l) const {
  auto it = series_.find(l);
  if (it == series_.end() || it->second.empty()) return nullptr;
  return &it->second.back();
}

namespace {

using Samples = std::vector<tsdb::Sample>;

// The storage's samples of a series, then the pending ones after them.
class ConcatIterator final : public tsdb::SampleIterator {
 public:
  ConcatIterator(std::unique_ptr<tsdb::SampleIterator> base, const Samples* pending)
      : base_(std::move(base)), pending_(pending) {}

  bool Next() override {
    if (state_ == kBase || state_ == kStart) {
      if (base_ && base_->Next()) {
        state_ = kBase;
        last_base_t_ = base_->AtT();
        return true;
      }
      state_ = kPending;
      pi_ = FirstPendingAtOrAfter(last_base_t_ == tsdb::kMinTime ? tsdb::kMinTime : last_base_t_ + 1);
      return pi_ < Size();
    }
    if (state_ == kPending && pi_ < Size()) pi_++;
    return pi_ < Size();
  }

  bool Seek(tsdb::Timestamp t) override {
    if (state_ == kBase && base_->AtT() >= t) return true;
    if (state_ == kPending && pi_ < Size() && (*pending_)[pi_].t >= t) return true;
    if (state_ == kBase || state_ == kStart) {
      if (base_ && base_->Seek(t)) {
        state_ = kBase;
        last_base_t_ = base_->AtT();
        return true;
      }
      // Nothing in storage at or after t, so no pending sample from t on
      // can repeat a stored one.
      state_ = kPending;
      tsdb::Timestamp from = last_base_t_ == tsdb::kMinTime ? t : std::max(t, last_base_t_ + 1);
      pi_ = FirstPendingAtOrAfter(from);
      return pi_ < Size();
    }
    while (pi_ < Size() && (*pending_)[pi_].t < t) pi_++;
    return pi_ < Size();
  }

  tsdb::Timestamp AtT() const override { return state_ == kBase ? base_->AtT() : (*pending_)[pi_].t; }
  double AtV() const override { return state_ == kBase ? base_->AtV() : (*pending_)[pi_].v; }
  absl::Status Err() const override { return base_ ? base_->Err() : absl::OkStatus(); }

 private:
  enum State { kStart, kBase, kPending };
  size_t Size() const { return pending_ ? pending_->size() : 0; }
  size_t FirstPendingAtOrAfter(tsdb::Timestamp t) const {
    if (!pending_) return 0;
    auto it = std::lower_bound(pending_->begin(), pending_->end(), t,
                               [](const tsdb::Sample& s, tsdb::Timestamp x) { return s.t < x; });
    return static_cast<size_t>(it - pending_->begin());
  }

  std::unique_ptr<tsdb::SampleIterator> base_;
  const Samples* pending_;
  State state_ = kStart;
  tsdb::Timestamp last_base_t_ = tsdb::kMinTime;
  size_t pi_ = 0;
};

class MergedSeries final : public tsdb::Series {
 public:
  const tsdb::Labels& labels() const override { return labels_; }
  std::unique_ptr<tsdb::SampleIterator> Iterator() const override {
    return std::make_unique<ConcatIterator>(base_ ? base_->Iterator() : nullptr, pending_);
  }

  tsdb::Labels labels_;
  const tsdb::Series* base_ = nullptr;  // valid until the set advances
  const Samples* pending_ = nullptr;
};

// Merges the storage's sorted series with the matching pending ones.
class MergedSeriesSet final : public tsdb::SeriesSet {
 public:
  MergedSeriesSet(std::unique_ptr<tsdb::SeriesSet> base, std::vector<std::pair<tsdb::Labels, const Samples*>> pending)
      : base_(std::move(base)), pending_(std::move(pending)) {
    base_valid_ = base_->Next();
  }

  bool Next() override {
    if (advance_base_) base_valid_ = base_->Next();
    advance_base_ = false;
    bool have_pending = pi_ < pending_.size();
    if (!base_valid_ && !have_pending) return false;
    cur_ = MergedSeries();
    int cmp = !base_valid_ ? 1 : !have_pending ? -1 : Compare(base_->At().labels(), pending_[pi_].first);
    if (cmp <= 0) {
      cur_.labels_ = base_->At().labels();
      cur_.base_ = &base_->At();
      advance_base_ = true;
    }
    if (cmp >= 0) {
      cur_.labels_ = pending_[pi_].first;
      cur_.pending_ = pending_[pi_].second;
      pi_++;
    }
    return true;
  }
  const tsdb::Series& At() const override { return cur_; }
  absl::Status Err() const override { return base_->Err(); }
  std::vector<std::string> Warnings() const override { return base_->Warnings(); }

 private:
  std::unique_ptr<tsdb::SeriesSet> base_;
  std::vector<std::pair<tsdb::Labels, const Samples*>> pending_;
  size_t pi_ = 0;
  bool base_valid_ = false;
  bool advance_base_ = false;
  MergedSeries cur_;
};

class OverlayQuerier final : public tsdb::Querier {
 public:
  OverlayQuerier(std::unique_ptr<tsdb::Querier> base, const PendingSamples* pending, tsdb::Timestamp mint,
                 tsdb::Timestamp maxt)
      : base_(std::move(base)), pending_(pending), mint_(mint), maxt_(maxt) {}

  std::unique_ptr<tsdb::SeriesSet> Select(bool sorted, const tsdb::SelectHints* hints,
                                          const std::vector<tsdb::Matcher>& matchers) override {
    tsdb::Timestamp lo = mint_, hi = maxt_;
    if (hints != nullptr) lo = std::max(lo, hints->start), hi = std::min(hi, hints->end);
    std::vector<std::pair<tsdb::Labels, const Samples*>> matching;
    for (const auto& [l, samples] : pending_->series()) {
      if (samples.empty() || samples.back().t < lo || samples.front().t > hi) continue;
      if (tsdb::MatchesAll(l, matchers)) matching.emplace_back(l, &samples);
    }
    if (matching.empty()) return base_->Select(sorted, hints, matchers);
    return std::make_unique<MergedSeriesSet>(base_->Select(true, hints, matchers), std::move(matching));
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       const std::vector<tsdb::Matcher>& matchers) override {
    auto base = base_->LabelValues(name, matchers);
    if (!base.ok()) return base;
    std::set<std::string> all(base->begin(), base->end());
    for (const auto& [l, samples] : pending_->series()) {
      if (l.Has(name) && tsdb::MatchesAll(l, matchers)) all.insert(std::string(l.Get(name)));
    }
    return std::vector<std::string>(all.begin(), all.end());
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(const std::vector<tsdb::Matcher>& matchers) override {
    auto base = base_->LabelNames(matchers);
    if (!base.ok()) return base;
    std::set<std::string> all(base->begin(), base->end());
    for (const auto& [l, samples] : pending_->series()) {
      if (!tsdb::MatchesAll(l, matchers)) continue;
      for (const auto& lb : l) all.insert(std::string(lb.name));
    }
    return std::vector<std::string>(all.begin(), all.end());
  }

 private:
  std::unique_ptr<tsdb::Querier> base_;
  const PendingSamples* pending_;
  tsdb::Timestamp mint_, maxt_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<tsdb::Querier>> OverlayQueryable::NewQuerier(tsdb::Timestamp mint, tsdb::Timestamp maxt) {
  auto base = base_->NewQuerier(mint, maxt);
  if (!base.ok()) return base.status();
  if (pending_ == nullptr || pending_->empty()) return base;
  return std::unique_ptr<tsdb::Querier>(new OverlayQuerier(*std::move(base), pending_, mint, maxt));
}

}  // namespace promlite::promql::rules
