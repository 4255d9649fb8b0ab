#include "promlite/tsdb/runtime.h"

#include <mutex>

#include "absl/synchronization/mutex.h"

namespace promlite::tsdb {

void DisableMutexDeadlockDetection() {
  static std::once_flag once;
  std::call_once(once, [] { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); });
}

}  // namespace promlite::tsdb
