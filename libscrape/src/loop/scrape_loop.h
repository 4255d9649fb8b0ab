// The scrape loop of one target: scheduling on the shared Scheduler, the
// HTTP fetch, ingestion, the report series, one commit per scrape, and the
// end-of-run stale markers when the target goes away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "http/client.h"
#include "loop/ingester.h"
#include "loop/scheduler.h"
#include "loop/target.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/storage.h"

namespace promlite::scrape::loop {

// Response buffers shared by all loops: only scrapes in flight hold one, so
// memory follows the worker count, not the target count.
class BufferPool {
 public:
  std::string Get();
  void Put(std::string b);

 private:
  std::mutex mu_;
  std::vector<std::string> free_;
};

// What every loop of a manager shares.
struct LoopEnv {
  tsdb::Appendable* storage = nullptr;
  std::shared_ptr<tsdb::Logger> logger;
  Scheduler* scheduler = nullptr;
  BufferPool* buffers = nullptr;
  std::string user_agent;
  uint64_t offset_seed = 0;
  bool skip_offset = false;
};

class ScrapeLoop : public std::enable_shared_from_this<ScrapeLoop> {
 public:
  ScrapeLoop(const LoopEnv& env, std::shared_ptr<const ScrapeConfig> cfg, std::shared_ptr<Target> target,
             std::shared_ptr<ScrapeCache> cache);

  // Schedules the first scrape at the target's offset within its interval.
  void Start();
  // Stops scheduling scrapes; does not wait (stopping many loops overlaps
  // their waits). A scrape already running finishes.
  void RequestStop();
  // Waits for a scrape in progress. With end_of_run_staleness, stale markers
  // for all the target's series are written about two intervals later
  // (unless the manager stops first), as Prometheus does.
  void WaitStopped(bool end_of_run_staleness);

  // target_limit: every scrape fails with this error while it is set.
  void SetForcedError(absl::Status err);
  const std::shared_ptr<ScrapeCache>& cache() const { return ingester_.cache(); }
  const std::shared_ptr<Target>& target() const { return target_; }

  // Nanoseconds from `now_unix_ns` to the target's next slot (Prometheus' offset).
  static int64_t OffsetNs(uint64_t hash, uint64_t seed, int64_t interval_ms, int64_t now_unix_ns);

 private:
  void Run();
  void ScrapeAndReport(int64_t ts_ms);
  void EndOfRunStaleness(int64_t ts_ms);

  LoopEnv env_;
  std::shared_ptr<const ScrapeConfig> cfg_;
  std::shared_ptr<Target> target_;
  Ingester ingester_;
  std::unique_ptr<http::Client> client_;
  absl::Status client_err_;
  http::GetOptions get_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  bool running_ = false;
  uint64_t pending_ = 0;
  absl::Status forced_err_;

  // Timing (touched only by the running scrape, or after it stopped).
  Scheduler::Clock::time_point next_tick_{};
  int64_t aligned_ms_ = 0;
  int64_t last_ts_ms_ = 0;
};

}  // namespace promlite::scrape::loop
