// The embeddable time-series database.
//
//   auto db = promlite::tsdb::DB::Open("data", {});
//   auto app = (*db)->NewAppender();
//   app->Append(0, labels, timestamp_ms, value);
//   app->Commit();
//   auto q = (*db)->NewQuerier(mint, maxt);
//   auto set = (*q)->Select(true, nullptr, matchers);
//
// Data directory layout follows Prometheus' TSDB and is interchangeable with
// it: `wal/` (write-ahead log), `lock`, and immutable blocks (<ULID>/ with
// meta.json, index, chunks/, tombstones). When the head spans 1.5 block
// ranges its oldest range is written to a block; blocks are compacted into
// larger ones (2h -> 6h -> 18h ...) and deleted by retention. A committed batch
// survives a crash of the process; segments are fsynced when closed and on
// Close() (see Options::sync_on_commit).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/tsdb/logger.h"
#include "promlite/tsdb/matcher.h"
#include "promlite/tsdb/storage.h"

namespace promlite::tsdb {

enum class WalCompression { kNone, kSnappy, kZstd };

struct Options {
  // Width of a block / head chunk window. Prometheus' default is 2h.
  int64_t block_range_ms = 2 * 3600 * 1000;
  // WAL record compression. zstd is the default; Prometheus 2.x only reads
  // snappy, so choose kSnappy for a directory Prometheus 2.x must open.
  WalCompression wal_compression = WalCompression::kZstd;
  int64_t wal_segment_size = 128 * 1024 * 1024;
  // fsync the WAL on every commit (durable against power loss, slower).
  bool sync_on_commit = false;
  // Number of lock stripes for the series hash table (a power of two).
  int stripe_size = 16384;
  // --storage.tsdb.retention.time: blocks ending more than this before the
  // newest block's end are deleted. 0 disables (Prometheus' default is 15d,
  // applied by the server when neither retention is set).
  int64_t retention_ms = 0;
  // --storage.tsdb.retention.size: blocks, WAL and head chunks together stay
  // under this many bytes, oldest blocks deleted first. 0 disables.
  int64_t retention_bytes = 0;
  // Largest block compaction produces. 0: min(31d, retention_ms / 10) as
  // Prometheus derives it. The smallest block is block_range_ms.
  int64_t max_block_duration_ms = 0;
  // How often the background loop checks for head and block compactions.
  // 0 disables the loop (compactions then run only through Compact()).
  int64_t compaction_interval_ms = 60 * 1000;
  // Largest chunk segment file of a block.
  int64_t block_segment_size = 512ll * 1024 * 1024;
  std::shared_ptr<Logger> logger;  // default: logfmt to stderr
};

struct DBStats {
  uint64_t head_series = 0;
  uint64_t head_chunks = 0;
  uint64_t samples_appended = 0;
  uint64_t out_of_order_samples = 0;
  uint64_t out_of_bounds_samples = 0;
  uint64_t series_created = 0;
  Timestamp head_min_time = kMaxTime;
  Timestamp head_max_time = kMinTime;
  // What the last open replayed from the WAL.
  uint64_t replayed_series = 0;
  uint64_t replayed_samples = 0;
  uint64_t replay_unknown_refs = 0;
  double replay_seconds = 0;
  bool wal_repaired = false;
  // Memory of the head's series, index and symbols (not sample chunks).
  uint64_t head_index_bytes = 0;
  // Blocks and compaction.
  uint64_t blocks = 0;
  uint64_t blocks_bytes = 0;
  uint64_t compactions = 0;
  uint64_t compactions_failed = 0;
  uint64_t head_truncations = 0;
  uint64_t retention_deleted_blocks = 0;
  uint64_t damaged_blocks = 0;  // skipped at load
};

// One persisted block, as the API and promlite-tool list it.
struct BlockInfo {
  std::string ulid;
  Timestamp min_time = 0;
  Timestamp max_time = 0;  // exclusive
  uint64_t num_samples = 0;
  uint64_t num_series = 0;
  uint64_t num_chunks = 0;
  uint64_t num_tombstones = 0;
  int level = 0;
  uint64_t bytes = 0;
  std::string dir;
};

// Cardinality of the head, as /api/v1/status/tsdb shows it. Lists are the
// top `limit` entries by count, largest first.
struct CardinalityStats {
  uint64_t num_series = 0;
  uint64_t num_label_pairs = 0;
  uint64_t chunk_count = 0;
  Timestamp min_time = kMaxTime;
  Timestamp max_time = kMinTime;
  std::vector<std::pair<std::string, uint64_t>> series_count_by_metric_name;
  std::vector<std::pair<std::string, uint64_t>> label_value_count_by_label_name;
  std::vector<std::pair<std::string, uint64_t>> memory_in_bytes_by_label_name;
  std::vector<std::pair<std::string, uint64_t>> series_count_by_label_value_pair;
};

class DB final : public Storage {
 public:
  // Opens (creating if needed) the database in `dir`, taking its lock and
  // replaying the WAL. A damaged WAL tail is repaired and logged.
  static absl::StatusOr<std::unique_ptr<DB>> Open(const std::string& dir, Options opts = {});
  // A database without a directory: no WAL, nothing survives Close. For
  // tests and for hosts that only need in-process storage.
  static std::unique_ptr<DB> OpenInMemory(Options opts = {});
  ~DB() override;

  // Appenders must not outlive the DB. After Close, Append and Commit fail.
  std::unique_ptr<Appender> NewAppender() override;
  absl::StatusOr<std::unique_ptr<Querier>> NewQuerier(Timestamp mint, Timestamp maxt) override;

  // Flushes and fsyncs the WAL and releases the directory lock. Idempotent.
  absl::Status Close();

  // Runs due compactions now: head ranges into blocks (then head and WAL
  // truncation), then leveled/vertical block compactions, then retention.
  absl::Status Compact();
  // Marks samples of series matching every matcher in [mint, maxt] deleted
  // (tombstones in blocks, in the head and in the WAL). Queries stop seeing
  // them at once; CleanTombstones or compaction removes them from disk.
  absl::Status DeleteSeries(const std::vector<Matcher>& matchers, Timestamp mint, Timestamp maxt);
  // Rewrites every block that has tombstones without the deleted data.
  absl::Status CleanTombstones();
  // Hard-links every block into `dir` (created) and, with `with_head`,
  // writes the head's data there as one more block.
  absl::Status Snapshot(const std::string& dir, bool with_head);
  // Persisted blocks, oldest first.
  std::vector<BlockInfo> Blocks() const;

  DBStats Stats() const;
  CardinalityStats HeadCardinality(size_t limit) const;
  const std::string& dir() const;

  class Impl;

 private:
  explicit DB(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace promlite::tsdb
