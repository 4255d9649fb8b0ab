// Retention by time and by size, as Prometheus applies it: whole blocks,
// oldest first. Time: blocks ending more than `retention_ms` before the
// newest block's end (the newest block always stays). Size: from the newest
// block down, once blocks plus `other_bytes` (WAL, head chunks) exceed
// `max_bytes`, that block and all older ones go.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace promlite::tsdb::retention {

struct BlockInfo {
  std::string ulid;
  int64_t max_time = 0;
  uint64_t bytes = 0;
};

// ULIDs of blocks to delete. `retention_ms` / `max_bytes` <= 0 disable.
std::vector<std::string> BeyondRetention(std::vector<BlockInfo> blocks, int64_t retention_ms, int64_t max_bytes,
                                         uint64_t other_bytes);

}  // namespace promlite::tsdb::retention
