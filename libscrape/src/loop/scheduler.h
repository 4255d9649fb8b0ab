// Timed tasks on a fixed pool of worker threads.
//
// Every scrape loop is a chain of one-shot tasks (each run schedules the
// next), so the number of threads does not grow with the number of targets.
// One timer thread hands due tasks to the workers in deadline order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace promlite::scrape::loop {

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Scheduler(size_t workers);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `fn` on a worker at (or soon after) `at`. Returns an id for Cancel.
  uint64_t ScheduleAt(Clock::time_point at, std::function<void()> fn);
  // Removes a task that has not started; false if it started or is unknown.
  bool Cancel(uint64_t id);
  // Drops pending tasks, waits for running ones and joins the threads.
  void Stop();

  size_t workers() const { return nworkers_; }

 private:
  void TimerLoop();
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable timer_cv_;
  std::condition_variable work_cv_;
  std::map<uint64_t, std::function<void()>> tasks_;      // pending, by id
  std::multimap<Clock::time_point, uint64_t> timeline_;  // not yet due
  std::deque<uint64_t> ready_;                            // due, in order
  uint64_t next_id_ = 1;
  bool stop_ = false;
  const size_t nworkers_;  // set before any thread starts
  std::thread timer_;
  std::vector<std::thread> workers_;
};

}  // namespace promlite::scrape::loop
