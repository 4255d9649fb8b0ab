// Samples, timestamps and the staleness marker shared by every layer.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace promlite::tsdb {

// Milliseconds since the Unix epoch.
using Timestamp = int64_t;

inline constexpr Timestamp kMinTime = std::numeric_limits<int64_t>::min();
inline constexpr Timestamp kMaxTime = std::numeric_limits<int64_t>::max();

// Reference of a series inside a DB (the head's series id). 0 means "unknown":
// Append then looks the series up by its labels.
using SeriesRef = uint64_t;

// The NaN Prometheus writes when a series disappears ("staleness marker").
inline constexpr uint64_t kStaleNaNBits = 0x7ff0000000000002ull;
inline double StaleNaN() { return std::bit_cast<double>(kStaleNaNBits); }
inline bool IsStaleNaN(double v) { return std::bit_cast<uint64_t>(v) == kStaleNaNBits; }

struct Sample {
  Timestamp t = 0;
  double v = 0;
};

}  // namespace promlite::tsdb
