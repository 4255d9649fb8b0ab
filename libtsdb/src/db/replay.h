// Rebuilds the head from the WAL at startup: the last checkpoint, then the
// segments after it. Damage in the segments is repaired (everything before it
// is kept) and logged; damage in a checkpoint is logged and skipped.
#pragma once

#include <cstdint>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "head/head.h"
#include "promlite/tsdb/logger.h"
#include "wal/wal.h"

namespace promlite::tsdb {

struct ReplayStats {
  uint64_t series = 0;
  uint64_t samples = 0;
  uint64_t out_of_order = 0;
  uint64_t unknown_refs = 0;    // samples of series no series record defined
  uint64_t skipped_records = 0; // record types the head does not use yet
  uint64_t tombstones = 0;
  uint64_t mapped_chunks = 0;     // chunks taken from chunks_head/
  uint64_t skipped_samples = 0;   // WAL samples already in those chunks
  bool repaired = false;
  double seconds = 0;
};

// Chunks found in chunks_head/ by WAL series ref, attached to their series
// when its record is replayed; WAL samples they already hold are skipped.
using MappedChunks = absl::flat_hash_map<uint64_t, std::vector<head::ClosedChunk>>;

absl::StatusOr<ReplayStats> ReplayWAL(head::Head& head, wal::WAL& wal, Logger& logger,
                                      MappedChunks* mapped = nullptr);

}  // namespace promlite::tsdb
