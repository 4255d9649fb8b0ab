#include "fileutil/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "fileutil/fileutil.h"

namespace promlite::tsdb::fileutil {

absl::StatusOr<std::unique_ptr<FileWriter>> FileWriter::Create(const std::string& path, size_t buffer) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return Errno(errno, "create", path);
  std::unique_ptr<FileWriter> w(new FileWriter());
  w->path_ = path;
  w->fd_ = fd;
  w->cap_ = buffer;
  w->buf_.reserve(buffer);
  return w;
}

FileWriter::~FileWriter() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status FileWriter::Flush() {
  size_t off = 0;
  while (off < buf_.size()) {
    ssize_t n = ::write(fd_, buf_.data() + off, buf_.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(errno, "write", path_);
    }
    off += static_cast<size_t>(n);
  }
  buf_.clear();
  return absl::OkStatus();
}

absl::Status FileWriter::Write(std::string_view b) {
  if (fd_ < 0) return absl::FailedPreconditionError("write to closed file " + path_);
  pos_ += b.size();
  if (buf_.size() + b.size() > cap_) {
    if (absl::Status st = Flush(); !st.ok()) return st;
    if (b.size() >= cap_) {
      buf_.assign(b.data(), b.size());
      return Flush();
    }
  }
  buf_.append(b.data(), b.size());
  return absl::OkStatus();
}

absl::Status FileWriter::Pad(size_t align) {
  size_t r = pos_ % align;
  if (r == 0) return absl::OkStatus();
  static const char kZeros[64] = {};
  return Write(std::string_view(kZeros, align - r));
}

absl::Status FileWriter::Close() {
  if (fd_ < 0) return absl::OkStatus();
  absl::Status st = Flush();
  if (st.ok() && ::fsync(fd_) != 0) st = Errno(errno, "fsync", path_);
  if (::close(fd_) != 0 && st.ok()) st = Errno(errno, "close", path_);
  fd_ = -1;
  return st;
}

}  // namespace promlite::tsdb::fileutil
