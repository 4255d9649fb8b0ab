#include "loop/scrape_loop.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace promlite::scrape::loop {
namespace {

int64_t WallNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// strconv.FormatFloat(seconds, 'f', -1, 64) for the timeout header.
std::string Seconds(int64_t ms) {
  if (ms % 1000 == 0) return std::to_string(ms / 1000);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(ms) / 1000.0);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  return s;
}

}  // namespace

std::string BufferPool::Get() {
  std::lock_guard<std::mutex> l(mu_);
  if (free_.empty()) return std::string();
  std::string b = std::move(free_.back());
  free_.pop_back();
  return b;
}

void BufferPool::Put(std::string b) {
  b.clear();
  std::lock_guard<std::mutex> l(mu_);
  // A handful is enough: one per concurrently running scrape.
  if (free_.size() < 64) free_.push_back(std::move(b));
}

ScrapeLoop::ScrapeLoop(const LoopEnv& env, std::shared_ptr<const ScrapeConfig> cfg, std::shared_ptr<Target> target,
                       std::shared_ptr<ScrapeCache> cache)
    : env_(env), cfg_(cfg), target_(target), ingester_(cfg, target, std::move(cache), env.logger) {
  absl::StatusOr<std::unique_ptr<http::Client>> c =
      http::Client::Make(target_->scheme(), target_->address(), cfg_->http_client);
  if (c.ok()) {
    client_ = std::move(*c);
  } else {
    client_err_ = absl::InvalidArgumentError(absl::StrCat("error creating HTTP client: ", c.status().message()));
  }
  get_.path_query = target_->path_query();
  get_.timeout = std::chrono::milliseconds(target_->timeout_ms());
  get_.body_limit = cfg_->body_size_limit;
  get_.accept_gzip = cfg_->enable_compression;
  get_.headers = {{"Accept", cfg_->AcceptHeader()},
                  {"User-Agent", env_.user_agent},
                  {"X-Prometheus-Scrape-Timeout-Seconds", Seconds(target_->timeout_ms())}};
}

int64_t ScrapeLoop::OffsetNs(uint64_t hash, uint64_t seed, int64_t interval_ms, int64_t now_ns) {
  // Pinned to absolute time: the same target always scrapes at the same
  // phase of its interval, whenever the loop (re)starts.
  const int64_t interval = interval_ms * 1'000'000;
  int64_t base = interval - now_ns % interval;
  int64_t offset = static_cast<int64_t>((hash ^ seed) % static_cast<uint64_t>(interval));
  int64_t next = base + offset;
  if (next > interval) next -= interval;
  return next;
}

void ScrapeLoop::Start() {
  int64_t delay = env_.skip_offset ? 0
                                   : OffsetNs(target_->hash(), env_.offset_seed, target_->interval_ms(), WallNowNs());
  std::lock_guard<std::mutex> l(mu_);
  if (stopped_) return;
  next_tick_ = Scheduler::Clock::now() + std::chrono::nanoseconds(delay);
  auto self = shared_from_this();
  pending_ = env_.scheduler->ScheduleAt(next_tick_, [self] { self->Run(); });
}

void ScrapeLoop::SetForcedError(absl::Status err) {
  std::lock_guard<std::mutex> l(mu_);
  forced_err_ = std::move(err);
}

void ScrapeLoop::RequestStop() {
  std::lock_guard<std::mutex> l(mu_);
  stopped_ = true;
  if (pending_) env_.scheduler->Cancel(pending_);
  pending_ = 0;
}

void ScrapeLoop::WaitStopped(bool end_of_run_staleness) {
  std::unique_lock<std::mutex> l(mu_);
  stopped_ = true;
  cv_.wait(l, [this] { return !running_; });
  if (!end_of_run_staleness || last_ts_ms_ == 0) return;
  // Prometheus waits for the next tick (its time is the markers' timestamp),
  // one more tick and 10% of an interval, so that a target that comes back
  // under a new loop has written newer samples first (the markers are then
  // rejected as out of order).
  const auto interval = std::chrono::milliseconds(target_->interval_ms());
  auto now = Scheduler::Clock::now();
  auto tick = next_tick_;
  while (tick <= now) tick += interval;
  int64_t stale_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch() + (tick - now))
                         .count();
  auto self = shared_from_this();
  env_.scheduler->ScheduleAt(tick + interval + interval / 10, [self, stale_ms] { self->EndOfRunStaleness(stale_ms); });
}

void ScrapeLoop::Run() {
  {
    std::lock_guard<std::mutex> l(mu_);
    pending_ = 0;
    if (stopped_) return;
    running_ = true;
  }
  const int64_t interval_ms = target_->interval_ms();
  // Timestamps within 2 ms (at most 1% of the interval) of the expected
  // slot are snapped to it: regular timestamps compress far better.
  int64_t ts = WallNowNs() / 1'000'000;
  if (aligned_ms_ == 0) {
    aligned_ms_ = ts;
  } else {
    const int64_t tolerance = std::min<int64_t>(interval_ms / 100, 2);
    while (ts - aligned_ms_ >= interval_ms) aligned_ms_ += interval_ms;
    if (ts - aligned_ms_ <= tolerance) ts = aligned_ms_;
  }
  ScrapeAndReport(ts);
  last_ts_ms_ = ts;

  std::lock_guard<std::mutex> l(mu_);
  running_ = false;
  cv_.notify_all();
  if (stopped_) return;
  // Next slot; slots missed by a slow scrape are skipped, not bunched.
  const auto interval = std::chrono::milliseconds(interval_ms);
  auto now = Scheduler::Clock::now();
  next_tick_ += interval;
  while (next_tick_ <= now) next_tick_ += interval;
  auto self = shared_from_this();
  pending_ = env_.scheduler->ScheduleAt(next_tick_, [self] { self->Run(); });
}

void ScrapeLoop::ScrapeAndReport(int64_t ts) {
  const auto start = std::chrono::steady_clock::now();
  absl::Status forced;
  {
    std::lock_guard<std::mutex> l(mu_);
    forced = forced_err_;
  }
  std::unique_ptr<tsdb::Appender> app = env_.storage->NewAppender();
  IngestResult res;
  absl::Status scrape_err;
  int64_t bytes = 0;
  if (!forced.ok() || !client_err_.ok()) {
    scrape_err = !forced.ok() ? forced : client_err_;
  } else {
    std::string body = env_.buffers->Get();
    http::Response resp;
    scrape_err = client_->Get(get_, &resp, &body);
    if (scrape_err.ok()) {
      bytes = static_cast<int64_t>(body.size());
      res = ingester_.Ingest(*app, body, resp.content_type, ts);
      if (!res.status.ok()) {
        // Nothing of a broken scrape is stored.
        (void)app->Rollback();
        app = env_.storage->NewAppender();
        scrape_err = res.status;
        env_.logger->Debug("scrape", "Append failed", {{"target", target_->url()}, {"err", std::string(res.status.message())}});
      }
    } else {
      if (absl::IsResourceExhausted(scrape_err)) bytes = -1;
      env_.logger->Debug("scrape", "Scrape failed", {{"target", target_->url()}, {"err", std::string(scrape_err.message())}});
    }
    env_.buffers->Put(std::move(body));
  }
  if (!scrape_err.ok()) {
    // A failed scrape is an empty one: everything it had goes stale.
    if (absl::Status st = ingester_.IngestFailed(*app, ts); !st.ok()) {
      (void)app->Rollback();
      app = env_.storage->NewAppender();
      env_.logger->Warn("scrape", "Append failed", {{"target", target_->url()}, {"err", std::string(st.message())}});
    }
  }
  double duration = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  absl::Status rep = ingester_.Report(*app, ts, duration, res, bytes, scrape_err);
  if (!rep.ok()) {
    env_.logger->Warn("scrape", "Appending scrape report failed",
                      {{"target", target_->url()}, {"err", std::string(rep.message())}});
    (void)app->Rollback();
  } else if (absl::Status st = app->Commit(); !st.ok()) {
    env_.logger->Error("scrape", "Scrape commit failed", {{"target", target_->url()}, {"err", std::string(st.message())}});
  }
  target_->Report(ts, duration, scrape_err);
}

void ScrapeLoop::EndOfRunStaleness(int64_t ts) {
  std::unique_ptr<tsdb::Appender> app = env_.storage->NewAppender();
  if (absl::Status st = ingester_.IngestFailed(*app, ts); !st.ok()) {
    (void)app->Rollback();
    app = env_.storage->NewAppender();
    env_.logger->Warn("scrape", "Stale append failed", {{"target", target_->url()}, {"err", std::string(st.message())}});
  }
  if (absl::Status st = ingester_.ReportStale(*app, ts); !st.ok()) {
    env_.logger->Warn("scrape", "Stale report failed", {{"target", target_->url()}, {"err", std::string(st.message())}});
  }
  if (absl::Status st = app->Commit(); !st.ok()) {
    env_.logger->Warn("scrape", "Stale commit failed", {{"target", target_->url()}, {"err", std::string(st.message())}});
  }
}

}  // namespace promlite::scrape::loop
