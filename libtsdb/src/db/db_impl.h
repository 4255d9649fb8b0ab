// DB internals shared by db*.cc: the head, its WAL, the loaded blocks and
// the compaction loop.
#pragma once

#include <condition_variable>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include <mutex>
#include "block/block.h"
#include "chunks/head_chunks.h"
#include "db/replay.h"
#include "head/head.h"
#include "promlite/tsdb/db.h"
#include "record/record.h"
#include "wal/wal.h"

namespace promlite::tsdb {

class DB::Impl {
 public:
  std::string dir;
  Options opts;
  std::shared_ptr<Logger> logger;
  int lock_fd = -1;
  std::unique_ptr<chunks::HeadChunkFiles> head_files;  // outlives head (declared first)
  std::unique_ptr<head::Head> head;
  std::unique_ptr<wal::WAL> wal;
  ReplayStats replay;
  bool closed = false;
  std::mutex close_mu;

  // Buffers reused by the commit hook, which runs under the head's commit lock.
  std::vector<record::RefSeries> enc_series;
  std::vector<record::RefSample> enc_samples;
  std::string series_buf, samples_buf;

  // Loaded blocks, sorted by min time. Queriers copy the list; a block
  // stays mapped while any querier holds it.
  mutable std::mutex blocks_mu;
  std::vector<std::shared_ptr<block::Block>> blocks;
  // Blocks that failed to open, reported once each.
  absl::flat_hash_set<std::string> damaged;
  std::vector<int64_t> ranges;

  // Serialises compactions, deletions, tombstone cleaning and snapshots.
  std::mutex compact_mu;
  // Series removed from the head -> WAL segment current at removal: their
  // series records stay in checkpoints until that segment is gone.
  absl::flat_hash_map<uint32_t, int> deleted_series;
  Timestamp last_wal_truncation = kMinTime;

  // Background compaction loop.
  std::thread loop;
  std::mutex loop_mu;
  std::condition_variable loop_cv;
  bool stop_loop = false;

  std::atomic<uint64_t> compactions{0}, compactions_failed{0}, head_truncations{0}, retention_deleted{0};

  absl::Status LogCommit(const std::vector<head::MemSeries*>& new_series, const std::vector<head::SampleRef>& samples);
  absl::Status Lock();
  void Unlock();

  // Scans the directory, opens new blocks, drops replaced, deletable and
  // retained-out blocks. Damaged blocks are logged and skipped.
  absl::Status ReloadBlocks();
  std::vector<std::shared_ptr<block::Block>> BlocksSnapshot() const;
  void RemoveTemporaries();
  absl::Status CompactLocked();
  absl::Status CompactHeadLocked(Timestamp* last_maxt);
  absl::Status TruncateWAL(Timestamp mint);
  void StartLoop();
  void StopLoop();
  uint64_t OtherBytes() const;
};

}  // namespace promlite::tsdb
