// The head block: the in-memory, appendable part of the database.
//
// Series live in lock-striped hash tables keyed by their label hash and in a
// dense id table; an inverted index serves matchers. Appenders buffer samples
// and apply them at commit under one commit lock, which also orders the WAL.
// Readers see exactly the commits that finished before their querier was
// created (see MemSeries::VisibleMaxTime).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include <mutex>
#include "head/postings.h"
#include "head/series.h"
#include "head/symbols.h"
#include "util/ptr_table.h"
#include "util/spinlock.h"
#include "tombstones/tombstones.h"
#include "promlite/tsdb/db.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/storage.h"

namespace promlite::tsdb::blocks {
class ChunkSeriesSet;
}

namespace promlite::tsdb::head {

struct HeadOptions {
  int64_t chunk_range_ms = 2 * 3600 * 1000;
  int stripe_size = 16384;  // number of lock stripes, a power of two
  std::shared_ptr<Logger> logger;
};

struct SampleRef {
  MemSeries* series;
  Timestamp t;
  double v;
};

// Writes a commit (its not yet logged series, then its samples) to the WAL
// before it becomes visible. Called under the commit lock, so commits reach
// the log in the order they become visible. An error aborts the commit.
using CommitLogFn =
    std::function<absl::Status(const std::vector<MemSeries*>& new_series, const std::vector<SampleRef>& samples)>;

struct HeadStats {
  uint64_t num_series = 0;
  uint64_t samples_appended = 0;
  uint64_t out_of_order_samples = 0;
  uint64_t out_of_bounds_samples = 0;
  uint64_t series_created = 0;
  uint64_t chunks = 0;
  Timestamp min_time = kMaxTime;
  Timestamp max_time = kMinTime;
};

class Head {
 public:
  explicit Head(HeadOptions opts);
  ~Head();
  Head(const Head&) = delete;
  Head& operator=(const Head&) = delete;

  // Sets the hook that writes a commit's records (the WAL). Without one,
  // commits are memory-only.
  void SetCommitLog(CommitLogFn fn) { commit_log_ = std::move(fn); }
  // Full chunks are written to `files` and dropped from memory (set before
  // any append; null keeps them in memory).
  void SetChunkFiles(chunks::HeadChunkFiles* files) {
    files_ = files;
    chunk_opts_.files = files;
  }
  chunks::HeadChunkFiles* chunk_files() const { return files_; }
  // Lowest chunks_head file still referenced (0: none), computed by the last Truncate.
  uint32_t MinReferencedFile() const { return min_file_.load(std::memory_order_relaxed); }

  // Finds or creates the series of `lset` (validated by the caller). `created`
  // tells whether this call made it.
  MemSeries* GetOrCreate(const Labels& lset, bool* created);
  // Creates a series with a given id (WAL replay). If the labels exist under
  // another id, returns that series and sets *dup.
  MemSeries* CreateWithId(uint32_t id, const Labels& lset, bool* dup);
  // The series of an id, or nullptr.
  MemSeries* Series(uint64_t id) const;

  Labels LabelsOf(const MemSeries* s) const;

  // Minimum timestamp an append may have (Prometheus: max of the head's
  // lower bound and max time minus half a block range).
  Timestamp MinValidTime() const;
  void SetMinValidTime(Timestamp t) { min_valid_time_.store(t, std::memory_order_relaxed); }
  // The lower bound alone (the newest block's end), without the appendable window.
  Timestamp LowerBound() const { return min_valid_time_.load(std::memory_order_relaxed); }
  // Raises the bound below which commits drop samples (out of bounds), under
  // the commit lock: every commit after this call respects it. Used before a
  // head range is written to a block, so no sample can slip in below.
  void RaiseCommitBound(Timestamp t);

  // --- compaction and garbage collection ---

  // Whether the head spans more than 1.5 block ranges (Prometheus' rule).
  bool Compactable() const;
  // Label-sorted series with their committed chunks clipped to [mint, maxt]
  // and head tombstones applied, plus every label string they use (sorted).
  std::unique_ptr<blocks::ChunkSeriesSet> RangeSeries(Timestamp mint, Timestamp maxt,
                                                      std::vector<std::string>* symbols);
  // Drops data before `mint` (now in a block): chunks, then series left
  // without chunks (unlinked at once, freed once no appender or reader that
  // could still hold them remains). Returns the ids of removed series.
  std::vector<uint32_t> Truncate(Timestamp mint);

  // --- deletion ---

  // Adds tombstones [mint, maxt] for the series matching `ms`. Returns the
  // intervals added (for the WAL).
  std::vector<std::pair<uint32_t, tombstones::Interval>> Delete(Timestamp mint, Timestamp maxt,
                                                                const std::vector<Matcher>& ms);
  // WAL replay of a tombstone record.
  void AddTombstone(uint32_t id, tombstones::Interval iv);
  std::shared_ptr<const tombstones::Tombstones> Tombstones() const;

  // Chunk series for a querier at read sequence `seq` (see AcquireReadSeq).
  std::unique_ptr<blocks::ChunkSeriesSet> SelectChunks(uint64_t seq, bool sorted, Timestamp mint, Timestamp maxt,
                                                       const std::vector<Matcher>& matchers);

  // Applies a batch atomically (see class comment). Samples that turned out
  // out of order against concurrent commits are dropped and counted.
  absl::Status Commit(std::vector<SampleRef>& samples, std::vector<MemSeries*>& new_series);
  // WAL replay: appends a sample without logging (single-threaded, before
  // any reader exists); counters are added once per batch by FinishReplay.
  bool ReplayAppend(MemSeries* s, Timestamp t, double v);
  void FinishReplay(uint64_t appended, uint64_t out_of_order, Timestamp mint, Timestamp maxt);

  // After MarkClosed, appends, commits and new queriers fail.
  void MarkClosed();
  bool closed() const { return closed_.load(std::memory_order_acquire); }

  std::unique_ptr<Appender> NewAppender();
  std::unique_ptr<Querier> NewQuerier(Timestamp mint, Timestamp maxt);

  // Series ids matching every matcher, sorted ascending.
  Postings SelectIds(const std::vector<Matcher>& matchers) const;
  std::vector<std::string> LabelNames(const std::vector<Matcher>& matchers) const;
  std::vector<std::string> LabelValues(std::string_view name, const std::vector<Matcher>& matchers) const;

  HeadStats Stats() const;
  // Cardinality from the postings index (series counts per name/value).
  CardinalityStats Cardinality(size_t limit) const;
  Timestamp MinTime() const { return min_time_.load(std::memory_order_relaxed); }
  Timestamp MaxTime() const { return max_time_.load(std::memory_order_relaxed); }
  uint32_t MaxSeriesId() const { return next_id_.load(std::memory_order_relaxed) - 1; }
  // Bytes of series metadata, index and symbols (not sample chunks).
  size_t IndexMemoryBytes() const;

  const SymbolTable& symbols() const { return symbols_; }
  const MemPostings& postings() const { return postings_; }

  // Reader registration for commit isolation (and for the lifetime of
  // series pointers: see Truncate).
  uint64_t AcquireReadSeq();
  void ReleaseReadSeq(uint64_t seq);
  // Appenders holding series pointers in a batch register the same way.
  uint64_t AcquireEpoch();
  void ReleaseEpoch(uint64_t epoch);

  void CountOutOfBounds() { out_of_bounds_.fetch_add(1, std::memory_order_relaxed); }

 private:
  // One lock stripe of the labels-hash -> series index, with a small chained
  // hash table of its own: buckets picked by the hash's upper half (the
  // stripe is picked by its low bits), chains linked through
  // MemSeries::hash_next, doubled when it holds more series than buckets.
  // About 8-16 bytes per series, against ~30 for a map per stripe.
  struct Stripe {
    SpinLock mu;
    uint32_t count = 0;
    uint32_t mask = 0;  // buckets - 1
    std::unique_ptr<MemSeries*[]> buckets;
    MemSeries** Bucket(uint64_t hash) { return &buckets[(hash >> 32) & mask]; }
  };

  bool LabelsEqual(const MemSeries* s, const Labels& lset) const;
  MemSeries* FindLocked(Stripe& st, uint64_t hash, const Labels& lset) const;
  static void LinkLocked(Stripe& st, MemSeries* s);
  static void UnlinkLocked(Stripe& st, MemSeries* s);
  MemSeries* Insert(uint32_t id, uint64_t hash, const Labels& lset);
  void PublishId(uint32_t id, MemSeries* s);
  void UpdateTimeBounds(Timestamp mint, Timestamp maxt);
  MemSeries* Revive(MemSeries* dead);
  uint64_t Watermark();
  Postings AllIds() const;
  Postings PostingsForMatcher(const Matcher& m, bool* is_negative, bool* skip) const;

  HeadOptions opts_;
  ChunkOptions chunk_opts_;
  chunks::HeadChunkFiles* files_ = nullptr;
  std::atomic<uint32_t> min_file_{0};
  SymbolTable symbols_;
  MemPostings postings_;
  std::unique_ptr<Stripe[]> stripes_;

  // id -> series, two-level so readers need no lock.
  PtrTable<MemSeries> ids_;
  std::atomic<uint32_t> next_id_{1};
  std::atomic<uint64_t> num_series_{0};

  CommitLogFn commit_log_;
  std::mutex commit_mu_;
  std::atomic<uint64_t> committed_seq_{0};
  std::mutex readers_mu_;
  std::map<uint64_t, int> readers_;  // read seq -> count

  std::atomic<bool> closed_{false};
  std::atomic<Timestamp> min_time_{kMaxTime};
  std::atomic<Timestamp> max_time_{kMinTime};
  std::atomic<Timestamp> min_valid_time_{kMinTime};
  std::atomic<uint64_t> samples_appended_{0};
  std::atomic<uint64_t> out_of_order_{0};
  std::atomic<uint64_t> out_of_bounds_{0};
  std::atomic<uint64_t> series_created_{0};

  // Garbage collection: series unlinked at epoch E are freed when every
  // reader and appender batch registered at or before E is gone.
  std::mutex epoch_mu_;
  uint64_t epoch_ = 1;
  std::map<uint64_t, int> epochs_;  // epoch -> holders
  std::vector<std::pair<uint64_t, std::vector<MemSeries*>>> graveyard_;
  void FreeGraveyard();

  mutable std::mutex stones_mu_;
  std::shared_ptr<const tombstones::Tombstones> stones_ = std::make_shared<tombstones::Tombstones>();
};

}  // namespace promlite::tsdb::head
