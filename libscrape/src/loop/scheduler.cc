#include "loop/scheduler.h"

namespace promlite::scrape::loop {

Scheduler::Scheduler(size_t workers) : nworkers_(workers) {
  timer_ = std::thread([this] { TimerLoop(); });
  for (size_t i = 0; i < workers; i++) workers_.emplace_back([this] { WorkerLoop(); });
}

Scheduler::~Scheduler() { Stop(); }

uint64_t Scheduler::ScheduleAt(Clock::time_point at, std::function<void()> fn) {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t id = next_id_++;
  if (stop_) return id;
  tasks_.emplace(id, std::move(fn));
  bool earliest = timeline_.empty() || at < timeline_.begin()->first;
  timeline_.emplace(at, id);
  if (earliest) timer_cv_.notify_one();
  return id;
}

bool Scheduler::Cancel(uint64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  // Entries left in timeline_/ready_ are skipped when they come up.
  return tasks_.erase(id) > 0;
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_ && !timer_.joinable()) return;
    stop_ = true;
    tasks_.clear();
    timeline_.clear();
    ready_.clear();
  }
  timer_cv_.notify_all();
  work_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  for (auto& w : workers_) {
    if (w.joinable()) w.join();
  }
}

void Scheduler::TimerLoop() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    if (timeline_.empty()) {
      timer_cv_.wait(l);
      continue;
    }
    // A copy: the node may be erased while we wait unlocked.
    const Clock::time_point due = timeline_.begin()->first;
    auto now = Clock::now();
    if (due > now) {
      timer_cv_.wait_until(l, due);
      continue;
    }
    // Move everything due to the ready queue at once, and wake one worker
    // per task: waking them all for one scrape made seven of eight threads
    // fight for mu_ and go back to sleep (a visible share of the CPU).
    size_t moved = 0;
    while (!timeline_.empty() && timeline_.begin()->first <= now) {
      uint64_t id = timeline_.begin()->second;
      timeline_.erase(timeline_.begin());
      if (tasks_.count(id)) {
        ready_.push_back(id);
        moved++;
      }
    }
    if (moved >= nworkers_) {
      work_cv_.notify_all();
    } else {
      for (size_t i = 0; i < moved; i++) work_cv_.notify_one();
    }
  }
}

void Scheduler::WorkerLoop() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    work_cv_.wait(l, [this] { return stop_ || !ready_.empty(); });
    if (stop_) return;
    uint64_t id = ready_.front();
    ready_.pop_front();
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;  // cancelled after it became due
    std::function<void()> fn = std::move(it->second);
    tasks_.erase(it);
    l.unlock();
    fn();
    fn = nullptr;  // release captures outside the lock
    l.lock();
  }
}

}  // namespace promlite::scrape::loop
