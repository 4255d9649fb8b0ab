// The samples a group evaluation has appended but not yet committed, and a
// Queryable that shows them on top of the storage.
//
// A group commits all its samples at once, but rules later in a group must
// see what earlier rules of the same evaluation wrote (Prometheus commits
// after every rule, and rule chains in one group depend on that). Queries of
// the group therefore read the storage through this overlay.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "promlite/tsdb/storage.h"

namespace promlite::promql::rules {

class PendingSamples {
 public:
  // Records a sample the appender accepted.
  void Add(const tsdb::Labels& l, int64_t t, double v);
  // The latest pending sample of a series, if any.
  const tsdb::Sample* Last(const tsdb::Labels& l) const;
  bool empty() const { return series_.empty(); }
  // Series in label order, samples in time order.
  const std::map<tsdb::Labels, std::vector<tsdb::Sample>>& series() const { return series_; }

 private:
  std::map<tsdb::Labels, std::vector<tsdb::Sample>> series_;
};

// Appends `pending`'s samples after the storage's own, per series. The
// pending samples are newer than anything committed (the appender rejects
// older ones), so a series' samples stay in time order.
class OverlayQueryable final : public tsdb::Queryable {
 public:
  OverlayQueryable(tsdb::Queryable* base, const PendingSamples* pending) : base_(base), pending_(pending) {}
  absl::StatusOr<std::unique_ptr<tsdb::Querier>> NewQuerier(tsdb::Timestamp mint, tsdb::Timestamp maxt) override;

 private:
  tsdb::Queryable* base_;
  const PendingSamples* pending_;
};

}  // namespace promlite::promql::rules
