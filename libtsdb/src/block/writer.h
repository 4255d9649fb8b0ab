// Writes a block from label-sorted chunk series: chunks/ and index into
// <dir>/<ulid>.tmp-for-creation, then meta.json and an empty tombstones
// file, fsync, and an atomic rename to <dir>/<ulid>. A crash at any point
// leaves either no block or a complete one (plus a temporary directory that
// DB::Open removes).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "block/meta.h"
#include "blocks/series_set.h"

namespace promlite::tsdb::block {

inline constexpr char kTmpForCreation[] = ".tmp-for-creation";
inline constexpr char kTmpForDeletion[] = ".tmp-for-deletion";

struct WriteOptions {
  int64_t segment_size = 512ll * 1024 * 1024;
};

// `meta` gives ulid, time range and compaction info; stats are filled in.
// Chunks must lie in [meta.min_time, meta.max_time). `symbols` must hold
// every label name and value of the series, sorted and unique. A block
// without samples is not written: the returned meta then has an empty ulid.
absl::StatusOr<BlockMeta> WriteBlock(const std::string& dir, BlockMeta meta, std::vector<std::string> symbols,
                                     blocks::ChunkSeriesSet& set, const WriteOptions& opts = {});

}  // namespace promlite::tsdb::block
