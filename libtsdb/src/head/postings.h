// The head's inverted index: label name -> label value -> sorted series ids.
// Names and values are symbol ids from the head's SymbolTable.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include <mutex>
#include <shared_mutex>

namespace promlite::tsdb::head {

using Postings = std::vector<uint32_t>;

class MemPostings {
 public:
  // Adds series `id` under each (name, value) pair; `pairs` holds 2*n symbols.
  void Add(uint32_t id, const uint32_t* pairs, size_t n);
  // Removes the given series from every list they appear in.
  void Delete(const absl::flat_hash_set<uint32_t>& ids, const std::vector<std::pair<uint32_t, uint32_t>>& pairs);

  // A copy of the list for name=value (empty when absent).
  Postings Get(uint32_t name, uint32_t value) const;
  // Calls f(value, const Postings&) for every value of `name`, under the
  // index's reader lock: f must not call back into the index.
  template <typename F>
  void ForEachValue(uint32_t name, F&& f) const {
    std::shared_lock l(mu_);
    auto it = m_.find(name);
    if (it == m_.end()) return;
    for (const auto& [v, list] : it->second) f(v, list);
  }
  // Every label name (symbol ids) with at least one series.
  std::vector<uint32_t> Names() const;
  bool HasName(uint32_t name) const;
  // Entries and bytes, for stats.
  size_t NumPairs() const;
  size_t MemoryBytes() const;

 private:
  mutable std::shared_mutex mu_;
  absl::flat_hash_map<uint32_t, absl::flat_hash_map<uint32_t, Postings>> m_;
};

// Sorted-list algebra used to evaluate matchers.
Postings Intersect(const Postings& a, const Postings& b);
Postings Subtract(const Postings& a, const Postings& b);
// Merges several sorted lists into one sorted list without duplicates.
Postings Union(std::vector<Postings>&& lists);

}  // namespace promlite::tsdb::head
