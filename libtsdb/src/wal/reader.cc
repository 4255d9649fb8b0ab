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

// Read this many pages per read(2): large enough to amortise the syscall,
// small enough to stay in L2.
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
  buf_.Reserve(kReadBufferSize);
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
  have_page_ = false;
  buf_off_ = 0;
  buf_len_ = 0;
  page_ = 0;
  pos_ = 0;
  return true;
}

bool Reader::NextPage() {
  if (have_page_ && page_ + kPageSize < buf_len_) {
    page_ += kPageSize;
    pos_ = 0;
    return true;
  }
  have_page_ = false;
  if (seg_eof_) return false;
  buf_off_ += static_cast<int64_t>(buf_len_);
  buf_len_ = 0;
  size_t got = 0;
  while (got < kReadBufferSize) {
    ssize_t n = ::read(fd_, buf_.data() + got, kReadBufferSize - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FailIO(ErrnoError(errno, "read WAL segment", segs_[cur_].path));
    }
    if (n == 0) {
      seg_eof_ = true;
      break;
    }
    got += static_cast<size_t>(n);
  }
  if (got == 0) return false;
  // A segment that ends inside a page reads as zero-padded, as in Prometheus:
  // a torn write after a complete record is then indistinguishable from
  // regular padding, and one inside a record fails its checksum.
  size_t padded = (got + kPageSize - 1) / kPageSize * kPageSize;
  std::memset(buf_.data() + got, 0, padded - got);
  buf_len_ = padded;
  page_ = 0;
  pos_ = 0;
  have_page_ = true;
  return true;
}

bool Reader::Next() {
  if (!status_.ok()) return false;
  if (fd_ < 0) {
    // First call, or the previous segment ended: open the next one.
    if (!started_) {
      started_ = true;
      if (!OpenSegment(0)) return false;
    } else {
      return false;
    }
  }
  int frags = 0;
  size_t rec_len = 0;
  uint8_t flags = 0;
  int64_t rec_start = 0;
  for (;;) {
    if (!have_page_ || pos_ >= kPageSize) {
      if (!NextPage()) {
        if (!status_.ok()) return false;
        if (frags > 0) return Fail(rec_start, "last record is torn: the segment ends inside it");
        if (!OpenSegment(cur_ + 1)) return false;  // the end, or an I/O error in status_
        continue;
      }
    }
    const uint8_t* page = reinterpret_cast<const uint8_t*>(buf_.data()) + page_;
    const int64_t off = buf_off_ + static_cast<int64_t>(page_ + pos_);
    const int64_t damage = frags > 0 ? rec_start : off;
    const uint8_t hdr = page[pos_];
    if (hdr == 0) {
      // Padding: the rest of the page must be zero.
      const size_t rest = kPageSize - pos_ - 1;
      if (std::memcmp(page + pos_ + 1, kZeroPage, rest) != 0) {
        size_t i = pos_ + 1;
        while (page[i] == 0) ++i;
        return Fail(damage, absl::StrFormat("unexpected non-zero byte 0x%02x in padded page at offset %d", page[i],
                                            buf_off_ + static_cast<int64_t>(page_ + i)));
      }
      pos_ = kPageSize;
      continue;
    }
    const uint8_t type = hdr & kFragTypeMask;
    if ((hdr & kReservedMask) != 0 || type == kFragPadding || type > kFragLast ||
        (hdr & (kSnappyFlag | kZstdFlag)) == (kSnappyFlag | kZstdFlag)) {
      return Fail(damage, absl::StrFormat("invalid fragment header byte 0x%02x at offset %d", hdr, off));
    }
    if (pos_ + kFragmentHeaderSize > kPageSize) {
      return Fail(damage, absl::StrCat("fragment header at offset ", off, " crosses a page boundary"));
    }
    const uint16_t len = LoadBE16(page + pos_ + 1);
    const uint32_t want_crc = LoadBE32(page + pos_ + 3);
    if (pos_ + kFragmentHeaderSize + len > kPageSize) {
      return Fail(damage, absl::StrCat("invalid fragment length ", len, " at offset ", off,
                                       ": it would cross a page boundary"));
    }
    const uint8_t* data = page + pos_ + kFragmentHeaderSize;
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
      // Common case: the record is one fragment; hand out a view of the page.
      payload = std::string_view(reinterpret_cast<const char*>(data), len);
    } else {
      frag_buf_.Reserve(rec_len + len, rec_len);
      std::memcpy(frag_buf_.data() + rec_len, data, len);
      rec_len += len;
      ++frags;
      if (type != kFragLast) continue;
      payload = std::string_view(frag_buf_.data(), rec_len);
    }
    record_end_ = buf_off_ + static_cast<int64_t>(page_ + pos_);
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
