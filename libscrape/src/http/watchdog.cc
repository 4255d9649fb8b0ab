#include "http/watchdog.h"

namespace promlite::scrape::http {

Watchdog::Watchdog() : thread_([this] { Loop(); }) {}

Watchdog::~Watchdog() {
  {
    absl::MutexLock l(&mu_);
    stop_ = true;
  }
  thread_.join();
}

Watchdog& Watchdog::Global() {
  // Never destroyed: scrape loops of other static objects may still use it
  // while the process exits.
  static Watchdog* w = new Watchdog();
  return *w;
}

uint64_t Watchdog::Arm(Clock::time_point deadline, std::function<void()> cancel) {
  absl::MutexLock l(&mu_);
  uint64_t id = next_id_++;
  by_time_.emplace(deadline, id);
  armed_.emplace(id, std::make_pair(deadline, std::move(cancel)));
  return id;
}

void Watchdog::Disarm(uint64_t id) {
  absl::MutexLock l(&mu_);
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
  struct Arg {
    Watchdog* w;
    uint64_t id;
  } arg{this, id};
  mu_.Await(absl::Condition(+[](Arg* a) ABSL_NO_THREAD_SAFETY_ANALYSIS { return a->w->firing_ != a->id; }, &arg));
}

void Watchdog::Loop() {
  absl::MutexLock l(&mu_);
  while (!stop_) {
    if (by_time_.empty()) {
      mu_.Await(absl::Condition(
          +[](Watchdog* w) ABSL_NO_THREAD_SAFETY_ANALYSIS { return w->stop_ || !w->by_time_.empty(); }, this));
      continue;
    }
    auto first = by_time_.begin();
    Clock::time_point when = first->first;
    if (Clock::now() < when) {
      // Wake at the deadline, or earlier when an earlier one is armed.
      auto changed = [](std::pair<Watchdog*, Clock::time_point>* a) ABSL_NO_THREAD_SAFETY_ANALYSIS {
        return a->first->stop_ || a->first->by_time_.empty() || a->first->by_time_.begin()->first < a->second;
      };
      std::pair<Watchdog*, Clock::time_point> arg(this, when);
      absl::Duration wait = absl::FromChrono(when - Clock::now());
      mu_.AwaitWithTimeout(absl::Condition(+changed, &arg), wait);
      continue;
    }
    uint64_t id = first->second;
    by_time_.erase(first);
    auto it = armed_.find(id);
    if (it == armed_.end()) continue;
    std::function<void()> cb = std::move(it->second.second);
    armed_.erase(it);
    firing_ = id;
    mu_.Unlock();
    cb();
    mu_.Lock();
    firing_ = 0;
  }
}

}  // namespace promlite::scrape::http
