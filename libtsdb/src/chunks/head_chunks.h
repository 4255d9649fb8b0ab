// The head's full chunks on disk (chunks_head/, Prometheus' head_chunks
// format): files 000001.. of at most 128 MiB, each with magic 0x0130BC91,
// version 1 and 3 bytes of padding, then per chunk
//   series ref <8> | mint <8> | maxt <8> | encoding <1> | len <uvarint> | data | CRC32C.
// A chunk is referenced by (file sequence << 32 | offset). Full chunks are
// written here when the head cuts them and read back through a memory map,
// so they leave the heap; at startup they are loaded before the WAL, whose
// samples they already hold are skipped. Files are not fsynced: the WAL
// still holds every sample, a torn tail is simply dropped.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include <mutex>
#include "promlite/tsdb/logger.h"
#include "querier/chunk_series.h"

namespace promlite::tsdb::chunks {

inline constexpr uint32_t kMagicHeadChunks = 0x0130BC91;
inline constexpr uint64_t kMaxHeadChunkFileSize = 128ull * 1024 * 1024;

class HeadChunkFiles {
 public:
  // Opens `dir` (created if needed). Existing files are kept for Iterate;
  // writing continues in a new file.
  static absl::StatusOr<std::unique_ptr<HeadChunkFiles>> Open(const std::string& dir, std::shared_ptr<Logger> logger);
  ~HeadChunkFiles();

  // Calls f for every valid chunk of the existing files in order. Damage
  // ends the walk: that file is cut at the damage and later files deleted.
  void Iterate(const std::function<void(uint64_t series, uint64_t ref, Timestamp mint, Timestamp maxt)>& f);

  // Appends a chunk; returns its reference.
  absl::StatusOr<uint64_t> Write(uint64_t series, Timestamp mint, Timestamp maxt, std::string_view data);
  // The chunk at `ref` (mint/maxt left 0): a view into the map when the bytes
  // are on disk, a copy while they are still buffered.
  absl::StatusOr<ChunkRef> Read(uint64_t ref);
  // Writes buffered chunks to the file.
  absl::Status Flush();
  // Deletes files with sequence < `seq` (never the one being written).
  void DeleteBefore(uint32_t seq);
  uint64_t Size();
  absl::Status Close();

 private:
  struct File {
    int fd = -1;
    uint8_t* map = nullptr;
    uint64_t size = 0;  // bytes in the file
  };
  HeadChunkFiles() = default;
  absl::Status Cut();
  absl::Status FlushLocked();
  static void CloseFile(File* f);

  std::string dir_;
  std::shared_ptr<Logger> logger_;
  std::mutex mu_;
  // Files are shared with readers: a deleted file stays mapped while a query
  // holds one of its chunks.
  std::map<uint32_t, std::shared_ptr<File>> files_;
  uint32_t cur_ = 0;
  std::string buf_;        // bytes of file cur_ after files_[cur_]->size
  uint64_t cur_pos_ = 0;   // logical end of file cur_ (size + buffered)
};

}  // namespace promlite::tsdb::chunks
