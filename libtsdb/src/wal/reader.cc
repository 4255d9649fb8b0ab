#include "wal/reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "util/crc32c.h"
#include "wal/dir.h"

namespace promlite::tsdb::wal {
namespace {

// Read this much per read(2): large enough to amortise the syscall, small
// enough to stay in L2.
constexpr size_t kReadBufferSize = 16 * kPageSize;

const char kZeroPage[kPageSize] = {};

const char* FragTypeName(uint8_t t) {
  switch (t) {
    case kFragPadding: return "padding";
    case kFragFull: return "full";
    case kFragFirst: return "first";
    case kFragMiddle: return "middle";
    case kFragLast: return "last";
  }
  return "invalid";
}

inline uint16_t LoadBE16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t LoadBE32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

}  // namespace

absl::StatusOr<std::unique_ptr<Reader>> Reader::Open(std::vector<SegmentRange> ranges) {
  std::vector<SegFile> segs;
  for (const SegmentRange& r : ranges) {
    auto contents = ReadWALDir(r.dir);
    if (!contents.ok()) return contents.status();
    for (const SegmentRef& s : contents->segments) {
      if (r.first >= 0 && s.index < r.first) continue;
      if (r.last >= 0 && s.index > r.last) break;
      segs.push_back(SegFile{r.dir, s.index, absl::StrCat(r.dir, "/", s.name)});
    }
  }
  return std::unique_ptr<Reader>(new Reader(std::move(segs)));
}

absl::StatusOr<std::unique_ptr<Reader>> Reader::Open(std::string_view dir) {
  return Open(std::vector<SegmentRange>{SegmentRange{std::string(dir), -1, -1}});
}

Reader::Reader(std::vector<SegFile> segs) : segs_(std::move(segs)) {
  // Room for a full read plus a fragment carried over from the previous one.
  buf_.Reserve(kReadBufferSize + kPageSize);
}

Reader::~Reader() {
  if (fd_ >= 0) ::close(fd_);
}

int Reader::Segment() const { return segs_.empty() ? -1 : segs_[cur_].index; }

const std::string& Reader::SegmentDir() const {
  static const std::string kEmpty;
  return segs_.empty() ? kEmpty : segs_[cur_].dir;
}

bool Reader::Fail(int64_t offset, std::string reason) {
  Corruption c;
  c.dir = segs_[cur_].dir;
  c.segment = segs_[cur_].index;
  c.offset = offset;
  c.reason = std::move(reason);
  status_ = c.ToStatus();
  corruption_ = std::move(c);
  record_ = {};
  return false;
}

bool Reader::FailIO(absl::Status st) {
  status_ = std::move(st);
  record_ = {};
  return false;
}

bool Reader::OpenSegment(size_t i) {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (i >= segs_.size()) return false;
  cur_ = i;
  fd_ = ::open(segs_[i].path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return FailIO(ErrnoError(errno, "open WAL segment", segs_[i].path));
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  seg_eof_ = false;
  buf_off_ = 0;
  buf_len_ = 0;
  pos_ = 0;
  return true;
}

bool Reader::Need(size_t n) {
  if (buf_len_ - pos_ >= n) return true;
  if (seg_eof_) return false;
  // Keep the unread tail and fill the rest of the buffer.
  const size_t keep = buf_len_ - pos_;
  if (keep > 0 && pos_ > 0) std::memmove(buf_.data(), buf_.data() + pos_, keep);
  buf_off_ += static_cast<int64_t>(pos_);
  buf_len_ = keep;
  pos_ = 0;
  const size_t cap = buf_.capacity();
  while (buf_len_ < cap) {
    ssize_t r = ::read(fd_, buf_.data() + buf_len_, cap - buf_len_);
    if (r < 0) {
      if (errno == EINTR) continue;
      return FailIO(ErrnoError(errno, "read WAL segment", segs_[cur_].path));
    }
    if (r == 0) {
      // A segment that ends inside a page reads as zero-padded, as in
      // Prometheus: a torn write after a complete record then looks like
      // regular padding, and one inside a record fails its checksum.
      const int64_t end = buf_off_ + static_cast<int64_t>(buf_len_);
      const size_t pad = static_cast<size_t>((kPageSize - end % kPageSize) % kPageSize);
      buf_.Reserve(buf_len_ + pad, buf_len_);
      std::memset(buf_.data() + buf_len_, 0, pad);
      buf_len_ += pad;
      seg_eof_ = true;
      break;
    }
    buf_len_ += static_cast<size_t>(r);
  }
  return buf_len_ >= n;
}

bool Reader::Next() {
  if (!status_.ok()) return false;
  if (fd_ < 0) {
    if (started_) return false;  // already at the end
    started_ = true;
    if (!OpenSegment(0)) return false;
  }
  int frags = 0;
  size_t rec_len = 0;
  uint8_t flags = 0;
  int64_t rec_start = 0;
  for (;;) {
    if (!Need(1)) {
      if (!status_.ok()) return false;
      if (frags > 0) return Fail(rec_start, "last record is torn: the segment ends inside it");
      if (!OpenSegment(cur_ + 1)) return false;  // the end, or an I/O error in status_
      continue;
    }
    const int64_t off = buf_off_ + static_cast<int64_t>(pos_);
    const int64_t damage = frags > 0 ? rec_start : off;
    const uint8_t hdr = static_cast<uint8_t>(buf_.data()[pos_]);
    if (hdr == 0) {
      // Padding: zeros up to the end of this page.
      const size_t rest = kPageSize - 1 - static_cast<size_t>(off % kPageSize);
      if (!Need(1 + rest)) {
        return status_.ok() ? Fail(damage, absl::StrCat("padding at offset ", off, " is cut off")) : false;
      }
      const char* p = buf_.data() + pos_ + 1;
      if (std::memcmp(p, kZeroPage, rest) != 0) {
        size_t i = 0;
        while (p[i] == 0) ++i;
        return Fail(damage, absl::StrFormat("unexpected non-zero byte 0x%02x in padded page at offset %d",
                                            static_cast<uint8_t>(p[i]), off + 1 + static_cast<int64_t>(i)));
      }
      pos_ += 1 + rest;
      continue;
    }
    const uint8_t type = hdr & kFragTypeMask;
    if ((hdr & kReservedMask) != 0 || type == kFragPadding || type > kFragLast ||
        (hdr & (kSnappyFlag | kZstdFlag)) == (kSnappyFlag | kZstdFlag)) {
      return Fail(damage, absl::StrFormat("invalid fragment header byte 0x%02x at offset %d", hdr, off));
    }
    if (!Need(kFragmentHeaderSize)) {
      return status_.ok() ? Fail(damage, absl::StrCat("fragment header at offset ", off, " is cut off")) : false;
    }
    const uint8_t* h = reinterpret_cast<const uint8_t*>(buf_.data()) + pos_;
    const uint16_t len = LoadBE16(h + 1);
    const uint32_t want_crc = LoadBE32(h + 3);
    if (len > kPageSize - kFragmentHeaderSize) {
      return Fail(damage, absl::StrCat("invalid fragment length ", len, " at offset ", off));
    }
    if (!Need(kFragmentHeaderSize + len)) {
      return status_.ok() ? Fail(damage, absl::StrCat("fragment at offset ", off, " is cut off")) : false;
    }
    const uint8_t* data = reinterpret_cast<const uint8_t*>(buf_.data()) + pos_ + kFragmentHeaderSize;
    const uint32_t crc = crc32c::Value(data, len);
    if (crc != want_crc) {
      return Fail(damage, absl::StrFormat("unexpected checksum %08x, expected %08x (fragment at offset %d)", crc,
                                          want_crc, off));
    }
    if (frags == 0) {
      if (type != kFragFull && type != kFragFirst) {
        return Fail(damage, absl::StrCat("unexpected ", FragTypeName(type), " fragment at offset ", off,
                                         ", expected a full or first fragment"));
      }
      rec_start = off;
      flags = hdr & (kSnappyFlag | kZstdFlag);
    } else {
      if (type != kFragMiddle && type != kFragLast) {
        return Fail(damage, absl::StrCat("unexpected ", FragTypeName(type), " fragment at offset ", off,
                                         ", expected a middle or last fragment"));
      }
      if ((hdr & (kSnappyFlag | kZstdFlag)) != flags) {
        return Fail(damage, absl::StrCat("compression flags of the fragment at offset ", off,
                                         " differ from the record's first fragment"));
      }
    }
    pos_ += kFragmentHeaderSize + len;

    std::string_view payload;
    if (type == kFragFull) {
      // Common case: the record is one fragment; hand out a view of the buffer.
      payload = std::string_view(reinterpret_cast<const char*>(data), len);
    } else {
      frag_buf_.Reserve(rec_len + len, rec_len);
      std::memcpy(frag_buf_.data() + rec_len, data, len);
      rec_len += len;
      ++frags;
      if (type != kFragLast) continue;
      payload = std::string_view(frag_buf_.data(), rec_len);
    }
    record_end_ = buf_off_ + static_cast<int64_t>(pos_);
    Compression c = flags == kSnappyFlag ? Compression::kSnappy
                    : flags == kZstdFlag ? Compression::kZstd
                                         : Compression::kNone;
    if (c == Compression::kNone || payload.empty()) {
      record_ = payload;
      return true;
    }
    auto decoded = dec_.Decompress(c, payload);
    if (!decoded.ok()) {
      return Fail(rec_start, absl::StrCat("decompress ", std::string(CompressionName(c)), " record: ",
                                          decoded.status().message()));
    }
    record_ = *decoded;
    return true;
  }
}

}  // namespace promlite::tsdb::wal
