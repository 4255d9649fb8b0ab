#include "engine/labels_util.h"

#include <algorithm>
#include <cstring>

#include "parser/go_format.h"

namespace promlite::promql::engine {

std::string PromString(const tsdb::Labels& l) {
  std::string out = "{";
  bool first = true;
  for (tsdb::Label lb : l) {
    if (!first) out += ", ";
    first = false;
    if (tsdb::IsValidLegacyLabelName(lb.name)) {
      out.append(lb.name);
    } else {
      parser::AppendGoQuote(&out, lb.name);
    }
    out += '=';
    parser::AppendGoQuote(&out, lb.value);
  }
  out += '}';
  return out;
}

namespace {

void AppendSize(std::string* b, size_t n) {
  if (n < 255) {
    b->push_back(static_cast<char>(n));
    return;
  }
  b->push_back(static_cast<char>(255));
  b->push_back(static_cast<char>(n & 0xff));
  b->push_back(static_cast<char>((n >> 8) & 0xff));
  b->push_back(static_cast<char>((n >> 16) & 0xff));
}

constexpr uint64_t kP1 = 11400714785074694791ull;
constexpr uint64_t kP2 = 14029467366897019727ull;
constexpr uint64_t kP3 = 1609587929392839161ull;
constexpr uint64_t kP4 = 9650029242287828579ull;
constexpr uint64_t kP5 = 2870177450012600261ull;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t Read64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;  // little-endian hosts only, as the rest of promlite
}
inline uint32_t Read32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t Round(uint64_t acc, uint64_t input) {
  acc += input * kP2;
  acc = Rotl(acc, 31);
  return acc * kP1;
}
inline uint64_t MergeRound(uint64_t acc, uint64_t val) {
  val = Round(0, val);
  acc ^= val;
  return acc * kP1 + kP4;
}

}  // namespace

uint64_t XxHash64(const void* data, size_t len, uint64_t seed) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  const uint8_t* end = p + len;
  uint64_t h;
  if (len >= 32) {
    uint64_t v1 = seed + kP1 + kP2, v2 = seed + kP2, v3 = seed, v4 = seed - kP1;
    const uint8_t* limit = end - 32;
    do {
      v1 = Round(v1, Read64(p));
      v2 = Round(v2, Read64(p + 8));
      v3 = Round(v3, Read64(p + 16));
      v4 = Round(v4, Read64(p + 24));
      p += 32;
    } while (p <= limit);
    h = Rotl(v1, 1) + Rotl(v2, 7) + Rotl(v3, 12) + Rotl(v4, 18);
    h = MergeRound(h, v1);
    h = MergeRound(h, v2);
    h = MergeRound(h, v3);
    h = MergeRound(h, v4);
  } else {
    h = seed + kP5;
  }
  h += static_cast<uint64_t>(len);
  while (p + 8 <= end) {
    h ^= Round(0, Read64(p));
    h = Rotl(h, 27) * kP1 + kP4;
    p += 8;
  }
  if (p + 4 <= end) {
    h ^= static_cast<uint64_t>(Read32(p)) * kP1;
    h = Rotl(h, 23) * kP2 + kP3;
    p += 4;
  }
  while (p < end) {
    h ^= static_cast<uint64_t>(*p) * kP5;
    h = Rotl(h, 11) * kP1;
    p++;
  }
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

uint64_t PromHash(const tsdb::Labels& l) {
  std::string b;
  b.reserve(l.ByteSize() + 2 * l.size());
  for (tsdb::Label lb : l) {
    AppendSize(&b, lb.name.size());
    b.append(lb.name);
    AppendSize(&b, lb.value.size());
    b.append(lb.value);
  }
  return XxHash64(b.data(), b.size());
}

bool IsMetadataLabel(std::string_view name) {
  return name == tsdb::kMetricName || name == kTypeLabel || name == kUnitLabel;
}

namespace {
template <typename Pred>
tsdb::Labels Without(const tsdb::Labels& l, Pred drop) {
  bool any = false;
  for (tsdb::Label lb : l) {
    if (drop(lb.name)) {
      any = true;
      break;
    }
  }
  if (!any) return l;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  pairs.reserve(l.size());
  for (tsdb::Label lb : l) {
    if (!drop(lb.name)) pairs.emplace_back(lb.name, lb.value);
  }
  return tsdb::Labels::FromSortedPairs(pairs);
}
}  // namespace

tsdb::Labels DropMetadata(const tsdb::Labels& l) { return Without(l, IsMetadataLabel); }

tsdb::Labels DropMetricName(const tsdb::Labels& l) {
  return Without(l, [](std::string_view n) { return n == tsdb::kMetricName; });
}

tsdb::Labels MatchLabels(const tsdb::Labels& l, bool on, const std::vector<std::string>& names) {
  auto listed = [&](std::string_view n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (on) return Without(l, [&](std::string_view n) { return !listed(n); });
  return Without(l, [&](std::string_view n) { return n == tsdb::kMetricName || listed(n); });
}

tsdb::Labels GroupingLabels(const tsdb::Labels& l, bool without, const std::vector<std::string>& grouping) {
  if (without) return MatchLabels(l, false, grouping);
  if (grouping.empty()) return tsdb::Labels();
  return MatchLabels(l, true, grouping);
}

}  // namespace promlite::promql::engine
