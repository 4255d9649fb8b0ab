#include "fileutil/fileutil.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "absl/strings/str_cat.h"
#include <mutex>

namespace promlite::tsdb::fileutil {
namespace fs = std::filesystem;

absl::Status Errno(int err, std::string_view op, std::string_view path) {
  std::string msg = absl::StrCat(std::string(op), " ", std::string(path), ": ", std::strerror(err));
  switch (err) {
    case ENOENT: return absl::NotFoundError(msg);
    case EEXIST: return absl::AlreadyExistsError(msg);
    case EACCES:
    case EPERM:
    case EROFS: return absl::PermissionDeniedError(msg);
    case ENOSPC:
    case EDQUOT:
    case EFBIG: return absl::ResourceExhaustedError(msg);
    case EINVAL: return absl::InvalidArgumentError(msg);
    default: return absl::InternalError(msg);
  }
}

absl::StatusOr<std::shared_ptr<MmapFile>> MmapFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(errno, "open", path);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Errno(e, "stat", path);
  }
  std::shared_ptr<MmapFile> f(new MmapFile());
  f->path_ = path;
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {
    void* p = ::mmap(nullptr, f->size_, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      int e = errno;
      ::close(fd);
      return Errno(e, "mmap", path);
    }
    f->data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return f;
}

MmapFile::~MmapFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

absl::Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno(errno, "open directory", dir);
  int rc = ::fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0) return Errno(e, "fsync directory", dir);
  return absl::OkStatus();
}

absl::Status WriteFileAtomic(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Errno(errno, "create", tmp);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Errno(e, "write", tmp);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int e = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Errno(e, "fsync", tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Errno(e, "rename", tmp);
  }
  return SyncDir(fs::path(path).parent_path().string());
}

absl::Status Replace(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove_all(to, ec);
  if (ec) return Errno(ec.value(), "remove", to);
  if (::rename(from.c_str(), to.c_str()) != 0) return Errno(errno, "rename", from);
  return SyncDir(fs::path(to).parent_path().string());
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(errno, "open", path);
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return Errno(e, "read", path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

uint64_t DirSize(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) total += it->file_size(fec);
  }
  return total;
}

absl::Status LinkTree(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return Errno(ec.value(), "create directory", to);
  for (auto it = fs::directory_iterator(from, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string src = it->path().string();
    std::string dst = (fs::path(to) / it->path().filename()).string();
    std::error_code tec;
    if (it->is_directory(tec)) {
      if (absl::Status st = LinkTree(src, dst); !st.ok()) return st;
      continue;
    }
    if (::link(src.c_str(), dst.c_str()) != 0) {
      fs::copy_file(src, dst, fs::copy_options::overwrite_existing, tec);
      if (tec) return Errno(tec.value(), "copy", src);
    }
  }
  if (ec) return Errno(ec.value(), "read directory", from);
  return SyncDir(to);
}

namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int CrockfordValue(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  for (int i = 0; i < 32; i++) {
    if (kCrockford[i] == c) return i;
  }
  return -1;
}
}  // namespace

std::string NewULID(int64_t unix_ms) {
  // Random bits from a per-process generator; uniqueness within one
  // millisecond comes from the 80 random bits, as in Prometheus.
  static std::mutex mu;
  static std::mt19937_64* rng = nullptr;
  uint8_t b[16];
  {
    std::unique_lock l(mu);
    if (rng == nullptr) {
      std::random_device rd;
      rng = new std::mt19937_64((static_cast<uint64_t>(rd()) << 32) ^ rd() ^
                                static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    }
    uint64_t r1 = (*rng)(), r2 = (*rng)();
    for (int i = 0; i < 8; i++) b[6 + i] = static_cast<uint8_t>(r1 >> (8 * i));
    b[14] = static_cast<uint8_t>(r2);
    b[15] = static_cast<uint8_t>(r2 >> 8);
  }
  uint64_t t = static_cast<uint64_t>(unix_ms);
  for (int i = 0; i < 6; i++) b[i] = static_cast<uint8_t>(t >> (8 * (5 - i)));
  // 128 bits -> 26 characters of 5 bits, the first holding only 3.
  std::string out(26, '0');
  unsigned __int128 v = 0;
  for (int i = 0; i < 16; i++) v = (v << 8) | b[i];
  for (int i = 25; i >= 0; i--) {
    out[static_cast<size_t>(i)] = kCrockford[static_cast<int>(v & 31)];
    v >>= 5;
  }
  return out;
}

std::string NewULID() {
  return NewULID(std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count());
}

bool IsULID(std::string_view s) {
  if (s.size() != 26) return false;
  if (s[0] > '7') return false;
  for (char c : s) {
    if (CrockfordValue(c) < 0) return false;
  }
  return true;
}

int64_t ULIDTime(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 10; i++) v = (v << 5) | static_cast<uint64_t>(CrockfordValue(s[i]));
  return static_cast<int64_t>(v >> 2);
}

}  // namespace promlite::tsdb::fileutil
