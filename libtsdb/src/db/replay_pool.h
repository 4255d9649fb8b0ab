// Applies replayed samples on several threads. Samples are sharded by series,
// so each series' samples are applied in WAL order by one worker; the reader
// thread decodes and dispatches the next record meanwhile.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "head/head.h"

namespace promlite::tsdb {

struct ReplayItem {
  head::MemSeries* series;
  Timestamp t;
  double v;
};

struct ReplayCounts {
  uint64_t appended = 0;
  uint64_t out_of_order = 0;
  uint64_t skipped_mapped = 0;  // already held by memory-mapped head chunks
};

class ReplayPool {
 public:
  // `workers` == 0 applies inline on the calling thread.
  ReplayPool(head::Head& head, Timestamp lower_bound, size_t workers);
  ~ReplayPool();

  size_t shards() const { return workers_.empty() ? 1 : workers_.size(); }
  // By series id, which the caller knows without touching the series.
  size_t ShardOf(uint64_t series_id) const { return series_id % shards(); }
  // Hands a batch to the shard's worker (blocks while too many are queued).
  void Submit(size_t shard, std::vector<ReplayItem>&& batch);
  // Waits until every submitted batch has been applied.
  void Drain();
  // Totals over all workers; call after Drain.
  ReplayCounts Counts() const;

 private:
  struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::vector<ReplayItem>> queue;
    bool busy = false;
    bool stop = false;
    ReplayCounts counts;
    std::thread thread;
  };
  void Apply(const std::vector<ReplayItem>& batch, ReplayCounts* counts);
  void Loop(Worker* w);

  head::Head& head_;
  const Timestamp lower_;
  std::vector<std::unique_ptr<Worker>> workers_;
  ReplayCounts inline_counts_;
};

}  // namespace promlite::tsdb
