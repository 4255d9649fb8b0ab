// Writing blocks: a head range into a new level-1 block, and several blocks
// (adjacent or overlapping) merged into one, tombstones applied and
// overlapping chunks merged sample by sample.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "block/block.h"
#include "block/writer.h"
#include "head/head.h"

namespace promlite::tsdb::compact {

// Writes the head's committed data in [mint, maxt) as a block in `dir`.
// The returned meta has an empty ulid when the range held no samples.
absl::StatusOr<block::BlockMeta> WriteHeadBlock(const std::string& dir, head::Head& head, Timestamp mint,
                                                Timestamp maxt, const block::WriteOptions& opts = {});

// Merges `blocks` into one new block in `dir` whose parents they are.
absl::StatusOr<block::BlockMeta> CompactBlocks(const std::string& dir,
                                               const std::vector<std::shared_ptr<block::Block>>& blocks,
                                               const block::WriteOptions& opts = {});

}  // namespace promlite::tsdb::compact
