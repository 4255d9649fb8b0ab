// Series as lists of chunks: what the head and blocks produce for queries
// and compactions, how several sources are merged into one label-sorted
// set, and how chunk lists are normalised (overlaps merged, deleted or
// out-of-range samples dropped) by re-encoding only the chunks concerned.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/storage.h"
#include "querier/chunk_series.h"
#include "tombstones/tombstones.h"

namespace promlite::tsdb::blocks {

struct SeriesChunks {
  Labels labels;
  std::vector<ChunkRef> chunks;  // sorted by mint; may overlap until normalised
};

class ChunkSeriesSet {
 public:
  virtual ~ChunkSeriesSet() = default;
  virtual bool Next() = 0;
  // Valid until the next call to Next; the caller may move chunks out.
  virtual SeriesChunks& At() = 0;
  virtual absl::Status Err() const { return absl::OkStatus(); }
  virtual std::vector<std::string> Warnings() const { return {}; }
};

// A set over series already held in memory.
std::unique_ptr<ChunkSeriesSet> VectorChunkSeriesSet(std::vector<SeriesChunks> series);

// Merges label-sorted sets: series with equal labels become one, their
// chunks combined and normalised.
std::unique_ptr<ChunkSeriesSet> MergeChunkSeriesSets(std::vector<std::unique_ptr<ChunkSeriesSet>> sets);

// Presents chunk series as the public SeriesSet, restricted to [mint, maxt].
std::unique_ptr<SeriesSet> ToSeriesSet(std::unique_ptr<ChunkSeriesSet> set, Timestamp mint, Timestamp maxt);

// Samples of an XOR chunk.
absl::Status DecodeChunk(const ChunkRef& c, std::vector<Sample>* out);
// Encodes time-ordered samples into chunks of at most `per_chunk` samples.
void EncodeChunks(std::span<const Sample> samples, std::vector<ChunkRef>* out, int per_chunk = 120);

// Makes `chunks` sorted and non-overlapping (equal timestamps keep one
// sample), drops samples inside `deleted` and, when `clip`, outside
// [mint, maxt]. Chunks that need none of this are kept as they are.
absl::Status NormalizeChunks(std::vector<ChunkRef>* chunks, const tombstones::Intervals* deleted, bool clip,
                             Timestamp mint, Timestamp maxt);

}  // namespace promlite::tsdb::blocks
