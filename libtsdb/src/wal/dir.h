// The contents of a WAL directory and small file-system helpers.
//
// A WAL directory holds only segments (8-digit names), checkpoint.NNNNNNNN
// directories and leftovers of interrupted checkpoints (checkpoint.*.tmp).
// Anything else means the directory is not a WAL (or not only one): we
// report it instead of guessing, so a wrong path can never be misread or
// truncated.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace promlite::tsdb::wal {

struct SegmentRef {
  std::string name;  // file name inside the directory
  int index = 0;
};

struct CheckpointRef {
  std::string name;  // "checkpoint.00000012"
  int index = 0;
};

struct DirContents {
  std::vector<SegmentRef> segments;       // sorted, contiguous
  std::vector<CheckpointRef> checkpoints;  // sorted
  std::vector<std::string> temporaries;   // checkpoint.*.tmp leftovers
};

// Lists and validates `dir`. NotFound when it does not exist;
// FailedPrecondition when it is not a directory, holds an unexpected entry, a
// segment that is not a regular file, or segments with a gap.
absl::StatusOr<DirContents> ReadWALDir(std::string_view dir);

// The range [first, last] of segments in `dir`; (-1, -1) when there are none.
absl::StatusOr<std::pair<int, int>> Segments(std::string_view dir);

// "<dir>/checkpoint.00000012".
std::string CheckpointDir(std::string_view dir, int index);

// A status for a failed system call: the errno text, the operation and the
// path, with a code that matches the errno (ENOSPC -> ResourceExhausted, ...).
absl::Status ErrnoError(int err, std::string_view op, std::string_view path);

// fsync of a directory, so that creations, renames and deletions in it survive
// a power loss.
absl::Status SyncDir(std::string_view dir);

}  // namespace promlite::tsdb::wal
