// File-system helpers for blocks: read-only memory maps, fsync of files and
// directories, atomic publication by rename, sizes, hard-link copies, and
// Prometheus' block identifiers (ULIDs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace promlite::tsdb::fileutil {

// A whole file mapped read-only. Blocks are read through it without copying;
// the mapping lives as long as any shared_ptr to it (a query may outlive the
// deletion of its block: the unlinked file stays readable until unmapped).
class MmapFile {
 public:
  static absl::StatusOr<std::shared_ptr<MmapFile>> Open(const std::string& path);
  ~MmapFile();
  MmapFile(const MmapFile&) = delete;
  MmapFile& operator=(const MmapFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  MmapFile() = default;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// A status for a failed system call, with a code matching errno.
absl::Status Errno(int err, std::string_view op, std::string_view path);

absl::Status SyncDir(const std::string& dir);
// Writes `data` to `path` through path.tmp + fsync + rename + fsync of the directory.
absl::Status WriteFileAtomic(const std::string& path, std::string_view data);
// Renames `from` to `to` (replacing an existing directory `to`) and fsyncs the parent.
absl::Status Replace(const std::string& from, const std::string& to);
absl::StatusOr<std::string> ReadFile(const std::string& path);
// Bytes of regular files below `dir` (0 when missing).
uint64_t DirSize(const std::string& dir);
// Recreates the tree `from` at `to` with hard links (copies when linking fails).
absl::Status LinkTree(const std::string& from, const std::string& to);

// ULIDs: 48-bit millisecond time + 80 random bits, Crockford base32.
std::string NewULID(int64_t unix_ms);
std::string NewULID();
bool IsULID(std::string_view s);
// The millisecond timestamp of a valid ULID.
int64_t ULIDTime(std::string_view s);

}  // namespace promlite::tsdb::fileutil
