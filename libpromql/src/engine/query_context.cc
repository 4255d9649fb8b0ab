#include "engine/query_context.h"

#include "absl/strings/str_cat.h"

namespace promlite::promql::engine {

absl::Status TooManySamplesError() {
  return absl::ResourceExhaustedError("query processing would load too many samples into memory in query execution");
}

absl::Status QueryContext::CheckInterrupt(std::string_view env) const {
  if (cancelled && cancelled->load(std::memory_order_relaxed)) {
    return absl::CancelledError(absl::StrCat("query was canceled in ", std::string(env)));
  }
  if (deadline != absl::InfiniteFuture() && absl::Now() > deadline) {
    return absl::DeadlineExceededError(absl::StrCat("query timed out in ", std::string(env)));
  }
  return absl::OkStatus();
}

absl::Status QueryContext::AddSamples(int64_t n) {
  int64_t now = samples.fetch_add(n, std::memory_order_relaxed) + n;
  int64_t peak = peak_samples.load(std::memory_order_relaxed);
  while (now > peak && !peak_samples.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  if (now > max_samples) return TooManySamplesError();
  return absl::OkStatus();
}

void QueryContext::SetSamples(int64_t n) {
  samples.store(n, std::memory_order_relaxed);
  int64_t peak = peak_samples.load(std::memory_order_relaxed);
  while (n > peak && !peak_samples.compare_exchange_weak(peak, n, std::memory_order_relaxed)) {
  }
}

}  // namespace promlite::promql::engine
