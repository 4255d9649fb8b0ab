// The embeddable time-series database.
//
//   auto db = promlite::tsdb::DB::Open("data", {});
//   auto app = (*db)->NewAppender();
//   app->Append(0, labels, timestamp_ms, value);
//   app->Commit();
//   auto q = (*db)->NewQuerier(mint, maxt);
//   auto set = (*q)->Select(true, nullptr, matchers);
//
// Data directory layout follows Prometheus' TSDB: `wal/` (write-ahead log),
// `lock`, and later blocks. A committed batch survives a crash of the process;
// segments are fsynced when closed and on Close() (see Options::sync_on_commit).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "promlite/tsdb/logger.h"
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

  DBStats Stats() const;
  CardinalityStats HeadCardinality(size_t limit) const;
  const std::string& dir() const;

  class Impl;

 private:
  explicit DB(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace promlite::tsdb
