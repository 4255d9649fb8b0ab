// One series of the head: its labels (as symbol ids), its chunks and the
// bookkeeping that makes a committed batch visible atomically.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "chunkenc/xor.h"
#include "chunks/head_chunks.h"
#include "head/open_chunk.h"
#include "promlite/tsdb/sample.h"
#include "util/spinlock.h"

namespace promlite::tsdb::head {

// An immutable, completed chunk: in memory (shared with iterators so it can
// be dropped while a query still reads it), or written to chunks_head/ and
// read back through its memory map (`bytes` null, `ref` set).
struct ClosedChunk {
  Timestamp mint;
  Timestamp maxt;
  std::shared_ptr<const std::vector<uint8_t>> bytes;
  uint64_t ref = 0;
};

// The closed chunks of a series, oldest first. One pointer in the series
// (null while there are none; a std::vector would take 24 bytes in every
// series) to a block holding the count, the capacity and the chunks.
class ClosedChunks {
 public:
  ClosedChunks() = default;
  ~ClosedChunks() { Reset(0); }
  ClosedChunks(const ClosedChunks&) = delete;
  ClosedChunks& operator=(const ClosedChunks&) = delete;

  size_t size() const { return rep_ == nullptr ? 0 : rep_->size; }
  bool empty() const { return size() == 0; }
  const ClosedChunk* begin() const { return rep_ == nullptr ? nullptr : rep_->items(); }
  const ClosedChunk* end() const { return begin() + size(); }
  const ClosedChunk& operator[](size_t i) const { return rep_->items()[i]; }
  const ClosedChunk& front() const { return rep_->items()[0]; }
  const ClosedChunk& back() const { return rep_->items()[rep_->size - 1]; }

  void push_back(ClosedChunk c);
  // Drops the n oldest chunks.
  void EraseFront(size_t n);
  void Assign(std::vector<ClosedChunk> v);

 private:
  struct Rep {
    uint32_t size;
    uint32_t cap;
    ClosedChunk* items() { return reinterpret_cast<ClosedChunk*>(this + 1); }
  };
  static_assert(sizeof(Rep) % alignof(ClosedChunk) == 0);
  // Replaces the block with one of capacity cap (0: none), moving the chunks.
  void Reset(uint32_t cap);

  Rep* rep_ = nullptr;
};

// A snapshot of one chunk taken for a query: shared (closed, in memory or
// mapped) or a private copy of the open head chunk.
struct ChunkSnapshot {
  Timestamp mint;
  Timestamp maxt;
  std::shared_ptr<const void> owner;
  const uint8_t* data;
  size_t size;
};

struct ChunkOptions {
  int64_t chunk_range_ms;  // the block range: chunks never cross its boundaries
  int samples_per_chunk = chunkenc::kSamplesPerChunk;
  chunks::HeadChunkFiles* files = nullptr;  // where full chunks go (null: memory)
};

class MemSeries {
 public:
  // Allocates a series with room for `nlabels` label pairs after the object.
  static MemSeries* Create(uint32_t id, uint64_t hash, const uint32_t* syms, uint16_t nlabels);
  static void Destroy(MemSeries* s);

  uint32_t id() const { return id_; }
  uint64_t hash() const { return hash_; }
  uint16_t num_labels() const { return nlabels_; }
  const uint32_t* syms() const { return reinterpret_cast<const uint32_t*>(this + 1); }

  SpinLock& mu() const { return mu_; }

  // The last committed sample (kMinTime when none). Readable without mu():
  // appenders check against it before the commit re-checks under the lock.
  Timestamp last_t() const { return last_t_.load(std::memory_order_acquire); }
  double last_v() const { return std::bit_cast<double>(last_v_.load(std::memory_order_relaxed)); }

  // --- all below require mu() held ---

  // Appends a sample of commit `seq`. Returns false if it is not after the
  // last sample (it is then dropped). `watermark` is the oldest commit any
  // reader may still need to tell apart.
  bool Append(Timestamp t, double v, uint64_t seq, uint64_t watermark, const ChunkOptions& opts);

  // The newest sample time a reader at commit `seq` may see.
  Timestamp VisibleMaxTime(uint64_t seq) const;

  // Snapshots the chunks overlapping [mint, maxt].
  void Snapshot(Timestamp mint, Timestamp maxt, std::vector<ChunkSnapshot>* out,
                chunks::HeadChunkFiles* files) const;
  // Startup: chunks found in chunks_head/ for this series (time-ordered).
  // Samples up to the last one's maxt are then skipped in the WAL.
  void AttachMapped(std::vector<ClosedChunk> chunks);
  // Lowest chunks_head file a chunk of this series lives in (0: none).
  uint32_t MinFileSeq() const;

  // Time range of all samples held (kMaxTime/kMinTime when empty).
  Timestamp MinTime() const;
  Timestamp MaxTime() const { return last_t(); }
  size_t NumChunks() const { return closed_.size() + (head_.num_samples() > 0 ? 1 : 0); }
  size_t ChunkBytes() const;

  // Drops chunks entirely before `mint`; returns true if the series is now empty.
  bool TruncateBefore(Timestamp mint);

  // Whether the series has been written to the WAL (guarded by the head's
  // commit lock, not by mu()).
  bool logged() const { return logged_; }
  void set_logged(bool b) { logged_ = b; }
  // Set (under the head's commit lock) when garbage collection unlinked the
  // series; its memory is freed once no appender or reader can hold it.
  std::atomic<bool> deleted{false};
  // Replay only: chunks from chunks_head/ were attached (samples up to
  // last_t() are in them).
  bool has_mapped = false;

  // Hints the cache to load what an append touches (the open chunk and its
  // bytes). Replay calls it a few samples ahead; reads race-free fields only
  // as hints (a stale pointer is harmless to prefetch).
  void PrefetchForAppend() const {
    PrefetchHeadChunk();
    PrefetchChunkTail();
  }
  // Commit prefetches what an append writes in two steps, a few samples
  // apart, so neither load waits for memory: this object (which holds the
  // open chunk's state), then the block the chunk's next bytes go to (found
  // through that state). Both only read race-free hints.
  void PrefetchHeadChunk() const {
    __builtin_prefetch(this, 1);
    __builtin_prefetch(reinterpret_cast<const char*>(this) + 64, 1);
    __builtin_prefetch(reinterpret_cast<const char*>(this) + 128, 1);
  }
  void PrefetchChunkTail() const {
    if (const void* b = head_.tail_block()) __builtin_prefetch(b, 1);
  }
  // Link in the head's hash-stripe chain (guarded by the stripe lock).
  MemSeries* hash_next = nullptr;

 private:
  MemSeries(uint32_t id, uint64_t hash, uint16_t n) : id_(id), nlabels_(n), hash_(hash) {}
  ~MemSeries();

  void CutHeadChunk(Timestamp t, const ChunkOptions& opts);
  // The open chunk's newest sample time (when it has samples): the series'.
  Timestamp OpenMaxTime() const { return last_t_.load(std::memory_order_relaxed); }

  // Small fields packed into one word (the two flags above take the next).
  const uint32_t id_;
  const uint16_t nlabels_;
  mutable SpinLock mu_;
  bool logged_ = false;
  const uint64_t hash_;
  ClosedChunks closed_;
  OpenChunk head_;
  Timestamp next_at_ = 0;
  std::atomic<Timestamp> last_t_{kMinTime};
  std::atomic<uint64_t> last_v_{0};
  // Commit visibility: samples up to base_maxt_ are visible to all readers;
  // commits_ lists (seq, maxt after that commit) for newer commits.
  Timestamp base_maxt_ = kMinTime;
  absl::InlinedVector<std::pair<uint64_t, Timestamp>, 1> commits_;
};

}  // namespace promlite::tsdb::head
