#include "head/symbols.h"

#include <algorithm>
#include <cstring>

namespace promlite::tsdb::head {

SymbolTable::SymbolTable() = default;
SymbolTable::~SymbolTable() = default;

const char* SymbolTable::Store(Shard& sh, std::string_view s) {
  size_t need = sizeof(uint32_t) + s.size();
  char* p;
  if (need > kArenaBlock / 4) {
    // Big strings get their own allocation so they don't waste arena space.
    sh.large.emplace_back(new char[need]);
    p = sh.large.back().get();
  } else {
    if (sh.block_used + need > sh.block_size) {
      // need <= kArenaBlock / 4, so a block always fits it.
      sh.block_size = std::min(kArenaBlock, std::max({kFirstBlock, 2 * sh.block_size, need}));
      sh.blocks.emplace_back(new char[sh.block_size]);
      sh.block_bytes += sh.block_size;
      sh.block_used = 0;
    }
    p = sh.blocks.back().get() + sh.block_used;
    sh.block_used += need;
  }
  uint32_t len = static_cast<uint32_t>(s.size());
  std::memcpy(p, &len, sizeof len);
  std::memcpy(p + sizeof len, s.data(), s.size());
  sh.bytes += need;
  if (need > kArenaBlock / 4) sh.large_bytes += need;
  return p;
}

uint32_t SymbolTable::Intern(std::string_view s) {
  size_t h = StringViewHash{}(s);
  Shard& sh = shards_[h % kShards];
  std::unique_lock l(sh.mu);
  auto it = sh.ids.find(s);
  if (it != sh.ids.end()) return it->second;
  const char* p = Store(sh, s);
  uint32_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
  strings_.Set(id, p);
  sh.ids.emplace(std::string_view(p + sizeof(uint32_t), s.size()), id);
  return id;
}

bool SymbolTable::Find(std::string_view s, uint32_t* id) const {
  size_t h = StringViewHash{}(s);
  const Shard& sh = shards_[h % kShards];
  std::unique_lock l(sh.mu);
  auto it = sh.ids.find(s);
  if (it == sh.ids.end()) return false;
  *id = it->second;
  return true;
}

size_t SymbolTable::MemoryBytes() const {
  size_t total = 0;
  for (const auto& sh : shards_) {
    std::unique_lock l(sh.mu);
    total += sh.block_bytes + sh.large_bytes + sh.ids.capacity() * (sizeof(std::string_view) + sizeof(uint32_t) + 1);
  }
  size_t n = size();
  total += PtrTable<const char>::MemoryBytes(static_cast<uint32_t>(n));
  return total;
}

}  // namespace promlite::tsdb::head
