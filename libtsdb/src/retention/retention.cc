#include "retention/retention.h"

#include <algorithm>
#include <set>

namespace promlite::tsdb::retention {

std::vector<std::string> BeyondRetention(std::vector<BlockInfo> blocks, int64_t retention_ms, int64_t max_bytes,
                                         uint64_t other_bytes) {
  std::sort(blocks.begin(), blocks.end(), [](const BlockInfo& a, const BlockInfo& b) { return a.max_time > b.max_time; });
  std::set<std::string> out;
  if (retention_ms > 0 && !blocks.empty()) {
    for (size_t i = 1; i < blocks.size(); i++) {
      if (blocks[0].max_time - blocks[i].max_time > retention_ms) {
        for (size_t k = i; k < blocks.size(); k++) out.insert(blocks[k].ulid);
        break;
      }
    }
  }
  if (max_bytes > 0) {
    uint64_t total = other_bytes;
    for (size_t i = 0; i < blocks.size(); i++) {
      total += blocks[i].bytes;
      if (total > static_cast<uint64_t>(max_bytes)) {
        for (size_t k = i; k < blocks.size(); k++) out.insert(blocks[k].ulid);
        break;
      }
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

}  // namespace promlite::tsdb::retention
