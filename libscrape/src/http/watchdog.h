// One thread that enforces total deadlines on blocking HTTP requests.
//
// cpp-httplib only has per-operation timeouts (connect, each read), so a
// target that trickles bytes could hold a scrape far past scrape_timeout.
// Callers arm a deadline with a cancel callback; the watchdog calls it when
// the deadline passes unless the caller disarmed it first. One thread serves
// every scrape loop, so thousands of targets do not need thousands of timers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <thread>

#include <condition_variable>
#include <mutex>

namespace promlite::scrape::http {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // The process-wide instance.
  static Watchdog& Global();

  // Calls `cancel` (on the watchdog thread) at `deadline` unless disarmed.
  uint64_t Arm(Clock::time_point deadline, std::function<void()> cancel);
  // Returns once `id` can no longer fire: if its callback is running, waits
  // for it to finish.
  void Disarm(uint64_t id);

 private:
  void Loop();

  // std primitives (not absl::Mutex) so that ThreadSanitizer sees them.
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, uint64_t> by_time_;
  std::map<uint64_t, std::pair<Clock::time_point, std::function<void()>>> armed_;
  uint64_t next_id_ = 1;
  uint64_t firing_ = 0;
  // When the watchdog thread wakes next (max: only when notified). Arm wakes
  // it only for a deadline before that, so a scrape usually arms and disarms
  // without waking it (once per scrape was a visible share of the CPU).
  Clock::time_point wake_at_ = Clock::time_point::max();
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace promlite::scrape::http
