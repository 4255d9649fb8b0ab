// A block's meta.json, as Prometheus writes and reads it (version 1).
// Time ranges are half-open: [min_time, max_time).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/tsdb/sample.h"

namespace promlite::tsdb::block {

struct BlockDesc {
  std::string ulid;
  Timestamp min_time = 0;
  Timestamp max_time = 0;
};

struct BlockStats {
  uint64_t num_samples = 0;
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;
  uint64_t num_tombstones = 0;
};

struct BlockMeta {
  std::string ulid;
  Timestamp min_time = 0;
  Timestamp max_time = 0;
  BlockStats stats;
  int level = 1;
  std::vector<std::string> sources;  // sorted
  bool deletable = false;
  std::vector<BlockDesc> parents;
  bool failed = false;
  std::vector<std::string> hints;
  int version = 1;
};

std::string EncodeMeta(const BlockMeta& m);
absl::StatusOr<BlockMeta> DecodeMeta(std::string_view json);
absl::StatusOr<BlockMeta> ReadMeta(const std::string& dir);
// Writes <dir>/meta.json atomically.
absl::Status WriteMeta(const std::string& dir, const BlockMeta& m);

// The meta of a block compacted from `parents`: the union of their ranges
// and sources, one level above the highest.
BlockMeta CompactMetas(const std::string& ulid, const std::vector<BlockMeta>& parents);

}  // namespace promlite::tsdb::block
