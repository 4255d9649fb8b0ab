#include "tombstones/tombstones.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "fileutil/fileutil.h"
#include "index/encbuf.h"
#include "util/crc32c.h"

namespace promlite::tsdb::tombstones {

void AddInterval(Intervals* ivs, Interval n) {
  // Merge with every interval that overlaps or touches n.
  Intervals out;
  out.reserve(ivs->size() + 1);
  bool placed = false;
  for (const Interval& iv : *ivs) {
    bool before = iv.maxt < n.mint && (n.mint == kMinTime || iv.maxt < n.mint - 1);
    bool after = iv.mint > n.maxt && (n.maxt == kMaxTime || iv.mint > n.maxt + 1);
    if (before) {
      out.push_back(iv);
    } else if (after) {
      if (!placed) {
        out.push_back(n);
        placed = true;
      }
      out.push_back(iv);
    } else {
      n.mint = std::min(n.mint, iv.mint);
      n.maxt = std::max(n.maxt, iv.maxt);
    }
  }
  if (!placed) out.push_back(n);
  *ivs = std::move(out);
}

bool IsDeleted(const Intervals& ivs, Timestamp t) {
  for (const Interval& iv : ivs) {
    if (t < iv.mint) return false;
    if (t <= iv.maxt) return true;
  }
  return false;
}

bool Covers(const Intervals& ivs, Timestamp mint, Timestamp maxt) {
  for (const Interval& iv : ivs) {
    if (iv.mint <= mint && maxt <= iv.maxt) return true;
  }
  return false;
}

bool Overlaps(const Intervals& ivs, Timestamp mint, Timestamp maxt) {
  for (const Interval& iv : ivs) {
    if (iv.mint <= maxt && mint <= iv.maxt) return true;
  }
  return false;
}

uint64_t Tombstones::Total() const {
  uint64_t n = 0;
  for (const auto& [_, ivs] : m_) n += ivs.size();
  return n;
}

void Tombstones::TruncateBefore(Timestamp mint) {
  for (auto it = m_.begin(); it != m_.end();) {
    Intervals& ivs = it->second;
    ivs.erase(std::remove_if(ivs.begin(), ivs.end(), [&](const Interval& iv) { return iv.maxt < mint; }),
              ivs.end());
    if (ivs.empty()) {
      m_.erase(it++);
    } else {
      ++it;
    }
  }
}

std::string Encode(const Tombstones& t) {
  // Sorted by ref so the file is deterministic.
  std::map<uint64_t, const Intervals*> sorted;
  for (const auto& [ref, ivs] : t.map()) sorted.emplace(ref, &ivs);
  index::Encbuf b;
  b.PutByte(1);
  for (const auto& [ref, ivs] : sorted) {
    for (const Interval& iv : *ivs) {
      b.PutUvarint(ref);
      b.PutVarint(iv.mint);
      b.PutVarint(iv.maxt);
    }
  }
  return std::move(b.str());
}

absl::StatusOr<Tombstones> Decode(std::string_view b) {
  index::Decbuf d(b);
  if (uint8_t v = d.Byte(); !d.ok() || v != 1) return absl::DataLossError("invalid tombstone format");
  Tombstones t;
  while (d.len() > 0) {
    uint64_t ref = d.Uvarint();
    int64_t mint = d.Varint();
    int64_t maxt = d.Varint();
    if (!d.ok()) return absl::DataLossError("tombstones truncated");
    t.Add(ref, Interval{mint, maxt});
  }
  return t;
}

absl::StatusOr<Tombstones> ReadFile(const std::string& dir) {
  std::string path = absl::StrCat(dir, "/", kFilename);
  auto data = fileutil::ReadFile(path);
  if (!data.ok()) {
    if (absl::IsNotFound(data.status())) return Tombstones();
    return data.status();
  }
  const std::string& b = *data;
  if (b.size() < 5 + 4) return absl::DataLossError(absl::StrCat(path, ": file too small"));
  const uint8_t* p = reinterpret_cast<const uint8_t*>(b.data());
  if (index::BE32(p) != kMagicTombstone) return absl::DataLossError(absl::StrCat(path, ": invalid magic number"));
  size_t body_end = b.size() - 4;
  if (crc32c::Value(p + 5, body_end - 5) != index::BE32(p + body_end)) {
    return absl::DataLossError(absl::StrCat(path, ": checksum did not match"));
  }
  auto t = Decode(std::string_view(b.data() + 4, body_end - 4));
  if (!t.ok()) return absl::DataLossError(absl::StrCat(path, ": ", t.status().message()));
  return t;
}

absl::Status WriteFile(const std::string& dir, const Tombstones& t) {
  std::string body = Encode(t);
  index::Encbuf b;
  b.PutBE32(kMagicTombstone);
  b.PutBytes(body);
  b.PutBE32(crc32c::Value(body.data() + 1, body.size() - 1));
  return fileutil::WriteFileAtomic(absl::StrCat(dir, "/", kFilename), b.str());
}

}  // namespace promlite::tsdb::tombstones
