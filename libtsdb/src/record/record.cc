#include "record/record.h"

#include <bit>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace promlite::tsdb::record {
namespace {

// ---- encoding -------------------------------------------------------------

void PutBE64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(b, 8);
}

// Writes at `p` (which must have room for 10 bytes); returns the new end.
inline char* PutUvarintRaw(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

void PutUvarint(std::string* out, uint64_t v) {
  char b[10];
  out->append(b, PutUvarintRaw(b, v) - b);
}

void PutVarint(std::string* out, int64_t v) { PutUvarint(out, ZigZag(v)); }

void PutUvarintStr(std::string* out, std::string_view s) {
  PutUvarint(out, s.size());
  out->append(s);
}

// ---- decoding -------------------------------------------------------------

// A bounds-checked reader over a record body. Every accessor returns false on
// short or malformed input instead of reading past the end.
class Cursor {
 public:
  explicit Cursor(std::string_view rec)
      : begin_(reinterpret_cast<const uint8_t*>(rec.data())), p_(begin_), end_(begin_ + rec.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  size_t pos() const { return static_cast<size_t>(p_ - begin_); }
  size_t size() const { return static_cast<size_t>(end_ - begin_); }

  bool BE64(uint64_t* v) {
    if (remaining() < 8) return false;
    uint64_t x;
    std::memcpy(&x, p_, 8);
    if constexpr (std::endian::native == std::endian::little) x = __builtin_bswap64(x);
    *v = x;
    p_ += 8;
    return true;
  }

  // Same acceptance as Go's binary.Uvarint: at most 10 bytes, and the 10th
  // byte may only carry the single remaining bit.
  bool Uvarint(uint64_t* v) {
    if (p_ < end_ && *p_ < 0x80) {  // one-byte fast path: most deltas
      *v = *p_++;
      return true;
    }
    uint64_t x = 0;
    unsigned shift = 0;
    for (int i = 0; i < 10; ++i) {
      if (p_ + i >= end_) return false;
      uint8_t b = p_[i];
      if (b < 0x80) {
        if (i == 9 && b > 1) return false;  // overflows 64 bits
        *v = x | (static_cast<uint64_t>(b) << shift);
        p_ += i + 1;
        return true;
      }
      x |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
    }
    return false;
  }

  bool Varint(int64_t* v) {
    uint64_t u;
    if (!Uvarint(&u)) return false;
    *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
    return true;
  }

  void SkipTypeByte() { if (p_ < end_) ++p_; }

  bool Byte(uint8_t* b) {
    if (p_ >= end_) return false;
    *b = *p_++;
    return true;
  }

  bool UvarintStr(std::string_view* s) {
    uint64_t n;
    if (!Uvarint(&n) || n > remaining()) return false;
    *s = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }

 private:
  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
};

absl::Status Truncated(std::string_view what, const Cursor& c, size_t entries, std::string_view field) {
  return absl::DataLossError(absl::StrCat("decode ", std::string(what), " record: invalid or truncated ",
                                          std::string(field), " after ", entries, " entries (byte ", c.pos(),
                                          " of ", c.size(), ")"));
}

absl::Status WrongType(std::string_view what, std::string_view rec, std::string_view expected) {
  if (rec.empty()) return absl::DataLossError(absl::StrCat("decode ", std::string(what), " record: empty record"));
  return absl::InvalidArgumentError(absl::StrCat("decode ", std::string(what), " record: invalid record type ",
                                                 static_cast<uint8_t>(rec[0]), ", expected ",
                                                 std::string(expected)));
}

absl::Status DecodeSamplesV1(Cursor& c, std::vector<RefSample>* out) {
  if (c.remaining() == 0) return absl::OkStatus();  // an empty batch is just the type byte
  uint64_t base_ref, base_t;
  if (!c.BE64(&base_ref) || !c.BE64(&base_t)) return Truncated("samples", c, 0, "header");
  // Every sample takes at least 10 bytes, so this bounds the growth without
  // trusting anything but the record length.
  const size_t start = out->size();
  out->resize(start + c.remaining() / 10);
  RefSample* dst = out->data() + start;
  RefSample* const dst_end = out->data() + out->size();
  size_t n = 0;
  absl::Status st;
  while (c.remaining() > 0) {
    int64_t dref, dt;
    uint64_t bits;
    if (!c.Varint(&dref)) { st = Truncated("samples", c, n, "series ref delta"); break; }
    if (!c.Varint(&dt)) { st = Truncated("samples", c, n, "timestamp delta"); break; }
    if (!c.BE64(&bits)) { st = Truncated("samples", c, n, "value"); break; }
    if (dst == dst_end) {  // unreachable given the 10-byte minimum; kept as a guard
      st = Truncated("samples", c, n, "sample count");
      break;
    }
    dst->ref = base_ref + static_cast<uint64_t>(dref);
    dst->t = static_cast<int64_t>(base_t + static_cast<uint64_t>(dt));
    dst->v = std::bit_cast<double>(bits);
    ++dst;
    ++n;
  }
  out->resize(start + n);
  return st;
}

// SamplesV2: the first sample is varint ref, varint t, varint st, BE64 value;
// later ones are varint(ref - previous ref), varint(t - first t), a start
// time marker (0 none, 1 same as previous, 2 explicit + varint(st - first st)),
// BE64 value.
absl::Status DecodeSamplesV2(Cursor& c, std::vector<RefSample>* out) {
  size_t n = 0;
  int64_t first_t = 0;
  uint64_t prev_ref = 0;
  while (c.remaining() > 0) {
    int64_t ref, t;
    if (n == 0) {
      int64_t st;
      if (!c.Varint(&ref)) return Truncated("samples_v2", c, n, "series ref");
      if (!c.Varint(&first_t)) return Truncated("samples_v2", c, n, "timestamp");
      if (!c.Varint(&st)) return Truncated("samples_v2", c, n, "start timestamp");
      t = first_t;
    } else {
      int64_t dref, dt;
      uint8_t marker;
      if (!c.Varint(&dref)) return Truncated("samples_v2", c, n, "series ref delta");
      if (!c.Varint(&dt)) return Truncated("samples_v2", c, n, "timestamp delta");
      if (!c.Byte(&marker)) return Truncated("samples_v2", c, n, "start timestamp marker");
      if (marker == 2) {
        int64_t dst;
        if (!c.Varint(&dst)) return Truncated("samples_v2", c, n, "start timestamp delta");
      } else if (marker > 2) {
        return absl::DataLossError(absl::StrCat("decode samples_v2 record: invalid start timestamp marker ",
                                                marker, " at byte ", c.pos() - 1));
      }
      ref = static_cast<int64_t>(prev_ref + static_cast<uint64_t>(dref));
      t = static_cast<int64_t>(static_cast<uint64_t>(first_t) + static_cast<uint64_t>(dt));
    }
    uint64_t bits;
    if (!c.BE64(&bits)) return Truncated("samples_v2", c, n, "value");
    prev_ref = static_cast<uint64_t>(ref);
    out->push_back(RefSample{static_cast<SeriesRef>(ref), t, std::bit_cast<double>(bits)});
    ++n;
  }
  return absl::OkStatus();
}

}  // namespace

Type GetType(std::string_view rec) {
  if (rec.empty()) return Type::kUnknown;
  uint8_t t = static_cast<uint8_t>(rec[0]);
  if (t >= 1 && t <= 13) return static_cast<Type>(t);
  return Type::kUnknown;
}

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kSeries: return "series";
    case Type::kSamples: return "samples";
    case Type::kTombstones: return "tombstones";
    case Type::kExemplars: return "exemplars";
    case Type::kMmapMarkers: return "mmapmarkers";
    case Type::kMetadata: return "metadata";
    case Type::kHistogramSamples: return "histogram_samples";
    case Type::kFloatHistogramSamples: return "float_histogram_samples";
    case Type::kCustomBucketsHistogramSamples: return "custom_buckets_histogram_samples";
    case Type::kCustomBucketsFloatHistogramSamples: return "custom_buckets_float_histogram_samples";
    case Type::kSamplesV2: return "samples_v2";
    case Type::kHistogramSamplesV2: return "histogram_samples_v2";
    case Type::kFloatHistogramSamplesV2: return "float_histogram_samples_v2";
    case Type::kUnknown: break;
  }
  return "unknown";
}

void EncodeSeries(std::span<const RefSeries> series, std::string* out) {
  out->push_back(static_cast<char>(Type::kSeries));
  for (const RefSeries& s : series) {
    PutBE64(out, s.ref);
    PutUvarint(out, s.labels.size());
    for (Label l : s.labels) {
      PutUvarintStr(out, l.name);
      PutUvarintStr(out, l.value);
    }
  }
}

void EncodeSamples(std::span<const RefSample> samples, std::string* out) {
  out->push_back(static_cast<char>(Type::kSamples));
  if (samples.empty()) return;
  const RefSample& first = samples.front();
  PutBE64(out, first.ref);
  PutBE64(out, static_cast<uint64_t>(first.t));
  // Reserve the worst case once and write through a raw pointer: this runs
  // for every commit, so avoid per-field append bookkeeping.
  size_t start = out->size();
  out->resize(start + samples.size() * 28);
  char* p = out->data() + start;
  for (const RefSample& s : samples) {
    p = PutUvarintRaw(p, ZigZag(static_cast<int64_t>(s.ref - first.ref)));
    p = PutUvarintRaw(p, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(s.t) - static_cast<uint64_t>(first.t))));
    uint64_t bits = std::bit_cast<uint64_t>(s.v);
    if constexpr (std::endian::native == std::endian::little) bits = __builtin_bswap64(bits);
    std::memcpy(p, &bits, 8);
    p += 8;
  }
  out->resize(static_cast<size_t>(p - out->data()));
}

void EncodeTombstones(std::span<const Stone> stones, std::string* out) {
  out->push_back(static_cast<char>(Type::kTombstones));
  for (const Stone& s : stones) {
    PutBE64(out, s.ref);
    PutVarint(out, s.mint);
    PutVarint(out, s.maxt);
  }
}

absl::Status DecodeSeries(std::string_view rec, std::vector<RefSeries>* out) {
  if (GetType(rec) != Type::kSeries) return WrongType("series", rec, "series (1)");
  Cursor c(rec);
  c.SkipTypeByte();
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  size_t n = 0;
  while (c.remaining() > 0) {
    uint64_t ref, count;
    if (!c.BE64(&ref)) return Truncated("series", c, n, "series ref");
    if (!c.Uvarint(&count)) return Truncated("series", c, n, "label count");
    // Each label needs at least two length bytes: reject absurd counts before
    // reserving memory for them.
    if (count > c.remaining() / 2) return Truncated("series", c, n, "label count");
    pairs.clear();
    pairs.reserve(count);
    // Records written by Prometheus or by us are sorted with unique names and
    // no empty values; anything else is normalised rather than trusted.
    bool canonical = true;
    for (uint64_t i = 0; i < count; ++i) {
      std::string_view name, value;
      if (!c.UvarintStr(&name)) return Truncated("series", c, n, "label name");
      if (!c.UvarintStr(&value)) return Truncated("series", c, n, "label value");
      if (value.empty() || (!pairs.empty() && !(pairs.back().first < name))) canonical = false;
      pairs.emplace_back(name, value);
    }
    out->push_back(RefSeries{ref, canonical ? Labels::FromSortedPairs(pairs) : Labels::FromPairs(pairs)});
    ++n;
  }
  return absl::OkStatus();
}

absl::Status DecodeSamples(std::string_view rec, std::vector<RefSample>* out) {
  Type t = GetType(rec);
  if (t == Type::kSamples) {
    Cursor c(rec);
    c.SkipTypeByte();
    return DecodeSamplesV1(c, out);
  }
  if (t == Type::kSamplesV2) {
    Cursor c(rec);
    c.SkipTypeByte();
    return DecodeSamplesV2(c, out);
  }
  return WrongType("samples", rec, "samples (2) or samples_v2 (11)");
}

absl::Status DecodeTombstones(std::string_view rec, std::vector<Stone>* out) {
  if (GetType(rec) != Type::kTombstones) return WrongType("tombstones", rec, "tombstones (3)");
  Cursor c(rec);
  c.SkipTypeByte();
  size_t n = 0;
  while (c.remaining() > 0) {
    uint64_t ref;
    int64_t mint, maxt;
    if (!c.BE64(&ref)) return Truncated("tombstones", c, n, "series ref");
    if (!c.Varint(&mint)) return Truncated("tombstones", c, n, "mint");
    if (!c.Varint(&maxt)) return Truncated("tombstones", c, n, "maxt");
    out->push_back(Stone{ref, mint, maxt});
    ++n;
  }
  return absl::OkStatus();
}

}  // namespace promlite::tsdb::record
