// The storage interfaces every layer programs against: the DB implements them,
// and so do test fixtures, remote storage and merges of several storages.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/matcher.h"
#include "promlite/tsdb/sample.h"

namespace promlite::tsdb {

// Iterates the samples of one series in increasing timestamp order.
class SampleIterator {
 public:
  virtual ~SampleIterator() = default;
  // Advances to the next sample; false at the end or on error (see Err).
  virtual bool Next() = 0;
  // Advances to the first sample with timestamp >= t. Never moves backwards:
  // if the current sample is already at or after t it stays there.
  virtual bool Seek(Timestamp t) = 0;
  // The current sample; valid after Next or Seek returned true.
  virtual Timestamp AtT() const = 0;
  virtual double AtV() const = 0;
  virtual absl::Status Err() const { return absl::OkStatus(); }

  // Appends every remaining sample with timestamp <= maxt to `out`. Query
  // engines use this to read a whole series without a virtual call per sample.
  virtual void ReadUntil(Timestamp maxt, std::vector<Sample>* out);
};

class Series {
 public:
  virtual ~Series() = default;
  virtual const Labels& labels() const = 0;
  // A fresh iterator over the series' samples within the querier's range.
  virtual std::unique_ptr<SampleIterator> Iterator() const = 0;
};

// A lazily produced, label-sorted (when asked) sequence of series.
class SeriesSet {
 public:
  virtual ~SeriesSet() = default;
  virtual bool Next() = 0;
  // Valid until the next call to Next.
  virtual const Series& At() const = 0;
  virtual absl::Status Err() const { return absl::OkStatus(); }
  // Non-fatal problems met while producing the set (e.g. a damaged block skipped).
  virtual std::vector<std::string> Warnings() const { return {}; }
};

std::unique_ptr<SeriesSet> EmptySeriesSet();
std::unique_ptr<SeriesSet> ErrorSeriesSet(absl::Status st);

// Hints a query engine passes down; storage may use them to read less.
struct SelectHints {
  Timestamp start = kMinTime;  // samples needed, inclusive
  Timestamp end = kMaxTime;
  int64_t step_ms = 0;
  int64_t range_ms = 0;
  std::string func;
};

class Querier {
 public:
  virtual ~Querier() = default;
  // Series matching every matcher, with samples in [mint, maxt] of the querier
  // (narrowed by hints when given). Sorted by labels when `sorted` is true.
  // Series without any sample in the range are left out.
  virtual std::unique_ptr<SeriesSet> Select(bool sorted, const SelectHints* hints,
                                            const std::vector<Matcher>& matchers) = 0;
  // Sorted, unique values of `name` among series matching `matchers` (all
  // series when empty).
  virtual absl::StatusOr<std::vector<std::string>> LabelValues(
      std::string_view name, const std::vector<Matcher>& matchers) = 0;
  // Sorted, unique label names among series matching `matchers`.
  virtual absl::StatusOr<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers) = 0;
};

class Queryable {
 public:
  virtual ~Queryable() = default;
  virtual absl::StatusOr<std::unique_ptr<Querier>> NewQuerier(Timestamp mint, Timestamp maxt) = 0;
};

// Collects samples; nothing is visible to queries before Commit, and a
// committed batch becomes visible all at once.
class Appender {
 public:
  virtual ~Appender() = default;
  // Adds a sample. `ref` is a hint from an earlier Append of the same series
  // (0 when unknown); the returned ref can be passed next time to skip the
  // label lookup. `lset` may be empty when `ref` is given: the series is then
  // found by ref alone, and an unknown ref fails with ErrUnknownSeriesRef()
  // (callers that keep only refs retry with the labels). Errors are
  // Prometheus' (out of order, duplicate sample for timestamp, out of bounds)
  // and name the series.
  virtual absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& lset, Timestamp t, double v) = 0;
  // Makes the batch durable (written to the WAL) and visible.
  virtual absl::Status Commit() = 0;
  // Drops the batch.
  virtual absl::Status Rollback() = 0;
};

class Appendable {
 public:
  virtual ~Appendable() = default;
  virtual std::unique_ptr<Appender> NewAppender() = 0;
};

class Storage : public Queryable, public Appendable {};

// Prometheus' append errors, so callers can tell them apart and count them.
// The returned status has the given code's message; test with these helpers.
// `detail` (e.g. the series and timestamp) is appended to the message.
absl::Status ErrOutOfOrderSample(std::string_view detail = {});
absl::Status ErrDuplicateSampleForTimestamp(std::string_view detail = {});
absl::Status ErrOutOfBounds(std::string_view detail = {});
absl::Status ErrUnknownSeriesRef(std::string_view detail = {});
bool IsOutOfOrder(const absl::Status& st);
bool IsUnknownSeriesRef(const absl::Status& st);
bool IsDuplicateSample(const absl::Status& st);
bool IsOutOfBounds(const absl::Status& st);

}  // namespace promlite::tsdb
