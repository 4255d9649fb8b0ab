// Per-target memory of what earlier scrapes produced.
//
// The raw series text of an exposition line ("node_cpu_seconds_total{cpu="0",
// mode="idle"}") maps to the final label set and the storage ref it got last
// time, so the steady path does one hash lookup per sample and no label
// parsing, relabeling or allocation. Series that metric relabeling dropped are
// remembered too. The cache also tracks which series each successful scrape
// wrote, so the next one knows which disappeared and needs a stale marker.
//
// Layout, for a cache that is cold between scrapes: the keys live back to
// back in one buffer in the order they were first seen, entries are a vector
// in the same order, and the hash index holds only entry numbers. Targets
// expose their series in the same order every time, so Find first tries the
// entry after the last one found: that reads the keys as a sequential stream
// the prefetcher follows, instead of a hash probe and a pointer chase per
// sample. The hash index is the fallback and stays exact.
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
    uint32_t key_off = 0;  // the raw series text in keys_
    uint32_t key_len = 0;
    // Attempt numbers are 32-bit (136 years of 1 s scrapes; 0 is never used),
    // which keeps an entry at 32 bytes: there is one per scraped series.
    uint32_t seen_iter = 0;     // last attempt that saw the series
    uint32_t touched_iter = 0;  // last attempt that wrote it (staleness candidate)
    uint32_t tracked_iter = 0;  // last successful scrape that wrote it
    bool live = false;
  };

  ScrapeCache() : index_(0, KeyHash{this}, KeyEq{this}) {}
  // The index refers back to this object.
  ScrapeCache(const ScrapeCache&) = delete;
  ScrapeCache& operator=(const ScrapeCache&) = delete;

  // Starts a scrape attempt.
  void BeginIter();
  uint32_t iter() const { return iter_; }

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
  // Bytes of key text held, live or not yet compacted away (for tests).
  size_t key_bytes() const { return keys_.size(); }

 private:
  // Hash and equality over entry numbers that look the key up, and accept
  // the key text itself for lookups.
  struct KeyHash {
    using is_transparent = void;
    const ScrapeCache* c;
    size_t operator()(uint32_t idx) const { return absl::Hash<std::string_view>{}(c->KeyOf(idx)); }
    size_t operator()(std::string_view key) const { return absl::Hash<std::string_view>{}(key); }
  };
  struct KeyEq {
    using is_transparent = void;
    const ScrapeCache* c;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, std::string_view b) const { return c->KeyOf(a) == b; }
    bool operator()(std::string_view a, uint32_t b) const { return a == c->KeyOf(b); }
  };

  std::string_view KeyOf(uint32_t idx) const {
    const Entry& e = entries_[idx];
    return std::string_view(keys_.data() + e.key_off, e.key_len);
  }
  int32_t Hit(uint32_t idx, bool* dup);
  void Flush();
  // Rewrites keys_ without the text of removed entries.
  void CompactKeys();

  absl::flat_hash_set<uint32_t, KeyHash, KeyEq> index_;
  std::string keys_;
  size_t dead_key_bytes_ = 0;
  bool added_keys_ = false;  // keys_ grew in this attempt
  uint32_t hint_ = 0;        // entry after the last one found
  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  absl::flat_hash_map<std::string, uint32_t> dropped_;
  std::vector<uint32_t> touched_;
  uint32_t iter_ = 0;
  uint32_t prev_ = 0;              // the last successful attempt (its writes are tracked)
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
