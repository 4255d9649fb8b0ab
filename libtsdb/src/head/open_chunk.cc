#include "head/open_chunk.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <new>

#include "util/spinlock.h"

namespace promlite::tsdb::head {

struct alignas(64) OpenChunk::Block {
  uint8_t data[kBlockPayload];
  Block* next;
};
static_assert(sizeof(OpenChunk::Block) == OpenChunk::kBlockBytes);
static_assert(sizeof(OpenChunk) == 48, "the open chunk is part of every series");

namespace {

using Block = OpenChunk::Block;

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer builds give every block its own allocation, so use after
// free and overruns are caught instead of hidden inside a slab.
Block* AllocBlock() { return new Block(); }
void FreeChain(Block* b) {
  while (b != nullptr) {
    Block* next = b->next;
    delete b;
    b = next;
  }
}
#else
// Blocks come from 64 KiB slabs carved in order and are recycled through
// free lists. Blocks are not given back to the system: a head that shrinks
// keeps them for the chunks to come, as the allocator would keep its holes.
// A few shards keep concurrent appenders apart; a thread frees to, and
// allocates from, the shard it was assigned.
constexpr size_t kSlabBlocks = 1024;
constexpr size_t kShards = 8;

struct alignas(64) Shard {
  SpinLock mu;
  Block* free = nullptr;
  Block* slab_next = nullptr;
  size_t slab_left = 0;
  std::vector<Block*> slabs;  // keeps every slab reachable (leak checkers)
};

Shard* Shards() {
  static Shard* shards = new Shard[kShards];
  return shards;
}

Shard& MyShard() {
  static std::atomic<uint32_t> next{0};
  thread_local uint32_t idx = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return Shards()[idx];
}

// Moves another shard's free list to `to` (whose lock is held), so blocks
// freed by one thread (say, garbage collection) serve appenders elsewhere
// before a new slab is carved.
void Steal(Shard& to) {
  Shard* shards = Shards();
  for (size_t i = 0; i < kShards && to.free == nullptr; i++) {
    Shard& from = shards[i];
    if (&from == &to || !from.mu.try_lock()) continue;
    to.free = from.free;
    from.free = nullptr;
    from.mu.unlock();
  }
}

Block* AllocBlock() {
  Shard& s = MyShard();
  Block* b;
  {
    std::lock_guard<SpinLock> l(s.mu);
    if (s.free == nullptr && s.slab_left == 0) Steal(s);
    if (s.free != nullptr) {
      b = s.free;
      s.free = b->next;
    } else {
      if (s.slab_left == 0) {
        s.slab_next = static_cast<Block*>(::operator new(kSlabBlocks * sizeof(Block), std::align_val_t{64}));
        s.slabs.push_back(s.slab_next);
        s.slab_left = kSlabBlocks;
      }
      b = s.slab_next++;
      s.slab_left--;
    }
  }
  b->next = nullptr;
  return b;
}

void FreeChain(Block* b) {
  if (b == nullptr) return;
  Block* tail = b;
  while (tail->next != nullptr) tail = tail->next;
  Shard& s = MyShard();
  std::lock_guard<SpinLock> l(s.mu);
  tail->next = s.free;
  s.free = b;
}
#endif

inline void StoreBE64(uint8_t* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}

}  // namespace

void OpenChunk::Start(Timestamp mint) {
  Reset();
  mint_ = mint;
  // The stream opens with the two-byte sample count, filled in by CopyTo.
  pending_bits_ = 16;
}

void OpenChunk::Reset() {
  FreeChain(first_);
  first_ = last_ = nullptr;
  static_cast<XorEncoderCore&>(*this) = XorEncoderCore();
  pending_ = 0;
  pending_bits_ = 0;
  flushed_ = 0;
}

void OpenChunk::StoreWord(uint64_t w) {
  size_t off = flushed_ % kBlockPayload;
  if (off == 0) {
    Block* b = AllocBlock();
    if (last_ == nullptr) {
      first_ = b;
    } else {
      last_->next = b;
    }
    last_ = b;
  }
  StoreBE64(last_->data + off, w);
  flushed_ = static_cast<uint16_t>(flushed_ + 8);
}

size_t OpenChunk::allocated_bytes() const {
  return (flushed_ + kBlockPayload - 1) / kBlockPayload * kBlockBytes;
}

void OpenChunk::CopyTo(uint8_t* out) const {
  size_t left = flushed_;
  uint8_t* o = out;
  for (const Block* b = first_; left > 0; b = b->next) {
    size_t n = std::min(left, kBlockPayload);
    std::memcpy(o, b->data, n);
    o += n;
    left -= n;
  }
  size_t tail = (pending_bits_ + 7) / 8;
  for (size_t i = 0; i < tail; i++) o[i] = static_cast<uint8_t>(pending_ >> (56 - 8 * i));
  if (size() >= 2) {
    out[0] = static_cast<uint8_t>(num >> 8);
    out[1] = static_cast<uint8_t>(num);
  }
}

}  // namespace promlite::tsdb::head
