#include "engine/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>

namespace promlite::promql::engine {

ThreadPool::ThreadPool(int workers) {
  for (int i = 0; i < workers; i++) threads_.emplace_back([this] { Loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ThreadPool::Loop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void ThreadPool::ParallelFor(size_t n, int max_threads, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  int helpers = std::min<int>({workers(), max_threads - 1, static_cast<int>(n) - 1});
  if (helpers <= 0) {
    for (size_t i = 0; i < n; i++) fn(i);
    return;
  }
  // Tasks are claimed from a shared counter, so a slow task does not hold
  // up the others; the caller works too and then waits for the helpers.
  struct Shared {
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::condition_variable done_cv;
    int running = 0;
  };
  auto shared = std::make_shared<Shared>();
  auto work = [shared, n, &fn] {
    for (;;) {
      size_t i = shared->next.fetch_add(1);
      if (i >= n) break;
      fn(i);
    }
  };
  shared->running = helpers;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (int h = 0; h < helpers; h++) {
      queue_.push_back([shared, work] {
        work();
        std::lock_guard<std::mutex> g(shared->mu);
        if (--shared->running == 0) shared->done_cv.notify_all();
      });
    }
  }
  cv_.notify_all();
  work();
  std::unique_lock<std::mutex> l(shared->mu);
  shared->done_cv.wait(l, [&] { return shared->running == 0; });
}

}  // namespace promlite::promql::engine
