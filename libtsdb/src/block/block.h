// An immutable block on disk: meta.json, index, chunks/ and tombstones,
// opened through read-only memory maps. Tombstones are the only mutable part:
// Delete adds intervals and rewrites the tombstones file atomically; readers
// hold a snapshot of the tombstones they started with.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include <mutex>
#include "block/meta.h"
#include "blocks/series_set.h"
#include "chunks/chunks.h"
#include "index/index.h"
#include "promlite/tsdb/matcher.h"
#include "tombstones/tombstones.h"

namespace promlite::tsdb::block {

class Block : public std::enable_shared_from_this<Block> {
 public:
  // Opens and checks the block in `dir` (meta, index TOC and tables, chunk
  // segment headers, tombstones). Errors are DataLoss for damage.
  static absl::StatusOr<std::shared_ptr<Block>> Open(const std::string& dir);

  BlockMeta Meta() const;
  const std::string& ulid() const { return ulid_; }
  Timestamp min_time() const { return min_time_; }
  Timestamp max_time() const { return max_time_; }  // exclusive
  const std::string& dir() const { return dir_; }
  uint64_t Size() const;
  const index::IndexReader& index() const { return *index_; }
  const chunks::ChunkReader& chunk_reader() const { return *chunks_; }
  std::shared_ptr<const tombstones::Tombstones> Tombstones() const;

  bool Overlaps(Timestamp mint, Timestamp maxt) const { return min_time_ <= maxt && mint < max_time_; }

  // Series matching every matcher, with chunks overlapping [mint, maxt]
  // (closed), tombstones applied. `clip` re-encodes chunks reaching outside
  // the range (compaction); queries leave that to the iterator.
  std::unique_ptr<blocks::ChunkSeriesSet> Select(const std::vector<Matcher>& matchers, Timestamp mint,
                                                 Timestamp maxt, bool clip) const;
  absl::Status SelectIds(const std::vector<Matcher>& matchers, std::vector<uint32_t>* ids) const;
  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name, const std::vector<Matcher>& ms) const;
  absl::StatusOr<std::vector<std::string>> LabelNames(const std::vector<Matcher>& ms) const;

  // Marks samples of matching series in [mint, maxt] deleted. Returns the
  // number of series affected.
  absl::StatusOr<uint64_t> Delete(Timestamp mint, Timestamp maxt, const std::vector<Matcher>& ms);
  // Rewrites meta.json with compaction.failed / deletable set.
  absl::Status SetFlags(bool failed, bool deletable);

 private:
  Block() = default;
  std::string dir_;
  std::string ulid_;
  Timestamp min_time_ = 0, max_time_ = 0;
  std::unique_ptr<index::IndexReader> index_;
  std::unique_ptr<chunks::ChunkReader> chunks_;
  mutable std::mutex mu_;
  BlockMeta meta_;
  std::shared_ptr<const tombstones::Tombstones> stones_;
  uint64_t size_ = 0;
};

}  // namespace promlite::tsdb::block
