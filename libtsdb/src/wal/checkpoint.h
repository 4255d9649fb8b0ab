// Checkpoints: a compacted copy of the WAL's older segments, as Prometheus'
// wlog.Checkpoint writes them.
//
// Checkpoint(from, to) reads the last checkpoint plus segments [from, to],
// keeps series records of series the head still has, samples at or after
// mint, and tombstones of kept series that still reach mint, and writes them
// as WAL segments into checkpoint.<to> (8 digits) next to the segments: first
// into checkpoint.<to>.tmp, fsynced, then published by an atomic rename.
// Afterwards the caller truncates the WAL before `to + 1` and deletes older
// checkpoints. Record types we cannot filter (exemplars, metadata, histograms
// written by a real Prometheus) are dropped, as Prometheus drops types it does
// not know.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/sample.h"

namespace promlite::tsdb::wal {

class WAL;

struct CheckpointStats {
  int64_t dropped_series = 0;
  int64_t dropped_samples = 0;
  int64_t dropped_tombstones = 0;
  int64_t dropped_other = 0;  // records of types we do not filter
  int64_t total_series = 0;
  int64_t total_samples = 0;
  int64_t total_tombstones = 0;
};

// `keep` must give the same answer for a ref for the whole call.
absl::StatusOr<CheckpointStats> Checkpoint(Logger& logger, WAL& wal, int from, int to,
                                           const std::function<bool(SeriesRef)>& keep, Timestamp mint);

// The newest checkpoint in `dir`: its path and index. NotFound when none.
absl::StatusOr<std::pair<std::string, int>> LastCheckpoint(std::string_view dir);

// Deletes checkpoints with index < max_index.
absl::Status DeleteCheckpoints(std::string_view dir, int max_index);

}  // namespace promlite::tsdb::wal
