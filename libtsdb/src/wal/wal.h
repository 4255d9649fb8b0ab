// The write side of the WAL: appends records to segment files in Prometheus'
// wlog format (see format.h), rolls segments, truncates and repairs.
//
// Durability: Log() returns after every record it was given is in the file
// (write(2) of the partially filled page; the page stays open in memory and
// later calls write only its new bytes), so a process crash loses nothing that
// Log acknowledged. Power loss is covered up to the last fsync: a segment is
// fsynced when it is closed (in the background after a rollover, as
// Prometheus does; Close() waits for it) and on Close(), and on every Log when
// WALOptions::sync_on_log is set.
//
// Failure: a Log that fails (EIO, ENOSPC, EFBIG, EROFS...) is undone: the file
// is truncated back and the in-memory page restored, so the error names the
// file, the batch is not in the WAL, and the next Log can succeed once the
// cause is gone. If the undo itself fails, the WAL becomes failed and every
// later write returns FailedPrecondition with the original error.
//
// All methods are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "promlite/tsdb/logger.h"
#include "wal/compress.h"
#include "wal/format.h"

namespace promlite::tsdb::wal {

struct WALOptions {
  // Nominal segment size; a multiple of the 32 KiB page size.
  size_t segment_size = kDefaultSegmentSize;
  Compression compression = Compression::kZstd;
  // zstd level. Prometheus' zstd ("speed default" of klauspost/compress) is
  // roughly level 3; 1 writes faster at a slightly lower ratio.
  int zstd_level = 1;
  // fdatasync after every Log, for hosts that must survive power loss of
  // acknowledged writes.
  bool sync_on_log = false;
  // Where repairs and background errors are reported (component=wal).
  // Null means DefaultLogger().
  std::shared_ptr<Logger> logger;
};

class WAL {
 public:
  // Opens (creating if needed) the WAL in `dir` and starts writing a new
  // segment after the last existing one, as Prometheus does; existing
  // segments are never appended to. Removes checkpoint.*.tmp leftovers of
  // interrupted checkpoints. Fails on a directory that is not a WAL.
  static absl::StatusOr<std::unique_ptr<WAL>> Open(std::string dir, WALOptions opts = {});

  // Closes if still open (errors are logged).
  ~WAL();
  WAL(const WAL&) = delete;
  WAL& operator=(const WAL&) = delete;

  // Appends records in order, then writes them to the file (see above).
  absl::Status Log(std::span<const std::string_view> records);
  absl::Status Log(std::initializer_list<std::string_view> records) {
    return Log(std::span<const std::string_view>(records.begin(), records.size()));
  }

  // Closes the current segment (padding its last page and fsyncing it) and
  // starts the next one. Returns the new segment's index.
  absl::StatusOr<int> NextSegment();

  // The range [first, last] of segments on disk.
  absl::StatusOr<std::pair<int, int>> Segments();
  // The segment being written and the number of bytes written to it.
  absl::StatusOr<std::pair<int, int64_t>> LastSegmentAndOffset();

  // Deletes segments with index < `index`. The segment being written is never
  // deleted: an index beyond it is InvalidArgument.
  absl::Status Truncate(int index);

  // Repairs the damage a Reader reported for this WAL's directory: keeps every
  // complete record before the damage, truncates the damaged segment at the
  // end of the last good record (zero-padding its page), deletes all later
  // segments and continues writing in a new segment after the damaged one.
  absl::Status Repair(const Corruption& c);

  // fsyncs the segment being written.
  absl::Status Sync();

  // Pads and flushes the last page, fsyncs and closes the segment. Every
  // later call returns FailedPrecondition "WAL is closed".
  absl::Status Close();

  const std::string& dir() const { return dir_; }
  Compression compression() const { return opts_.compression; }
  size_t segment_size() const { return opts_.segment_size; }

 private:
  struct Page {
    std::unique_ptr<char[]> buf;  // kPageSize bytes
    size_t alloc = 0;             // bytes filled
    size_t flushed = 0;           // bytes written to the file
    size_t remaining() const { return kPageSize - alloc; }
    bool full() const { return remaining() < kFragmentHeaderSize; }
  };
  // The state before a Log, to undo a partially written batch.
  struct Undo {
    int segment = 0;
    size_t done_pages = 0;
    size_t alloc = 0;
    size_t flushed = 0;
    bool page_saved = false;  // the page was completed and copied to undo_page_
  };

  WAL(std::string dir, WALOptions opts);

  absl::Status CheckWritable() const;
  absl::Status CreateSegment(int index);
  absl::Status LogRecord(std::string_view rec);
  absl::Status FlushPage(bool clear);
  absl::Status NextSegmentLocked();
  absl::Status CloseSegmentFile();
  void WaitForCloser();
  absl::Status WriteAt(const char* p, size_t n, int64_t off);
  absl::Status RollBack(absl::Status cause);
  void ResetPage();
  std::string SegPath(int index) const { return SegmentName(dir_, index); }

  const std::string dir_;
  const WALOptions opts_;
  const size_t pages_per_segment_;
  std::shared_ptr<Logger> logger_;

  // std::mutex rather than absl::Mutex: Debian's Abseil is not built for
  // ThreadSanitizer, which then cannot see its synchronisation. Everything
  // below is guarded by mu_; the private methods expect it held.
  mutable std::mutex mu_;
  bool closed_ = false;
  absl::Status failed_;  // non-OK once the WAL is unusable
  int fd_ = -1;
  int segment_ = -1;
  size_t done_pages_ = 0;  // completed pages in the segment
  Page page_;
  Compressor compressor_;
  bool in_log_ = false;
  Undo undo_;
  std::unique_ptr<char[]> undo_page_;
  // fsyncs and closes the previous segment after a rollover, so a Log does
  // not wait for a whole segment to reach the disk. At most one runs.
  std::thread closer_;
};

}  // namespace promlite::tsdb::wal
