// Leveled compaction planning, as Prometheus' LeveledCompactor.Plan:
// overlapping blocks first (vertical compaction), then the first group of
// blocks filling a range of the next level (2h -> 6h -> 18h ...; the newest
// block is left alone so the head can still be compacted next to it), then a
// single block with many tombstones to rewrite.
#pragma once

#include <cstdint>
#include <vector>

#include "block/meta.h"

namespace promlite::tsdb::compact {

// min, min*step, min*step^2, ... (`steps` values).
std::vector<int64_t> ExponentialRanges(int64_t min, int steps, int step);
// Ranges for a DB: from the minimum block duration up to the maximum one.
std::vector<int64_t> BlockRanges(int64_t min_block_ms, int64_t max_block_ms);

// `metas` in any order; returns the indexes of blocks to compact together
// (empty when there is nothing to do).
std::vector<size_t> Plan(const std::vector<block::BlockMeta>& metas, const std::vector<int64_t>& ranges);

}  // namespace promlite::tsdb::compact
