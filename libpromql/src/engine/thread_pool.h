// A small fixed pool of worker threads shared by the queries of one Engine.
// ParallelFor runs `n` independent tasks on the pool and on the calling
// thread, and returns when all are done; tasks write to their own output
// slots, so results are assembled in task order and stay deterministic.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace promlite::promql::engine {

class ThreadPool {
 public:
  explicit ThreadPool(int workers);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int workers() const { return static_cast<int>(threads_.size()); }

  // Runs fn(0..n-1), using at most `max_threads` threads including the
  // caller. fn must not throw.
  void ParallelFor(size_t n, int max_threads, const std::function<void(size_t)>& fn);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace promlite::promql::engine
