#include "loop/scrape_cache.h"

#include "util/strings.h"

namespace promlite::scrape::loop {

void ScrapeCache::BeginIter() {
  if (++iter_ == 0) iter_ = 1;  // 0 means "never"
  touched_.clear();
  prev_hits_ = 0;
  seen_count_ = 0;
  dropped_seen_ = 0;
  hint_ = 0;
  added_keys_ = false;
}

int32_t ScrapeCache::Hit(uint32_t idx, bool* dup) {
  Entry& e = entries_[idx];
  *dup = e.seen_iter == iter_;
  if (!*dup) {
    e.seen_iter = iter_;
    seen_count_++;
  }
  hint_ = idx + 1;
  return static_cast<int32_t>(idx);
}

int32_t ScrapeCache::Find(std::string_view series, bool* dup) {
  if (hint_ < entries_.size()) {
    const Entry& e = entries_[hint_];
    if (e.live && e.key_len == series.size() && KeyOf(hint_) == series) return Hit(hint_, dup);
  }
  auto it = index_.find(series);
  if (it == index_.end()) return -1;
  return Hit(*it, dup);
}

uint32_t ScrapeCache::Add(std::string_view series, tsdb::SeriesRef ref) {
  uint32_t idx;
  if (!free_.empty()) {
    idx = free_.back();
    free_.pop_back();
  } else {
    idx = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  Entry& e = entries_[idx];
  e = Entry{};
  e.ref = ref;
  e.key_off = static_cast<uint32_t>(keys_.size());
  e.key_len = static_cast<uint32_t>(series.size());
  keys_.append(series);
  added_keys_ = true;
  e.seen_iter = iter_;
  e.live = true;
  seen_count_++;
  index_.insert(idx);
  hint_ = idx + 1;
  return idx;
}

bool ScrapeCache::IsDropped(std::string_view series) {
  if (dropped_.empty()) return false;
  auto it = dropped_.find(A(series));
  if (it == dropped_.end()) return false;
  if (it->second != iter_) {
    it->second = iter_;
    dropped_seen_++;
  }
  return true;
}

void ScrapeCache::AddDropped(std::string_view series) {
  dropped_.emplace(std::string(series), iter_);
  dropped_seen_++;
}

void ScrapeCache::Touch(uint32_t idx) {
  Entry& e = entries_[idx];
  if (e.touched_iter == iter_) return;
  e.touched_iter = iter_;
  if (e.tracked_iter == prev_ && prev_ != 0) prev_hits_++;
  touched_.push_back(idx);
}

void ScrapeCache::EndIter(bool success, bool flush) {
  if (success) {
    for (uint32_t idx : touched_) entries_[idx].tracked_iter = iter_;
    tracked_prev_count_ = touched_.size();
  } else {
    tracked_prev_count_ = 0;
  }
  prev_ = iter_;
  touched_.clear();
  size_t count = index_.size() + dropped_.size();
  if (success && flush) {
    successful_count_ = count;
  } else if (count > successful_count_ * 2 + 1000) {
    // Failing scrapes with changing series must not grow the cache forever.
    flush = true;
  } else {
    flush = false;
  }
  if (flush) Flush();
  // Once the set of series settles, give back what growing keys_ reserved.
  if (!added_keys_ && keys_.capacity() > keys_.size() + keys_.size() / 8 + 4096) keys_.shrink_to_fit();
}

void ScrapeCache::Flush() {
  // Everything this attempt did not see goes; cheap to skip when all was seen.
  if (seen_count_ < index_.size()) {
    for (auto it = index_.begin(); it != index_.end();) {
      Entry& e = entries_[*it];
      if (e.seen_iter != iter_) {
        e.live = false;
        dead_key_bytes_ += e.key_len;
        free_.push_back(*it);
        index_.erase(it++);
      } else {
        ++it;
      }
    }
    if (dead_key_bytes_ > 4096 && dead_key_bytes_ * 2 >= keys_.size()) CompactKeys();
  }
  if (dropped_seen_ < dropped_.size()) {
    for (auto it = dropped_.begin(); it != dropped_.end();) {
      if (it->second != iter_) {
        dropped_.erase(it++);
      } else {
        ++it;
      }
    }
  }
}

void ScrapeCache::CompactKeys() {
  // Entry numbers and key text do not change, so the index stays valid.
  std::string keys;
  keys.reserve(keys_.size() - dead_key_bytes_);
  for (Entry& e : entries_) {
    if (!e.live) {
      e.key_off = e.key_len = 0;
      continue;
    }
    uint32_t off = static_cast<uint32_t>(keys.size());
    keys.append(keys_, e.key_off, e.key_len);
    e.key_off = off;
  }
  keys_ = std::move(keys);
  dead_key_bytes_ = 0;
}

}  // namespace promlite::scrape::loop
