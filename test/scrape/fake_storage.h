// An in-memory Appendable for scrape tests: keeps committed samples per
// series, drops rolled-back batches, and rejects out-of-order and duplicate
// samples like the TSDB head does.
#pragma once

#include <cmath>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "promlite/tsdb/storage.h"

namespace promlite::scrape::testing {

class FakeStorage : public tsdb::Appendable {
 public:
  struct Series {
    tsdb::Labels lset;
    std::vector<tsdb::Sample> samples;
  };

  std::unique_ptr<tsdb::Appender> NewAppender() override;

  // Committed samples of the series printed as `lset` (Labels::ToString()).
  std::vector<tsdb::Sample> Samples(const std::string& lset) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = by_name_.find(lset);
    if (it == by_name_.end()) return {};
    return series_.at(it->second).samples;
  }
  std::vector<std::string> SeriesNames() const {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<std::string> out;
    for (const auto& [name, ref] : by_name_) {
      if (!series_.at(ref).samples.empty()) out.push_back(name);
    }
    return out;
  }
  // The last committed value of a series; NaN if none.
  double Last(const std::string& lset) const {
    auto s = Samples(lset);
    return s.empty() ? std::nan("") : s.back().v;
  }
  // Drops a series as head garbage collection does: its ref becomes unknown
  // and a later append by labels creates it anew under a new ref.
  void Forget(const std::string& lset) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = by_name_.find(lset);
    if (it == by_name_.end()) return;
    series_.erase(it->second);
    by_name_.erase(it);
  }
  size_t commits() const {
    std::lock_guard<std::mutex> l(mu_);
    return commits_;
  }
  size_t rollbacks() const {
    std::lock_guard<std::mutex> l(mu_);
    return rollbacks_;
  }
  size_t appends() const {
    std::lock_guard<std::mutex> l(mu_);
    return appends_;
  }

 private:
  friend class FakeAppender;
  mutable std::mutex mu_;
  std::map<tsdb::SeriesRef, Series> series_;
  std::map<std::string, tsdb::SeriesRef> by_name_;
  tsdb::SeriesRef next_ref_ = 1;
  size_t commits_ = 0, rollbacks_ = 0, appends_ = 0;
};

class FakeAppender : public tsdb::Appender {
 public:
  explicit FakeAppender(FakeStorage* s) : s_(s) {}
  absl::StatusOr<tsdb::SeriesRef> Append(tsdb::SeriesRef ref, const tsdb::Labels& lset, tsdb::Timestamp t,
                                         double v) override {
    std::lock_guard<std::mutex> l(s_->mu_);
    s_->appends_++;
    auto it = ref ? s_->series_.find(ref) : s_->series_.end();
    if (it == s_->series_.end() && lset.empty()) return tsdb::ErrUnknownSeriesRef();
    if (it == s_->series_.end() || (!lset.empty() && it->second.lset != lset)) {
      std::string name = lset.ToString();
      auto n = s_->by_name_.find(name);
      if (n == s_->by_name_.end()) {
        // Like the head, the series exists from its first append on, even
        // if the batch is rolled back.
        ref = s_->next_ref_++;
        s_->series_[ref].lset = lset;
        s_->by_name_[name] = ref;
      } else {
        ref = n->second;
      }
    }
    const Series& committed = s_->series_[ref];
    tsdb::Timestamp last = committed.samples.empty() ? tsdb::kMinTime : committed.samples.back().t;
    double last_v = committed.samples.empty() ? 0 : committed.samples.back().v;
    for (const auto& p : pending_) {
      if (p.ref == ref) {
        last = p.t;
        last_v = p.v;
      }
    }
    if (t < last) return tsdb::ErrOutOfOrderSample();
    if (t == last) {
      if (std::bit_cast<uint64_t>(v) == std::bit_cast<uint64_t>(last_v)) return ref;
      return tsdb::ErrDuplicateSampleForTimestamp();
    }
    pending_.push_back(P{ref, t, v});
    return ref;
  }
  absl::Status Commit() override {
    std::lock_guard<std::mutex> l(s_->mu_);
    for (const auto& p : pending_) s_->series_[p.ref].samples.push_back(tsdb::Sample{p.t, p.v});
    pending_.clear();
    s_->commits_++;
    return absl::OkStatus();
  }
  absl::Status Rollback() override {
    std::lock_guard<std::mutex> l(s_->mu_);
    pending_.clear();
    s_->rollbacks_++;
    return absl::OkStatus();
  }

 private:
  struct P {
    tsdb::SeriesRef ref;
    tsdb::Timestamp t;
    double v;
  };
  using Series = FakeStorage::Series;
  FakeStorage* s_;
  std::vector<P> pending_;
};

inline std::unique_ptr<tsdb::Appender> FakeStorage::NewAppender() { return std::make_unique<FakeAppender>(this); }

}  // namespace promlite::scrape::testing
