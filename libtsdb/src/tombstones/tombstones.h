// Deletion intervals per series (tombstones), and a block's tombstones file
// (tsdb/docs/format/tombstones.md): magic 0x0130BA30, format byte 1, then per
// interval uvarint series ref | varint mint | varint maxt, then CRC32C of the
// entries (the format byte excluded, as Prometheus computes it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "promlite/tsdb/sample.h"

namespace promlite::tsdb::tombstones {

inline constexpr uint32_t kMagicTombstone = 0x0130BA30;
inline constexpr char kFilename[] = "tombstones";

struct Interval {
  Timestamp mint;
  Timestamp maxt;  // inclusive
  bool InBounds(Timestamp t) const { return t >= mint && t <= maxt; }
  friend bool operator==(const Interval&, const Interval&) = default;
};

// Sorted, non-overlapping, non-adjacent intervals.
using Intervals = std::vector<Interval>;

// Adds `iv`, merging it with overlapping or adjacent intervals.
void AddInterval(Intervals* ivs, Interval iv);
bool IsDeleted(const Intervals& ivs, Timestamp t);
// True when [mint, maxt] lies entirely inside one interval.
bool Covers(const Intervals& ivs, Timestamp mint, Timestamp maxt);
bool Overlaps(const Intervals& ivs, Timestamp mint, Timestamp maxt);

class Tombstones {
 public:
  void Add(uint64_t ref, Interval iv) { AddInterval(&m_[ref], iv); }
  const Intervals* Get(uint64_t ref) const {
    auto it = m_.find(ref);
    return it == m_.end() ? nullptr : &it->second;
  }
  uint64_t Total() const;
  bool empty() const { return m_.empty(); }
  // Drops intervals ending before `mint`.
  void TruncateBefore(Timestamp mint);
  void Erase(uint64_t ref) { m_.erase(ref); }
  const absl::flat_hash_map<uint64_t, Intervals>& map() const { return m_; }

 private:
  absl::flat_hash_map<uint64_t, Intervals> m_;
};

std::string Encode(const Tombstones& t);
absl::StatusOr<Tombstones> Decode(std::string_view b);
// Reads <dir>/tombstones; a missing file is no tombstones.
absl::StatusOr<Tombstones> ReadFile(const std::string& dir);
// Writes <dir>/tombstones atomically (tmp file, fsync, rename).
absl::Status WriteFile(const std::string& dir, const Tombstones& t);

}  // namespace promlite::tsdb::tombstones
