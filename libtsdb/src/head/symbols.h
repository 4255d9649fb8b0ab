// Interned label strings for the head: every distinct name and value is stored
// once and referred to by a dense 32-bit id. Lookups by id take no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include <mutex>

#include "util/ptr_table.h"

namespace promlite::tsdb::head {

struct StringViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const {
    return absl::Hash<absl::string_view>{}(absl::string_view(s.data(), s.size()));
  }
};

class SymbolTable {
 public:
  SymbolTable();
  ~SymbolTable();
  SymbolTable(const SymbolTable&) = delete;
  SymbolTable& operator=(const SymbolTable&) = delete;

  // Returns the id of s, adding it if new. Thread-safe.
  uint32_t Intern(std::string_view s);
  // Looks s up without adding it.
  bool Find(std::string_view s, uint32_t* id) const;
  // The string of an id returned by Intern. Lock-free.
  std::string_view Lookup(uint32_t id) const {
    const char* p = strings_.Get(id);
    uint32_t len;
    __builtin_memcpy(&len, p, sizeof len);
    return std::string_view(p + sizeof len, len);
  }

  size_t size() const { return next_id_.load(std::memory_order_relaxed); }
  // Bytes held for strings and tables.
  size_t MemoryBytes() const;

 private:
  static constexpr int kShards = 32;
  // Arena blocks grow from kFirstBlock to kArenaBlock, so a small head
  // does not hold 32 mostly empty 64 KiB blocks.
  static constexpr size_t kFirstBlock = 1024;
  static constexpr size_t kArenaBlock = 64 * 1024;

  struct Shard {
    mutable std::mutex mu;
    absl::flat_hash_map<std::string_view, uint32_t, StringViewHash, std::equal_to<>> ids;
    std::vector<std::unique_ptr<char[]>> blocks;  // arena for small strings
    std::vector<std::unique_ptr<char[]>> large;
    size_t large_bytes = 0;
    size_t block_size = 0;  // of the last block
    size_t block_used = 0;
    size_t block_bytes = 0;  // all blocks
    size_t bytes = 0;
  };

  const char* Store(Shard& sh, std::string_view s);

  Shard shards_[kShards];
  PtrTable<const char> strings_;  // id -> length-prefixed string
  std::atomic<uint32_t> next_id_{0};
};

}  // namespace promlite::tsdb::head
