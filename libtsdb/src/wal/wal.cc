#include "wal/wal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "util/crc32c.h"
#include "wal/dir.h"
#include "wal/reader.h"

namespace promlite::tsdb::wal {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kComponent = "wal";

absl::Status Annotate(const absl::Status& st, std::string_view suffix) {
  return absl::Status(st.code(), absl::StrCat(st.message(), std::string(suffix)));
}

bool SameDir(const std::string& a, const std::string& b) {
  std::error_code ec1, ec2;
  fs::path pa = fs::weakly_canonical(a, ec1);
  fs::path pb = fs::weakly_canonical(b, ec2);
  if (ec1 || ec2) return fs::path(a).lexically_normal() == fs::path(b).lexically_normal();
  return pa == pb;
}

inline void PutBE16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void PutBE32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

}  // namespace

WAL::WAL(std::string dir, WALOptions opts)
    : dir_(std::move(dir)),
      opts_(std::move(opts)),
      pages_per_segment_(opts_.segment_size / kPageSize),
      logger_(opts_.logger ? opts_.logger : DefaultLogger()),
      compressor_(opts_.compression, opts_.zstd_level) {
  page_.buf.reset(new char[kPageSize]);
  std::memset(page_.buf.get(), 0, kPageSize);
  undo_page_.reset(new char[kPageSize]);
}

absl::StatusOr<std::unique_ptr<WAL>> WAL::Open(std::string dir, WALOptions opts) {
  if (opts.segment_size == 0 || opts.segment_size % kPageSize != 0) {
    return absl::InvalidArgumentError(absl::StrCat("WAL segment size ", opts.segment_size,
                                                   " is not a positive multiple of the page size ", kPageSize));
  }
  if (dir.empty()) return absl::InvalidArgumentError("WAL directory is empty");
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (!ec && !fs::is_directory(st)) {
    return absl::FailedPreconditionError(absl::StrCat("WAL directory ", dir, " is not a directory"));
  }
  if (ec) {
    fs::create_directories(dir, ec);
    if (ec) return ErrnoError(ec.value(), "create WAL directory", dir);
  }
  auto contents = ReadWALDir(dir);
  if (!contents.ok()) return contents.status();

  std::unique_ptr<WAL> w(new WAL(std::move(dir), std::move(opts)));
  // Leftovers of a checkpoint interrupted by a crash: their content was never
  // published, so they are garbage.
  for (const std::string& tmp : contents->temporaries) {
    std::string path = absl::StrCat(w->dir_, "/", tmp);
    fs::remove_all(path, ec);
    if (ec) return ErrnoError(ec.value(), "remove leftover", path);
    w->logger_->Info(kComponent, "Removed leftover temporary directory", {{"path", path}});
  }
  int next = contents->segments.empty() ? 0 : contents->segments.back().index + 1;
  std::lock_guard<std::mutex> l(w->mu_);
  if (absl::Status s = w->CreateSegment(next); !s.ok()) return s;
  return w;
}

WAL::~WAL() {
  bool closed;
  {
    std::lock_guard<std::mutex> l(mu_);
    closed = closed_;
  }
  if (!closed) {
    if (absl::Status st = Close(); !st.ok()) {
      logger_->Error(kComponent, "Closing WAL failed", {{"dir", dir_}, {"err", std::string(st.message())}});
    }
  }
}

absl::Status WAL::CheckWritable() const {
  if (closed_) return absl::FailedPreconditionError("WAL is closed");
  if (!failed_.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("WAL in ", dir_, " failed and refuses writes: ", failed_.message()));
  }
  return absl::OkStatus();
}

void WAL::ResetPage() {
  std::memset(page_.buf.get(), 0, kPageSize);
  page_.alloc = 0;
  page_.flushed = 0;
}

absl::Status WAL::CreateSegment(int index) {
  std::string path = SegPath(index);
  // O_EXCL: we only ever start new segments; finding one means someone else
  // writes here too.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return ErrnoError(errno, "create WAL segment", path);
  // The directory entry must be durable before anything written to the file
  // is worth syncing.
  if (absl::Status st = SyncDir(dir_); !st.ok()) {
    ::close(fd);
    ::unlink(path.c_str());
    return st;
  }
  fd_ = fd;
  segment_ = index;
  done_pages_ = 0;
  ResetPage();
  return absl::OkStatus();
}

absl::Status WAL::WriteAt(const char* p, size_t n, int64_t off) {
  while (n > 0) {
    ssize_t w = ::pwrite(fd_, p, n, off);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write WAL segment", SegPath(segment_));
    }
    p += w;
    n -= static_cast<size_t>(w);
    off += w;
    page_.flushed += static_cast<size_t>(w);
  }
  return absl::OkStatus();
}

absl::Status WAL::FlushPage(bool clear) {
  if (clear) page_.alloc = kPageSize;  // the rest of the page is zeros: padding
  const int64_t off = static_cast<int64_t>(done_pages_ * kPageSize + page_.flushed);
  if (absl::Status st = WriteAt(page_.buf.get() + page_.flushed, page_.alloc - page_.flushed, off); !st.ok()) {
    return st;
  }
  if (clear) {
    // The page a Log started on is about to be discarded: keep a copy so the
    // Log can be undone.
    if (in_log_ && !undo_.page_saved && segment_ == undo_.segment && done_pages_ == undo_.done_pages) {
      std::memcpy(undo_page_.get(), page_.buf.get(), undo_.alloc);
      undo_.page_saved = true;
    }
    ResetPage();
    ++done_pages_;
  }
  return absl::OkStatus();
}

absl::Status WAL::CloseSegmentFile() {
  absl::Status st;
  if (::fsync(fd_) != 0) st = ErrnoError(errno, "fsync WAL segment", SegPath(segment_));
  if (::close(fd_) != 0 && st.ok()) st = ErrnoError(errno, "close WAL segment", SegPath(segment_));
  fd_ = -1;
  return st;
}

absl::Status WAL::NextSegmentLocked() {
  if (page_.alloc > 0) {
    if (absl::Status st = FlushPage(true); !st.ok()) return st;
  }
  const int prev_fd = fd_;
  const std::string prev_path = SegPath(segment_);
  if (absl::Status st = CreateSegment(segment_ + 1); !st.ok()) return st;
  // Like Prometheus, the finished segment is fsynced in the background and a
  // failure is logged, not returned: the data is in the page cache and the new
  // segment is usable; only a power loss could still lose it.
  WaitForCloser();
  closer_ = std::thread([prev_fd, prev_path, logger = logger_] {
    if (::fsync(prev_fd) != 0) {
      const int err = errno;
      logger->Error(kComponent, "Sync previous segment",
                    {{"segment", prev_path}, {"err", std::string(ErrnoError(err, "fsync", prev_path).message())}});
    }
    ::close(prev_fd);
  });
  return absl::OkStatus();
}

void WAL::WaitForCloser() {
  if (closer_.joinable()) closer_.join();
}

absl::Status WAL::LogRecord(std::string_view rec) {
  if (page_.full()) {
    if (absl::Status st = FlushPage(true); !st.ok()) return st;
  }
  std::string_view enc = rec;
  uint8_t flags = 0;
  if (opts_.compression != Compression::kNone && !rec.empty()) {
    auto c = compressor_.Compress(rec);
    if (!c.ok()) return c.status();
    // Keep the raw bytes when compression does not pay (small records).
    if (c->size() < rec.size()) {
      enc = *c;
      flags = opts_.compression == Compression::kSnappy ? kSnappyFlag : kZstdFlag;
    }
  }
  // Records never cross segments, so that whole segments can be dropped by
  // Truncate and a torn write can only damage the last one.
  const int64_t per_page = static_cast<int64_t>(kPageSize - kFragmentHeaderSize);
  const int64_t left = static_cast<int64_t>(page_.remaining()) - static_cast<int64_t>(kFragmentHeaderSize) +
                       per_page * (static_cast<int64_t>(pages_per_segment_) - static_cast<int64_t>(done_pages_) - 1);
  const bool segment_empty = done_pages_ == 0 && page_.alloc == 0;
  if (!segment_empty && (done_pages_ >= pages_per_segment_ || static_cast<int64_t>(enc.size()) > left)) {
    if (absl::Status st = NextSegmentLocked(); !st.ok()) return st;
  }
  for (bool first = true; first || !enc.empty(); first = false) {
    const size_t n = std::min(enc.size(), page_.remaining() - kFragmentHeaderSize);
    const bool last = n == enc.size();
    uint8_t type = first ? (last ? kFragFull : kFragFirst) : (last ? kFragLast : kFragMiddle);
    char* h = page_.buf.get() + page_.alloc;
    h[0] = static_cast<char>(type | flags);
    PutBE16(h + 1, static_cast<uint16_t>(n));
    PutBE32(h + 3, crc32c::Value(enc.data(), n));
    std::memcpy(h + kFragmentHeaderSize, enc.data(), n);
    page_.alloc += kFragmentHeaderSize + n;
    enc.remove_prefix(n);
    if (page_.full()) {
      if (absl::Status st = FlushPage(true); !st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

absl::Status WAL::Log(std::span<const std::string_view> records) {
  std::lock_guard<std::mutex> l(mu_);
  if (absl::Status st = CheckWritable(); !st.ok()) return st;
  in_log_ = true;
  undo_ = Undo{segment_, done_pages_, page_.alloc, page_.flushed, false};
  absl::Status st;
  for (std::string_view rec : records) {
    st = LogRecord(rec);
    if (!st.ok()) break;
  }
  // Hand the partial page to the kernel: from here a process crash loses
  // nothing. The page stays open for the next records.
  if (st.ok() && page_.alloc > page_.flushed) st = FlushPage(false);
  in_log_ = false;
  if (!st.ok()) return RollBack(std::move(st));
  if (opts_.sync_on_log && ::fdatasync(fd_) != 0) {
    // After a failed fsync the kernel may have dropped the dirty pages, so
    // nothing written since the last good sync can be trusted to be durable.
    failed_ = ErrnoError(errno, "fdatasync WAL segment", SegPath(segment_));
    return failed_;
  }
  return absl::OkStatus();
}

absl::Status WAL::RollBack(absl::Status cause) {
  absl::Status st;
  if (segment_ != undo_.segment) {
    // The batch rolled over into new segments: drop them and reopen the one
    // the batch started in.
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    for (int i = segment_; i > undo_.segment && st.ok(); --i) {
      if (::unlink(SegPath(i).c_str()) != 0 && errno != ENOENT) {
        st = ErrnoError(errno, "remove WAL segment", SegPath(i));
      }
    }
    if (st.ok()) {
      fd_ = ::open(SegPath(undo_.segment).c_str(), O_WRONLY | O_CLOEXEC);
      if (fd_ < 0) st = ErrnoError(errno, "reopen WAL segment", SegPath(undo_.segment));
    }
    segment_ = undo_.segment;
  }
  if (st.ok()) {
    const off_t size = static_cast<off_t>(undo_.done_pages * kPageSize + undo_.flushed);
    if (::ftruncate(fd_, size) != 0) st = ErrnoError(errno, "truncate WAL segment", SegPath(segment_));
  }
  if (!st.ok()) {
    failed_ = absl::Status(cause.code(), absl::StrCat(cause.message(), "; undoing the partial write failed too: ",
                                                      st.message()));
    logger_->Error(kComponent, "WAL write failed and could not be undone",
                   {{"dir", dir_}, {"err", std::string(failed_.message())}});
    return failed_;
  }
  if (undo_.page_saved) std::memcpy(page_.buf.get(), undo_page_.get(), undo_.alloc);
  std::memset(page_.buf.get() + undo_.alloc, 0, kPageSize - undo_.alloc);
  page_.alloc = undo_.alloc;
  page_.flushed = undo_.flushed;
  done_pages_ = undo_.done_pages;
  return Annotate(cause, " (none of the batch's records were logged)");
}

absl::StatusOr<int> WAL::NextSegment() {
  std::lock_guard<std::mutex> l(mu_);
  if (absl::Status st = CheckWritable(); !st.ok()) return st;
  if (absl::Status st = NextSegmentLocked(); !st.ok()) return st;
  return segment_;
}

absl::StatusOr<std::pair<int, int>> WAL::Segments() {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return absl::FailedPreconditionError("WAL is closed");
  return wal::Segments(dir_);
}

absl::StatusOr<std::pair<int, int64_t>> WAL::LastSegmentAndOffset() {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return absl::FailedPreconditionError("WAL is closed");
  return std::pair<int, int64_t>{segment_, static_cast<int64_t>(done_pages_ * kPageSize + page_.alloc)};
}

absl::Status WAL::Truncate(int index) {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return absl::FailedPreconditionError("WAL is closed");
  if (index > segment_) {
    return absl::InvalidArgumentError(absl::StrCat("cannot truncate the WAL before segment ", index,
                                                   ": the segment being written is ", segment_));
  }
  auto contents = ReadWALDir(dir_);
  if (!contents.ok()) return contents.status();
  // Oldest first, so an interruption leaves a contiguous range.
  for (const SegmentRef& s : contents->segments) {
    if (s.index >= index) break;
    std::string path = absl::StrCat(dir_, "/", s.name);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError(errno, "remove WAL segment", path);
  }
  return absl::OkStatus();
}

absl::Status WAL::Repair(const Corruption& c) {
  std::lock_guard<std::mutex> l(mu_);
  if (absl::Status st = CheckWritable(); !st.ok()) return st;
  if (c.segment < 0) return absl::InvalidArgumentError("cannot repair: the corruption names no segment");
  if (!SameDir(c.dir, dir_)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot repair: the corruption is in ", c.dir, ", not in this WAL's directory ", dir_));
  }
  auto contents = ReadWALDir(dir_);
  if (!contents.ok()) return contents.status();
  if (contents->segments.empty() || c.segment < contents->segments.front().index ||
      c.segment > contents->segments.back().index) {
    return absl::NotFoundError(absl::StrCat("cannot repair: no segment ", c.segment, " in ", dir_));
  }
  logger_->Warn(kComponent, "Starting corruption repair",
                {{"segment", std::to_string(c.segment)}, {"offset", std::to_string(c.offset)},
                 {"reason", c.reason}});

  // Find where the last intact record before the damage ends. The reader
  // re-checks everything, so a Corruption with a too-large offset cannot make
  // us keep damaged data.
  int64_t good_end = 0;
  int64_t kept = 0;
  {
    auto r = Reader::Open(std::vector<SegmentRange>{SegmentRange{dir_, c.segment, c.segment}});
    if (!r.ok()) return r.status();
    while ((*r)->Next() && (*r)->Offset() <= c.offset) {
      good_end = (*r)->Offset();
      ++kept;
    }
    // An I/O error is not damage: truncating on it could destroy good data.
    if (!(*r)->status().ok() && !(*r)->corruption()) return (*r)->status();
  }

  // The segment being written is always at or after the damaged one.
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  // Every segment after the damaged one goes: records may depend on earlier
  // ones (series before samples), so nothing after a gap can be trusted.
  // Newest first, so an interruption leaves a contiguous range.
  int64_t dropped_bytes = 0;
  int deleted = 0;
  for (auto it = contents->segments.rbegin(); it != contents->segments.rend() && it->index > c.segment; ++it) {
    std::string path = absl::StrCat(dir_, "/", it->name);
    struct stat sb;
    if (::stat(path.c_str(), &sb) == 0) dropped_bytes += sb.st_size;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      failed_ = ErrnoError(errno, "remove WAL segment", path);
      return failed_;
    }
    ++deleted;
  }
  std::string path = SegPath(c.segment);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    failed_ = ErrnoError(errno, "open WAL segment for repair", path);
    return failed_;
  }
  struct stat sb;
  if (::fstat(fd, &sb) == 0 && sb.st_size > good_end) dropped_bytes += sb.st_size - good_end;
  // Cut at the last good record, then zero-fill to the page end as a writer
  // closing the segment would have.
  const off_t padded = static_cast<off_t>((good_end + kPageSize - 1) / kPageSize * kPageSize);
  absl::Status st;
  if (::ftruncate(fd, good_end) != 0 || ::ftruncate(fd, padded) != 0) {
    st = ErrnoError(errno, "truncate WAL segment", path);
  } else if (::fsync(fd) != 0) {
    st = ErrnoError(errno, "fsync WAL segment", path);
  }
  ::close(fd);
  if (st.ok()) st = SyncDir(dir_);
  if (st.ok()) st = CreateSegment(c.segment + 1);
  if (!st.ok()) {
    failed_ = st;
    return st;
  }
  logger_->Warn(kComponent, "WAL repaired",
                {{"segment", std::to_string(c.segment)},
                 {"kept_records", std::to_string(kept)},
                 {"truncated_at", std::to_string(good_end)},
                 {"dropped_bytes", std::to_string(dropped_bytes)},
                 {"deleted_segments", std::to_string(deleted)}});
  return absl::OkStatus();
}

absl::Status WAL::Sync() {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return absl::FailedPreconditionError("WAL is closed");
  if (::fsync(fd_) != 0) return ErrnoError(errno, "fsync WAL segment", SegPath(segment_));
  return absl::OkStatus();
}

absl::Status WAL::Close() {
  std::lock_guard<std::mutex> l(mu_);
  if (closed_) return absl::FailedPreconditionError("WAL is closed");
  closed_ = true;
  WaitForCloser();
  if (fd_ < 0) return failed_;
  absl::Status st = failed_;
  // Pad the last page so the segment ends on a page boundary, as Prometheus
  // leaves it; an empty page is not written (the segment stays empty).
  if (st.ok() && page_.alloc > 0) st = FlushPage(true);
  absl::Status cs = CloseSegmentFile();
  if (st.ok()) st = cs;
  return st;
}

}  // namespace promlite::tsdb::wal
