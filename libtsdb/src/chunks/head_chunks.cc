#include "chunks/head_chunks.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "chunks/chunks.h"
#include "fileutil/fileutil.h"
#include "index/encbuf.h"
#include "util/crc32c.h"

namespace promlite::tsdb::chunks {
namespace fs = std::filesystem;
namespace {

constexpr size_t kHeaderSize = 8;
constexpr size_t kMetaSize = 8 + 8 + 8 + 1;
constexpr size_t kFlushBytes = 1 << 20;

}  // namespace

void HeadChunkFiles::CloseFile(File* f) {
  if (f->map != nullptr) ::munmap(f->map, kMaxHeadChunkFileSize);
  if (f->fd >= 0) ::close(f->fd);
  delete f;
}

absl::StatusOr<std::unique_ptr<HeadChunkFiles>> HeadChunkFiles::Open(const std::string& dir,
                                                                     std::shared_ptr<Logger> logger) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fileutil::Errno(ec.value(), "create directory", dir);
  std::unique_ptr<HeadChunkFiles> h(new HeadChunkFiles());
  h->dir_ = dir;
  h->logger_ = std::move(logger);
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    uint32_t seq = static_cast<uint32_t>(std::stoul(name));
    std::string path = it->path().string();
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return fileutil::Errno(errno, "open", path);
    auto f = std::shared_ptr<File>(new File(), [](File* x) { CloseFile(x); });
    f->fd = fd;
    f->size = static_cast<uint64_t>(::lseek(fd, 0, SEEK_END));
    void* m = ::mmap(nullptr, kMaxHeadChunkFileSize, PROT_READ, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) return fileutil::Errno(errno, "mmap", path);
    f->map = static_cast<uint8_t*>(m);
    h->files_[seq] = std::move(f);
  }
  if (ec) return fileutil::Errno(ec.value(), "read directory", dir);
  return h;
}

HeadChunkFiles::~HeadChunkFiles() { Close().IgnoreError(); }

void HeadChunkFiles::Iterate(
    const std::function<void(uint64_t series, uint64_t ref, Timestamp mint, Timestamp maxt)>& f) {
  std::unique_lock l(mu_);
  bool damaged = false;
  for (auto it = files_.begin(); it != files_.end();) {
    const uint32_t seq = it->first;
    File& file = *it->second;
    std::string path = SegmentName(dir_, static_cast<int>(seq));
    if (damaged) {
      ::unlink(path.c_str());
      it = files_.erase(it);
      continue;
    }
    const uint8_t* b = file.map;
    uint64_t off = kHeaderSize;
    std::string why;
    if (file.size < kHeaderSize || index::BE32(b) != kMagicHeadChunks || b[4] != 1) {
      why = "invalid file header";
      off = 0;
    }
    while (why.empty() && off + kMetaSize + 1 <= file.size) {
      uint64_t series = index::BE64(b + off);
      Timestamp mint = static_cast<Timestamp>(index::BE64(b + off + 8));
      Timestamp maxt = static_cast<Timestamp>(index::BE64(b + off + 16));
      if (series == 0 && mint == 0 && maxt == 0) break;  // zeroed tail
      index::Decbuf d(b + off + kMetaSize, file.size - off - kMetaSize);
      uint64_t len = d.Uvarint();
      if (!d.ok() || len + 4 > d.len()) {
        why = "chunk truncated";
        break;
      }
      const uint8_t* data = d.ptr();
      if (crc32c::Value(b + off, static_cast<size_t>(data + len - (b + off))) != index::BE32(data + len)) {
        why = "checksum mismatch";
        break;
      }
      uint8_t enc = b[off + 24];
      uint64_t ref = (uint64_t{seq} << 32) | off;
      if (enc == kEncXOR) f(series, ref, mint, maxt);
      off = static_cast<uint64_t>(data + len + 4 - b);
    }
    if (!why.empty()) {
      // Everything from the damage on is also in the WAL.
      logger_->Warn("tsdb", "head chunk file damaged; dropping it from the damage on (the WAL has the data)",
                    {{"file", path}, {"offset", std::to_string(off)}, {"err", why}});
      damaged = true;
      if (off <= kHeaderSize) {
        ::unlink(path.c_str());
        it = files_.erase(it);
        continue;
      }
      if (::ftruncate(file.fd, static_cast<off_t>(off)) == 0) file.size = off;
    }
    ++it;
  }
}

absl::Status HeadChunkFiles::Cut() {
  if (absl::Status st = FlushLocked(); !st.ok()) return st;
  uint32_t seq = files_.empty() ? 1 : files_.rbegin()->first + 1;
  std::string path = SegmentName(dir_, static_cast<int>(seq));
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fileutil::Errno(errno, "create", path);
  auto f = std::shared_ptr<File>(new File(), [](File* x) { CloseFile(x); });
  f->fd = fd;
  void* m = ::mmap(nullptr, kMaxHeadChunkFileSize, PROT_READ, MAP_SHARED, fd, 0);
  if (m == MAP_FAILED) return fileutil::Errno(errno, "mmap", path);
  f->map = static_cast<uint8_t*>(m);
  files_[seq] = f;
  cur_ = seq;
  index::Encbuf h;
  h.PutBE32(kMagicHeadChunks);
  h.PutByte(1);
  h.PutByte(0);
  h.PutByte(0);
  h.PutByte(0);
  buf_ = h.str();
  cur_pos_ = kHeaderSize;
  return absl::OkStatus();
}

absl::Status HeadChunkFiles::FlushLocked() {
  if (cur_ == 0 || buf_.empty()) return absl::OkStatus();
  File& f = *files_[cur_];
  size_t done = 0;
  while (done < buf_.size()) {
    ssize_t n = ::pwrite(f.fd, buf_.data() + done, buf_.size() - done, static_cast<off_t>(f.size + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      // What was written stays (readers never see it before size moves).
      return fileutil::Errno(e, "write", SegmentName(dir_, static_cast<int>(cur_)));
    }
    done += static_cast<size_t>(n);
  }
  f.size += buf_.size();
  buf_.clear();
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> HeadChunkFiles::Write(uint64_t series, Timestamp mint, Timestamp maxt, std::string_view data) {
  std::unique_lock l(mu_);
  uint64_t need = kMetaSize + index::UvarintSize(data.size()) + data.size() + 4;
  if (cur_ == 0 || cur_pos_ + need > kMaxHeadChunkFileSize) {
    if (absl::Status st = Cut(); !st.ok()) return st;
  }
  uint64_t ref = (uint64_t{cur_} << 32) | cur_pos_;
  index::Encbuf b;
  b.PutBE64(series);
  b.PutBE64(static_cast<uint64_t>(mint));
  b.PutBE64(static_cast<uint64_t>(maxt));
  b.PutByte(kEncXOR);
  b.PutUvarint(data.size());
  b.PutBytes(data);
  b.PutBE32(crc32c::Value(b.str()));
  buf_.append(b.str());
  cur_pos_ += need;
  if (buf_.size() >= kFlushBytes) {
    if (absl::Status st = FlushLocked(); !st.ok()) {
      // The buffered chunks stay buffered; the next flush retries.
      logger_->Error("tsdb", "writing head chunks failed", {{"err", std::string(st.message())}});
    }
  }
  return ref;
}

absl::StatusOr<ChunkRef> HeadChunkFiles::Read(uint64_t ref) {
  uint32_t seq = static_cast<uint32_t>(ref >> 32);
  uint64_t off = ref & 0xffffffffu;
  std::unique_lock l(mu_);
  auto it = files_.find(seq);
  if (it == files_.end()) return absl::NotFoundError(absl::StrCat("head chunk ", ref, ": file gone"));
  const File& f = *it->second;
  if (off + kMetaSize >= f.size) {
    if (seq != cur_ || off < f.size) return absl::DataLossError(absl::StrCat("head chunk ", ref, ": past the end"));
    // Still buffered: hand out a copy.
    uint64_t boff = off - f.size;
    index::Decbuf d(reinterpret_cast<const uint8_t*>(buf_.data()) + boff + kMetaSize, buf_.size() - boff - kMetaSize);
    uint64_t len = d.Uvarint();
    auto copy = std::make_shared<std::vector<uint8_t>>(d.ptr(), d.ptr() + len);
    const uint8_t* p = copy->data();
    return ChunkRef{0, 0, std::move(copy), p, static_cast<size_t>(len)};
  }
  index::Decbuf d(f.map + off + kMetaSize, f.size - off - kMetaSize);
  uint64_t len = d.Uvarint();
  if (!d.ok() || len > d.len()) return absl::DataLossError(absl::StrCat("head chunk ", ref, ": truncated"));
  return ChunkRef{0, 0, it->second, d.ptr(), static_cast<size_t>(len)};
}

absl::Status HeadChunkFiles::Flush() {
  std::unique_lock l(mu_);
  return FlushLocked();
}

void HeadChunkFiles::DeleteBefore(uint32_t seq) {
  std::unique_lock l(mu_);
  for (auto it = files_.begin(); it != files_.end() && it->first < seq;) {
    if (it->first == cur_) break;
    ::unlink(SegmentName(dir_, static_cast<int>(it->first)).c_str());
    it = files_.erase(it);
  }
}

uint64_t HeadChunkFiles::Size() {
  std::unique_lock l(mu_);
  uint64_t n = 0;
  for (const auto& [_, f] : files_) n += f->size;
  return n + buf_.size();
}

absl::Status HeadChunkFiles::Close() {
  std::unique_lock l(mu_);
  absl::Status st = FlushLocked();
  files_.clear();
  cur_ = 0;
  return st;
}

}  // namespace promlite::tsdb::chunks
