// Per-target memory of what earlier scrapes produced.
//
// The raw series text of an exposition line ("node_cpu_seconds_total{cpu="0",
// mode="idle"}") maps to the final label set and the storage ref it got last
// time, so the steady path does one hash lookup per sample and no label
// parsing, relabeling or allocation. Series that metric relabeling dropped are
// remembered too. The cache also tracks which series each successful scrape
// wrote, so the next one knows which disappeared and needs a stale marker.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/sample.h"

namespace promlite::scrape::loop {

class ScrapeCache {
 public:
  struct Entry {
    tsdb::SeriesRef ref = 0;
    uint64_t seen_iter = 0;     // last attempt that saw the series
    uint64_t touched_iter = 0;  // last attempt that wrote it (staleness candidate)
    uint64_t tracked_iter = 0;  // last successful scrape that wrote it
    bool live = false;
  };

  // Starts a scrape attempt.
  void BeginIter();
  uint64_t iter() const { return iter_; }

  // Index of the series' entry or -1. Marks it seen; *dup reports that this
  // attempt saw it before.
  int32_t Find(std::string_view series, bool* dup);
  uint32_t Add(std::string_view series, tsdb::SeriesRef ref);
  Entry& at(uint32_t idx) { return entries_[idx]; }

  // Series that metric relabeling drops. IsDropped marks it seen.
  bool IsDropped(std::string_view series);
  void AddDropped(std::string_view series);

  // Records that this attempt wrote the series (without an explicit
  // timestamp, or with track_timestamps_staleness).
  void Touch(uint32_t idx);

  // Calls f(ref) for each series the last successful scrape wrote and
  // this attempt did not, once per ref.
  template <typename F>
  void ForEachStale(F&& f);

  // Ends the attempt. On success the written series become the set the next
  // scrape compares against and entries unseen in this attempt are evicted.
  // On failure nothing counts as written (everything was marked stale).
  void EndIter(bool success, bool flush);

  size_t size() const { return index_.size(); }

 private:
  void Flush();

  absl::flat_hash_map<std::string, uint32_t> index_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  absl::flat_hash_map<std::string, uint64_t> dropped_;
  std::vector<uint32_t> touched_;
  uint64_t iter_ = 0;
  uint64_t prev_ = 0;              // the last successful attempt (its writes are tracked)
  size_t tracked_prev_count_ = 0;  // entries with tracked_iter == prev_
  size_t prev_hits_ = 0;           // of those, touched again in this attempt
  size_t seen_count_ = 0;
  size_t dropped_seen_ = 0;
  size_t successful_count_ = 0;
};

template <typename F>
void ScrapeCache::ForEachStale(F&& f) {
  if (prev_ == 0 || prev_hits_ == tracked_prev_count_) return;  // nothing disappeared
  absl::flat_hash_set<tsdb::SeriesRef> written;
  for (uint32_t idx : touched_) written.insert(entries_[idx].ref);
  absl::flat_hash_set<tsdb::SeriesRef> done;
  for (Entry& e : entries_) {
    if (!e.live || e.tracked_iter != prev_ || e.touched_iter == iter_) continue;
    // Two exposition strings can name one series; it is only stale if
    // neither was written.
    if (written.count(e.ref) || !done.insert(e.ref).second) continue;
    if (!f(e.ref)) return;
  }
}

}  // namespace promlite::scrape::loop
