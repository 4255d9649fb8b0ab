// WAL record payloads, byte-compatible with Prometheus' tsdb/record package.
//
// A record is one byte of type followed by a type-specific body:
//   Series (1):     per series: BE64 ref, uvarint n, n x (uvarint-len name, uvarint-len value)
//   Samples (2):    BE64 first ref, BE64 first t, then per sample:
//                   varint(ref - first ref), varint(t - first t), BE64 float bits
//   Tombstones (3): per interval: BE64 ref, varint mint, varint maxt
// SamplesV2 (11), written by Prometheus 3 with start-timestamp storage enabled,
// is also decoded (start timestamps are dropped). Other types Prometheus writes
// (exemplars, metadata, histograms, mmap markers) are recognised by Type() so a
// replayer can skip them knowingly; anything else is kUnknown.
//
// Encoders append to `out`, so several records can share one buffer. Decoders
// append to `out` and return a precise error for truncated or garbage input;
// on error `out` may hold the entries decoded before the damage.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/sample.h"

namespace promlite::tsdb::record {

enum class Type : uint8_t {
  kSeries = 1,
  kSamples = 2,
  kTombstones = 3,
  kExemplars = 4,
  kMmapMarkers = 5,
  kMetadata = 6,
  kHistogramSamples = 7,
  kFloatHistogramSamples = 8,
  kCustomBucketsHistogramSamples = 9,
  kCustomBucketsFloatHistogramSamples = 10,
  kSamplesV2 = 11,
  kHistogramSamplesV2 = 12,
  kFloatHistogramSamplesV2 = 13,
  kUnknown = 255,
};

// The type of `rec`: kUnknown for an empty record or a type byte Prometheus
// does not define.
Type GetType(std::string_view rec);
// Prometheus' name for the type ("series", "samples", ..., "unknown").
std::string_view TypeName(Type t);

struct RefSeries {
  SeriesRef ref = 0;
  Labels labels;
};

struct RefSample {
  SeriesRef ref = 0;
  Timestamp t = 0;
  double v = 0;
};

// One deleted interval [mint, maxt] of a series.
struct Stone {
  SeriesRef ref = 0;
  int64_t mint = 0;
  int64_t maxt = 0;
  friend bool operator==(const Stone&, const Stone&) = default;
};

void EncodeSeries(std::span<const RefSeries> series, std::string* out);
void EncodeSamples(std::span<const RefSample> samples, std::string* out);
void EncodeTombstones(std::span<const Stone> stones, std::string* out);

absl::Status DecodeSeries(std::string_view rec, std::vector<RefSeries>* out);
// Accepts Samples (2) and SamplesV2 (11).
absl::Status DecodeSamples(std::string_view rec, std::vector<RefSample>* out);
absl::Status DecodeTombstones(std::string_view rec, std::vector<Stone>* out);

}  // namespace promlite::tsdb::record
