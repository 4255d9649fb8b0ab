// Head truncation after a block is written, safe reclamation of series,
// the commit bound, and head tombstones.
//
// Series are unlinked under the commit lock, so no commit can append to a
// series while it is being removed (a commit that finds its series removed
// re-creates it by labels). Their memory is freed later: appender batches and
// queriers register an epoch while they may hold series pointers, and a
// series unlinked at epoch E is freed once nothing registered at or before E
// remains.
#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "head/head.h"

namespace promlite::tsdb::head {

uint64_t Head::AcquireEpoch() {
  std::unique_lock l(epoch_mu_);
  epochs_[epoch_]++;
  return epoch_;
}

void Head::ReleaseEpoch(uint64_t e) {
  std::unique_lock l(epoch_mu_);
  auto it = epochs_.find(e);
  if (it != epochs_.end() && --it->second == 0) epochs_.erase(it);
}

void Head::FreeGraveyard() {
  std::vector<MemSeries*> to_free;
  {
    std::unique_lock l(epoch_mu_);
    uint64_t oldest = epochs_.empty() ? epoch_ + 1 : epochs_.begin()->first;
    std::vector<std::pair<uint64_t, std::vector<MemSeries*>>> rest;
    for (auto& e : graveyard_) {
      if (e.first < oldest) {
        to_free.insert(to_free.end(), e.second.begin(), e.second.end());
      } else {
        rest.push_back(std::move(e));
      }
    }
    graveyard_.swap(rest);
  }
  for (MemSeries* s : to_free) MemSeries::Destroy(s);
}

void Head::RaiseCommitBound(Timestamp t) {
  std::unique_lock l(commit_mu_);
  if (t > min_valid_time_.load(std::memory_order_relaxed)) min_valid_time_.store(t, std::memory_order_relaxed);
}

bool Head::Compactable() const {
  Timestamp mint = MinTime(), maxt = MaxTime();
  if (mint == kMaxTime || maxt == kMinTime) return false;
  return maxt - mint > opts_.chunk_range_ms / 2 * 3;
}

std::vector<uint32_t> Head::Truncate(Timestamp mint) {
  FreeGraveyard();
  std::vector<uint32_t> removed;
  std::vector<MemSeries*> dead;
  absl::flat_hash_set<uint32_t> dead_ids;
  std::vector<std::pair<uint32_t, uint32_t>> dead_pairs;
  Timestamp actual_min = kMaxTime;
  uint32_t min_file = 0;
  {
    std::unique_lock cl(commit_mu_);
    if (mint > min_valid_time_.load(std::memory_order_relaxed)) min_valid_time_.store(mint, std::memory_order_relaxed);
    uint32_t max_id = MaxSeriesId();
    for (uint32_t id = 1; id <= max_id; id++) {
      MemSeries* s = Series(id);
      if (s == nullptr) continue;
      bool empty;
      {
        std::lock_guard<SpinLock> l(s->mu());
        empty = s->TruncateBefore(mint);
        if (!empty) {
          actual_min = std::min(actual_min, s->MinTime());
          uint32_t f = s->MinFileSeq();
          if (f != 0 && (min_file == 0 || f < min_file)) min_file = f;
        }
      }
      if (!empty) continue;
      // Unlink: hash stripe, id table, postings.
      uint64_t hash = s->hash();
      Stripe& st = stripes_[hash & static_cast<uint64_t>(opts_.stripe_size - 1)];
      {
        std::unique_lock sl(st.mu);
        UnlinkLocked(st, s);
      }
      s->deleted.store(true, std::memory_order_release);
      PublishId(id, nullptr);
      dead.push_back(s);
      dead_ids.insert(id);
      for (uint16_t i = 0; i < s->num_labels(); i++) dead_pairs.emplace_back(s->syms()[2 * i], s->syms()[2 * i + 1]);
      removed.push_back(id);
    }
    num_series_.fetch_sub(removed.size(), std::memory_order_relaxed);
    min_time_.store(actual_min, std::memory_order_relaxed);
    // No series references a file below this one; with none referenced,
    // every file but the one being written can go.
    min_file_.store(min_file == 0 ? 0xffffffffu : min_file, std::memory_order_relaxed);
    Timestamp cur = max_time_.load(std::memory_order_relaxed);
    if (cur != kMinTime && cur < mint) max_time_.store(mint, std::memory_order_relaxed);
  }
  if (!dead.empty()) {
    std::sort(dead_pairs.begin(), dead_pairs.end());
    dead_pairs.erase(std::unique(dead_pairs.begin(), dead_pairs.end()), dead_pairs.end());
    postings_.Delete(dead_ids, dead_pairs);
    std::unique_lock l(epoch_mu_);
    graveyard_.emplace_back(epoch_, std::move(dead));
    epoch_++;
  }
  {
    std::unique_lock l(stones_mu_);
    auto next = std::make_shared<tombstones::Tombstones>(*stones_);
    next->TruncateBefore(mint);
    for (uint32_t id : removed) next->Erase(id);
    stones_ = std::move(next);
  }
  return removed;
}

std::vector<std::pair<uint32_t, tombstones::Interval>> Head::Delete(Timestamp mint, Timestamp maxt,
                                                                    const std::vector<Matcher>& ms) {
  std::vector<std::pair<uint32_t, tombstones::Interval>> added;
  Postings ids = SelectIds(ms);
  std::unique_lock l(stones_mu_);
  auto next = std::make_shared<tombstones::Tombstones>(*stones_);
  for (uint32_t id : ids) {
    MemSeries* s = Series(id);
    if (s == nullptr) continue;
    Timestamp smin, smax;
    {
      std::lock_guard<SpinLock> sl(s->mu());
      smin = s->MinTime();
      smax = s->MaxTime();
    }
    if (smin > maxt || smax < mint) continue;
    next->Add(id, tombstones::Interval{mint, maxt});
    added.emplace_back(id, tombstones::Interval{mint, maxt});
  }
  stones_ = std::move(next);
  return added;
}

void Head::AddTombstone(uint32_t id, tombstones::Interval iv) {
  std::unique_lock l(stones_mu_);
  auto next = std::make_shared<tombstones::Tombstones>(*stones_);
  next->Add(id, iv);
  stones_ = std::move(next);
}

std::shared_ptr<const tombstones::Tombstones> Head::Tombstones() const {
  std::unique_lock l(stones_mu_);
  return stones_;
}

}  // namespace promlite::tsdb::head
