// Reads the records of a range of WAL segments (and checkpoints) in order.
//
// Semantics follow Prometheus' wlog.Reader: a segment that ends inside a page
// (the torn tail a crash leaves) reads as if zero-padded to the page end, so a
// crash after a complete record loses nothing and a crash inside a record is
// reported as corruption at that record. Every fragment's CRC32C, the fragment
// order and the padding are checked; the first problem stops the reader with a
// Corruption naming the segment and the offset of the damaged record. Like
// Prometheus' reader (which has met such files in production) a fragment that
// crosses a page boundary is accepted, though no writer should produce one.
//
// The reader is meant for segments that are no longer written to (replay at
// startup, checkpointing); it does not wait for concurrent appends.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "wal/compress.h"
#include "wal/format.h"

namespace promlite::tsdb::wal {

// Segments [first, last] of `dir`; -1 leaves that end open.
struct SegmentRange {
  std::string dir;
  int first = -1;
  int last = -1;
};

class Reader {
 public:
  // Lists the segments of each range (in the order given). Fails when a
  // directory is missing or is not a WAL; a range with no segments is fine.
  static absl::StatusOr<std::unique_ptr<Reader>> Open(std::vector<SegmentRange> ranges);
  // Every segment of `dir`.
  static absl::StatusOr<std::unique_ptr<Reader>> Open(std::string_view dir);

  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Advances to the next record. False at the end, or on an error (status()).
  // Must not be called again after it returned false.
  bool Next();
  // The current record, decompressed; valid until the next call to Next.
  std::string_view Record() const { return record_; }
  // Segment index and directory of the current record, and the byte offset in
  // that segment just past it.
  int Segment() const;
  const std::string& SegmentDir() const;
  int64_t Offset() const { return record_end_; }

  // OK at a clean end; DataLoss made by Corruption::ToStatus for damage; other
  // codes for I/O errors (which are not corruption and must not be repaired).
  const absl::Status& status() const { return status_; }
  const std::optional<Corruption>& corruption() const { return corruption_; }

 private:
  struct SegFile {
    std::string dir;
    int index;
    std::string path;
  };
  explicit Reader(std::vector<SegFile> segs);

  bool OpenSegment(size_t i);
  // Makes at least `n` bytes available at pos_ (refilling and compacting
  // buf_); false at the end of the segment or on an I/O error (status_).
  bool Need(size_t n);
  bool Fail(int64_t offset, std::string reason);
  bool FailIO(absl::Status st);

  std::vector<SegFile> segs_;
  size_t cur_ = 0;
  int fd_ = -1;
  bool started_ = false;
  bool seg_eof_ = false;  // the file is read and its last page padded

  // buf_[0, buf_len_) holds the segment from offset buf_off_; a file that
  // ends inside a page is zero-padded to the page end.
  ByteBuffer buf_;
  size_t buf_len_ = 0;
  int64_t buf_off_ = 0;
  size_t pos_ = 0;  // read position in buf_

  ByteBuffer frag_buf_;  // fragments of a record being assembled
  Decompressor dec_;
  std::string_view record_;
  int64_t record_end_ = 0;
  absl::Status status_;
  std::optional<Corruption> corruption_;
};

}  // namespace promlite::tsdb::wal
