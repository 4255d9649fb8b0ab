// A table from dense 32-bit ids to pointers, read without a lock.
//
// Two levels: a top array of 2^(32 - kChunkBits) chunk pointers and chunks of
// 2^kChunkBits entries, made on the first store into them. Both levels come
// from calloc, whose large blocks are fresh zero pages from the kernel: a
// table costs resident memory only for the pages its ids actually touch (a
// small head does not pay 512 KiB for the top array up front). Entries are
// plain pointers accessed through std::atomic_ref, so zeroed memory is a
// valid table of null pointers.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <new>

namespace promlite::tsdb {

template <class T, int kChunkBits = 16>
class PtrTable {
 public:
  static constexpr size_t kChunkSize = size_t{1} << kChunkBits;
  static constexpr size_t kChunks = size_t{1} << (32 - kChunkBits);

  PtrTable() : top_(static_cast<T***>(std::calloc(kChunks, sizeof(T**)))) {
    if (top_ == nullptr) throw std::bad_alloc();
  }
  ~PtrTable() {
    for (size_t i = 0; i < kChunks; i++) std::free(top_[i]);
    std::free(top_);
  }
  PtrTable(const PtrTable&) = delete;
  PtrTable& operator=(const PtrTable&) = delete;

  // The pointer stored for id, or null. Lock-free; pairs with Set's release.
  T* Get(uint32_t id) const {
    T** chunk = std::atomic_ref<T**>(top_[id >> kChunkBits]).load(std::memory_order_acquire);
    if (chunk == nullptr) return nullptr;
    return std::atomic_ref<T*>(chunk[id & (kChunkSize - 1)]).load(std::memory_order_acquire);
  }

  // Stores p for id (null clears it). Concurrent Sets of different ids are
  // fine; the chunk is created under a lock the first time.
  void Set(uint32_t id, T* p) {
    std::atomic_ref<T**> slot(top_[id >> kChunkBits]);
    T** chunk = slot.load(std::memory_order_acquire);
    if (chunk == nullptr) {
      std::lock_guard l(grow_mu_);
      chunk = slot.load(std::memory_order_acquire);
      if (chunk == nullptr) {
        chunk = static_cast<T**>(std::calloc(kChunkSize, sizeof(T*)));
        if (chunk == nullptr) throw std::bad_alloc();
        slot.store(chunk, std::memory_order_release);
      }
    }
    std::atomic_ref<T*>(chunk[id & (kChunkSize - 1)]).store(p, std::memory_order_release);
  }

  // Calls f(id, p) for every non-null entry. Not safe against concurrent Sets.
  template <class F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < kChunks; i++) {
      T** chunk = top_[i];
      if (chunk == nullptr) continue;
      for (size_t j = 0; j < kChunkSize; j++) {
        if (chunk[j] != nullptr) f(static_cast<uint32_t>((i << kChunkBits) | j), chunk[j]);
      }
    }
  }

  // Bytes of the chunks covering ids up to max_id (the top array's touched
  // pages are negligible).
  static size_t MemoryBytes(uint32_t max_id) { return ((max_id >> kChunkBits) + 1) * kChunkSize * sizeof(T*); }

 private:
  T*** const top_;
  std::mutex grow_mu_;
};

}  // namespace promlite::tsdb
