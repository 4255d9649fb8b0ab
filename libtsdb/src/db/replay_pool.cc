#include "db/replay_pool.h"

namespace promlite::tsdb {
namespace {
constexpr size_t kMaxQueued = 8;  // batches per worker: bounds replay memory
}

ReplayPool::ReplayPool(head::Head& head, Timestamp lower_bound, size_t workers) : head_(head), lower_(lower_bound) {
  for (size_t i = 0; i < workers; i++) {
    auto w = std::make_unique<Worker>();
    Worker* raw = w.get();
    w->thread = std::thread([this, raw] { Loop(raw); });
    workers_.push_back(std::move(w));
  }
}

ReplayPool::~ReplayPool() {
  for (auto& w : workers_) {
    {
      std::lock_guard<std::mutex> l(w->mu);
      w->stop = true;
    }
    w->cv.notify_all();
  }
  for (auto& w : workers_) w->thread.join();
}

void ReplayPool::Apply(const std::vector<ReplayItem>& batch, ReplayCounts* counts) {
  uint64_t appended = 0, ooo = 0;
  Timestamp mint = kMaxTime, maxt = kMinTime;
  // Series are visited in WAL order, which is random in memory: prefetch the
  // series a few samples ahead, then its open chunk.
  const size_t n = batch.size();
  for (size_t i = 0; i < n; i++) {
    if (i + 8 < n) __builtin_prefetch(batch[i + 8].series);
    if (i + 4 < n) batch[i + 4].series->PrefetchForAppend();
    const ReplayItem& it = batch[i];
    if (it.t < lower_) continue;  // already persisted in a block
    if (it.t <= it.series->last_t()) {
      // A series with memory-mapped chunks skips what they already hold.
      if (it.series->has_mapped) {
        counts->skipped_mapped++;
      } else {
        ooo++;
      }
      continue;
    }
    if (head_.ReplayAppend(it.series, it.t, it.v)) {
      appended++;
      if (it.t < mint) mint = it.t;
      if (it.t > maxt) maxt = it.t;
    } else {
      ooo++;
    }
  }
  counts->appended += appended;
  counts->out_of_order += ooo;
  head_.FinishReplay(appended, ooo, mint, maxt);
}

void ReplayPool::Loop(Worker* w) {
  std::unique_lock<std::mutex> l(w->mu);
  for (;;) {
    w->cv.wait(l, [w] { return w->stop || !w->queue.empty(); });
    if (w->queue.empty()) return;  // stopping
    std::vector<ReplayItem> batch = std::move(w->queue.front());
    w->queue.pop_front();
    w->busy = true;
    l.unlock();
    w->cv.notify_all();  // room for the producer
    Apply(batch, &w->counts);
    l.lock();
    w->busy = false;
    w->cv.notify_all();
  }
}

void ReplayPool::Submit(size_t shard, std::vector<ReplayItem>&& batch) {
  if (batch.empty()) return;
  if (workers_.empty()) {
    Apply(batch, &inline_counts_);
    return;
  }
  Worker* w = workers_[shard].get();
  std::unique_lock<std::mutex> l(w->mu);
  w->cv.wait(l, [w] { return w->queue.size() < kMaxQueued; });
  w->queue.push_back(std::move(batch));
  l.unlock();
  w->cv.notify_all();
}

void ReplayPool::Drain() {
  for (auto& w : workers_) {
    std::unique_lock<std::mutex> l(w->mu);
    w->cv.wait(l, [&] { return w->queue.empty() && !w->busy; });
  }
}

ReplayCounts ReplayPool::Counts() const {
  ReplayCounts c = inline_counts_;
  for (const auto& w : workers_) {
    c.appended += w->counts.appended;
    c.out_of_order += w->counts.out_of_order;
    c.skipped_mapped += w->counts.skipped_mapped;
  }
  return c;
}

}  // namespace promlite::tsdb
