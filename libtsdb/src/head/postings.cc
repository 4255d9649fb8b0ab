#include "head/postings.h"

#include <algorithm>

namespace promlite::tsdb::head {

void MemPostings::Add(uint32_t id, const uint32_t* pairs, size_t n) {
  std::unique_lock l(mu_);
  for (size_t i = 0; i < n; i++) {
    Postings& list = m_[pairs[2 * i]][pairs[2 * i + 1]];
    // Ids are handed out in increasing order, but two creators may race to
    // this lock; keep the list sorted either way.
    if (list.empty() || list.back() < id) {
      list.push_back(id);
    } else {
      list.insert(std::lower_bound(list.begin(), list.end(), id), id);
    }
  }
}

void MemPostings::Delete(const absl::flat_hash_set<uint32_t>& ids,
                         const std::vector<std::pair<uint32_t, uint32_t>>& pairs) {
  std::unique_lock l(mu_);
  for (const auto& [name, value] : pairs) {
    auto nit = m_.find(name);
    if (nit == m_.end()) continue;
    auto vit = nit->second.find(value);
    if (vit == nit->second.end()) continue;
    Postings& list = vit->second;
    list.erase(std::remove_if(list.begin(), list.end(), [&](uint32_t id) { return ids.contains(id); }),
               list.end());
    if (list.empty()) {
      nit->second.erase(vit);
      if (nit->second.empty()) m_.erase(nit);
    } else if (list.capacity() > 2 * list.size() + 16) {
      list.shrink_to_fit();
    }
  }
}

Postings MemPostings::Get(uint32_t name, uint32_t value) const {
  std::shared_lock l(mu_);
  auto nit = m_.find(name);
  if (nit == m_.end()) return {};
  auto vit = nit->second.find(value);
  if (vit == nit->second.end()) return {};
  return vit->second;
}

std::vector<uint32_t> MemPostings::Names() const {
  std::shared_lock l(mu_);
  std::vector<uint32_t> out;
  out.reserve(m_.size());
  for (const auto& [n, _] : m_) out.push_back(n);
  return out;
}

bool MemPostings::HasName(uint32_t name) const {
  std::shared_lock l(mu_);
  return m_.contains(name);
}

size_t MemPostings::NumPairs() const {
  std::shared_lock l(mu_);
  size_t n = 0;
  for (const auto& [_, values] : m_) n += values.size();
  return n;
}

size_t MemPostings::MemoryBytes() const {
  std::shared_lock l(mu_);
  size_t b = m_.capacity() * (sizeof(uint32_t) + sizeof(absl::flat_hash_map<uint32_t, Postings>) + 1);
  for (const auto& [_, values] : m_) {
    b += values.capacity() * (sizeof(uint32_t) + sizeof(Postings) + 1);
    for (const auto& [__, list] : values) b += list.capacity() * sizeof(uint32_t);
  }
  return b;
}

Postings Intersect(const Postings& a, const Postings& b) {
  Postings out;
  const Postings& small = a.size() <= b.size() ? a : b;
  const Postings& big = a.size() <= b.size() ? b : a;
  out.reserve(small.size());
  if (big.size() > 16 * small.size()) {
    // Galloping: binary search the big list for each element of the small one.
    auto lo = big.begin();
    for (uint32_t x : small) {
      lo = std::lower_bound(lo, big.end(), x);
      if (lo == big.end()) break;
      if (*lo == x) out.push_back(x);
    }
    return out;
  }
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings Subtract(const Postings& a, const Postings& b) {
  Postings out;
  out.reserve(a.size());
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

Postings Union(std::vector<Postings>&& lists) {
  if (lists.empty()) return {};
  if (lists.size() == 1) return std::move(lists[0]);
  size_t total = 0;
  for (const auto& l : lists) total += l.size();
  Postings out;
  out.reserve(total);
  for (const auto& l : lists) out.insert(out.end(), l.begin(), l.end());
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace promlite::tsdb::head
