#include "http/watchdog.h"

namespace promlite::scrape::http {

Watchdog::Watchdog() : thread_([this] { Loop(); }) {}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Watchdog& Watchdog::Global() {
  // Never destroyed: scrape loops of other static objects may still use it
  // while the process exits.
  static Watchdog* w = new Watchdog();
  return *w;
}

uint64_t Watchdog::Arm(Clock::time_point deadline, std::function<void()> cancel) {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t id = next_id_++;
  by_time_.emplace(deadline, id);
  armed_.emplace(id, std::make_pair(deadline, std::move(cancel)));
  if (deadline < wake_at_) {
    wake_at_ = deadline;
    cv_.notify_all();
  }
  return id;
}

void Watchdog::Disarm(uint64_t id) {
  std::unique_lock<std::mutex> l(mu_);
  auto it = armed_.find(id);
  if (it != armed_.end()) {
    auto range = by_time_.equal_range(it->second.first);
    for (auto t = range.first; t != range.second; ++t) {
      if (t->second == id) {
        by_time_.erase(t);
        break;
      }
    }
    armed_.erase(it);
  }
  // A callback that already started must finish before the caller frees
  // what it touches.
  cv_.wait(l, [&] { return firing_ != id; });
}

void Watchdog::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  // After the last armed deadline went, keep a timed wait this long before
  // sleeping until notified: scrapes arm every few milliseconds, and each one
  // would otherwise wake this thread.
  constexpr auto kLinger = std::chrono::seconds(1);
  Clock::time_point idle_since = Clock::time_point::min();
  while (!stop_) {
    const auto now = Clock::now();
    if (by_time_.empty()) {
      if (idle_since == Clock::time_point::min()) idle_since = now;
      if (now - idle_since < kLinger) {
        wake_at_ = idle_since + kLinger;
        cv_.wait_until(l, wake_at_);
      } else {
        wake_at_ = Clock::time_point::max();
        cv_.wait(l);
        idle_since = Clock::time_point::min();
      }
      continue;
    }
    idle_since = Clock::time_point::min();
    // A copy: the entry may go away while we wait unlocked.
    const Clock::time_point when = by_time_.begin()->first;
    if (now < when) {
      wake_at_ = when;
      cv_.wait_until(l, when);
      continue;
    }
    uint64_t id = by_time_.begin()->second;
    by_time_.erase(by_time_.begin());
    auto it = armed_.find(id);
    if (it == armed_.end()) continue;
    std::function<void()> cb = std::move(it->second.second);
    armed_.erase(it);
    firing_ = id;
    l.unlock();
    cb();
    cb = nullptr;
    l.lock();
    firing_ = 0;
    cv_.notify_all();
  }
}

}  // namespace promlite::scrape::http
