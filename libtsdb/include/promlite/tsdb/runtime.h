// Process-wide runtime settings promlite needs.
#pragma once

namespace promlite::tsdb {

// Debian's Abseil is built without NDEBUG, so absl::Mutex runs its debug-only
// deadlock detector: a global lock graph plus a stack trace on every
// acquisition. With a mutex per series that costs hundreds of bytes per series
// and makes every lock ~100x slower. This switches the detector off (the
// default of any NDEBUG build of Abseil). DB::Open calls it; binaries call it
// first thing in main. Idempotent and thread-safe.
void DisableMutexDeadlockDetection();

}  // namespace promlite::tsdb
