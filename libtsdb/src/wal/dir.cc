#include "wal/dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "wal/format.h"

namespace promlite::tsdb::wal {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kCheckpointPrefix = "checkpoint.";
constexpr std::string_view kTmpSuffix = ".tmp";

absl::Status FsError(const std::error_code& ec, std::string_view op, std::string_view path) {
  return ErrnoError(ec.value(), op, path);
}

}  // namespace

absl::Status ErrnoError(int err, std::string_view op, std::string_view path) {
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
    case ENOTDIR:
    case EISDIR:
    case ENOTEMPTY: return absl::FailedPreconditionError(msg);
    case EINVAL: return absl::InvalidArgumentError(msg);
    default: return absl::InternalError(msg);
  }
}

absl::StatusOr<DirContents> ReadWALDir(std::string_view dir_sv) {
  std::string dir(dir_sv);
  std::error_code ec;
  fs::file_status st = fs::status(dir, ec);
  if (ec) return FsError(ec, "stat WAL directory", dir);
  if (!fs::is_directory(st)) {
    return absl::FailedPreconditionError(absl::StrCat("WAL directory ", dir, " is not a directory"));
  }
  DirContents out;
  fs::directory_iterator it(dir, ec);
  if (ec) return FsError(ec, "read WAL directory", dir);
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return FsError(ec, "read WAL directory", dir);
    std::string name = it->path().filename().string();
    std::error_code tec;
    // symlink_status: a symlink named like a segment is still unexpected.
    fs::file_status est = it->symlink_status(tec);
    if (tec) return FsError(tec, "stat", it->path().string());
    if (auto idx = ParseSegmentName(name)) {
      if (!fs::is_regular_file(est)) {
        return absl::FailedPreconditionError(
            absl::StrCat("WAL segment ", it->path().string(), " is not a regular file"));
      }
      out.segments.push_back(SegmentRef{name, *idx});
      continue;
    }
    // Only checkpoint.*.tmp, as Prometheus: any other *.tmp is not ours to
    // delete.
    if (name.starts_with(kCheckpointPrefix) && name.ends_with(kTmpSuffix)) {
      out.temporaries.push_back(name);
      continue;
    }
    if (name.starts_with(kCheckpointPrefix)) {
      if (auto idx = ParseSegmentName(std::string_view(name).substr(kCheckpointPrefix.size()))) {
        if (!fs::is_directory(est)) {
          return absl::FailedPreconditionError(
              absl::StrCat("checkpoint ", it->path().string(), " is not a directory"));
        }
        out.checkpoints.push_back(CheckpointRef{name, *idx});
        continue;
      }
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "directory ", dir, " is not a write-ahead log: unexpected entry \"", name,
        "\" (expected only 8-digit segment files, checkpoint.NNNNNNNN directories and checkpoint.*.tmp leftovers)"));
  }
  std::sort(out.segments.begin(), out.segments.end(),
            [](const SegmentRef& a, const SegmentRef& b) { return a.index < b.index; });
  std::sort(out.checkpoints.begin(), out.checkpoints.end(),
            [](const CheckpointRef& a, const CheckpointRef& b) { return a.index < b.index; });
  for (size_t i = 1; i < out.segments.size(); ++i) {
    if (out.segments[i - 1].index + 1 != out.segments[i].index) {
      return absl::FailedPreconditionError(absl::StrCat("WAL segments in ", dir, " are not sequential: ",
                                                        out.segments[i].name, " follows ",
                                                        out.segments[i - 1].name));
    }
  }
  return out;
}

absl::StatusOr<std::pair<int, int>> Segments(std::string_view dir) {
  auto contents = ReadWALDir(dir);
  if (!contents.ok()) return contents.status();
  if (contents->segments.empty()) return std::pair<int, int>{-1, -1};
  return std::pair<int, int>{contents->segments.front().index, contents->segments.back().index};
}

std::string CheckpointDir(std::string_view dir, int index) {
  return absl::StrFormat("%s/checkpoint.%08d", absl::string_view(dir.data(), dir.size()), index);
}

absl::Status SyncDir(std::string_view dir_sv) {
  std::string dir(dir_sv);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "open directory", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return ErrnoError(err, "fsync directory", dir);
  return absl::OkStatus();
}

}  // namespace promlite::tsdb::wal
