// Float values that stress chunk encodings: NaNs (including Prometheus'
// staleness marker), infinities, signed zeros and the extremes.
#pragma once

#include <array>
#include <limits>

#include "promlite/tsdb/sample.h"

namespace promlite::tsdb::testing {

inline std::array<double, 9> SpecialValues() {
  return {std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(),
          StaleNaN(),
          0.0,
          -0.0,
          std::numeric_limits<double>::max(),
          std::numeric_limits<double>::denorm_min(),
          -1e300};
}

}  // namespace promlite::tsdb::testing
