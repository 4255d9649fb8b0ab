// A buffered, append-only file writer that knows its position, used to write
// block files (index, chunk segments). Close() flushes and fsyncs; a writer
// destroyed without Close() just closes the descriptor (the caller removes
// the half-written temporary directory).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace promlite::tsdb::fileutil {

class FileWriter {
 public:
  static absl::StatusOr<std::unique_ptr<FileWriter>> Create(const std::string& path, size_t buffer = 1 << 20);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  absl::Status Write(std::string_view b);
  // Zero bytes up to the next multiple of `align`.
  absl::Status Pad(size_t align);
  uint64_t pos() const { return pos_; }
  absl::Status Flush();
  // Flush + fsync + close.
  absl::Status Close();
  const std::string& path() const { return path_; }

 private:
  FileWriter() = default;
  std::string path_;
  int fd_ = -1;
  std::string buf_;
  size_t cap_ = 0;
  uint64_t pos_ = 0;
};

}  // namespace promlite::tsdb::fileutil
