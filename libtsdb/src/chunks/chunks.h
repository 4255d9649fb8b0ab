// A block's chunks/ directory in Prometheus' format (tsdb/docs/format/chunks.md):
// numbered segment files (000001, ...) of at most 512 MiB, each starting with
// magic 0x85BD40DD, version 1 and 3 bytes of padding, then chunks as
// uvarint len | encoding <1b> | data | CRC32C(encoding, data). A chunk is
// referenced by (segment index << 32 | offset), the index counting from 0.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "fileutil/file_writer.h"
#include "fileutil/fileutil.h"

namespace promlite::tsdb::chunks {

inline constexpr uint32_t kMagicChunks = 0x85BD40DD;
inline constexpr size_t kSegmentHeaderSize = 8;
inline constexpr int64_t kDefaultSegmentSize = 512ll * 1024 * 1024;
inline constexpr uint8_t kEncXOR = 1;

std::string SegmentName(const std::string& dir, int seq);  // seq counts from 1

class ChunkWriter {
 public:
  static absl::StatusOr<std::unique_ptr<ChunkWriter>> Create(const std::string& dir,
                                                             int64_t segment_size = kDefaultSegmentSize);
  // Appends one chunk and returns its reference. Chunks of one series are
  // written together, so a new segment is started only between calls.
  absl::StatusOr<uint64_t> Write(uint8_t encoding, std::string_view data);
  absl::Status Close();
  uint64_t bytes() const { return total_; }

 private:
  ChunkWriter() = default;
  absl::Status Cut();
  std::string dir_;
  int64_t segment_size_ = kDefaultSegmentSize;
  std::unique_ptr<fileutil::FileWriter> f_;
  int seq_ = 0;  // segment files created so far
  uint64_t total_ = 0;
};

struct ChunkData {
  uint8_t encoding = 0;
  const uint8_t* data = nullptr;
  size_t size = 0;
};

class ChunkReader {
 public:
  // Maps every segment of `dir`, checking their headers.
  static absl::StatusOr<std::unique_ptr<ChunkReader>> Open(const std::string& dir);
  // The chunk at `ref`, its checksum verified. The data points into the map
  // and stays valid while `owner()` is held.
  absl::StatusOr<ChunkData> Chunk(uint64_t ref) const;
  uint64_t size() const { return size_; }
  // Keeps the maps alive (for chunk references handed to queries).
  std::shared_ptr<const void> owner() const { return owner_; }

 private:
  ChunkReader() = default;
  std::vector<std::shared_ptr<fileutil::MmapFile>> segs_;
  std::shared_ptr<const void> owner_;
  uint64_t size_ = 0;
};

}  // namespace promlite::tsdb::chunks
