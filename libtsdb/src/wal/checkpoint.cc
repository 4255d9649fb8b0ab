#include "wal/checkpoint.h"

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "absl/strings/str_cat.h"
#include "record/record.h"
#include "wal/dir.h"
#include "wal/reader.h"
#include "wal/wal.h"

namespace promlite::tsdb::wal {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kComponent = "wal";
// Filtered records are buffered and logged in batches of about this size.
constexpr size_t kFlushBytes = 1 << 20;

absl::Status Wrap(const absl::Status& st, std::string_view what) {
  return absl::Status(st.code(), absl::StrCat(std::string(what), ": ", st.message()));
}

// Batches re-encoded records and logs them to the checkpoint WAL.
class Batch {
 public:
  explicit Batch(WAL& out) : out_(out) {}
  std::string* buf() { return &buf_; }
  void Mark(size_t start) {
    if (buf_.size() > start) ends_.push_back(buf_.size());
  }
  absl::Status MaybeFlush() { return buf_.size() >= kFlushBytes ? Flush() : absl::OkStatus(); }
  absl::Status Flush() {
    if (ends_.empty()) return absl::OkStatus();
    std::vector<std::string_view> recs;
    recs.reserve(ends_.size());
    size_t start = 0;
    for (size_t end : ends_) {
      recs.emplace_back(buf_.data() + start, end - start);
      start = end;
    }
    absl::Status st = out_.Log(recs);
    buf_.clear();
    ends_.clear();
    return st;
  }

 private:
  WAL& out_;
  std::string buf_;
  std::vector<size_t> ends_;
};

}  // namespace

absl::StatusOr<std::pair<std::string, int>> LastCheckpoint(std::string_view dir) {
  auto contents = ReadWALDir(dir);
  if (!contents.ok()) return contents.status();
  if (contents->checkpoints.empty()) {
    return absl::NotFoundError(absl::StrCat("no checkpoint in ", std::string(dir)));
  }
  const CheckpointRef& c = contents->checkpoints.back();
  return std::pair<std::string, int>{absl::StrCat(std::string(dir), "/", c.name), c.index};
}

absl::Status DeleteCheckpoints(std::string_view dir, int max_index) {
  auto contents = ReadWALDir(dir);
  if (!contents.ok()) return contents.status();
  absl::Status first_err;
  for (const CheckpointRef& c : contents->checkpoints) {
    if (c.index >= max_index) break;
    std::string path = absl::StrCat(std::string(dir), "/", c.name);
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec && first_err.ok()) first_err = ErrnoError(ec.value(), "remove checkpoint", path);
  }
  return first_err;
}

absl::StatusOr<CheckpointStats> Checkpoint(Logger& logger, WAL& wal, int from, int to,
                                           const std::function<bool(SeriesRef)>& keep, Timestamp mint) {
  CheckpointStats stats;
  const std::string& dir = wal.dir();
  logger.Info(kComponent, "Creating checkpoint",
              {{"from_segment", std::to_string(from)}, {"to_segment", std::to_string(to)},
               {"mint", std::to_string(mint)}});

  std::vector<SegmentRange> ranges;
  auto last = LastCheckpoint(dir);
  if (last.ok()) {
    if (from > last->second + 1) {
      return absl::FailedPreconditionError(absl::StrCat("unexpected gap to last checkpoint: expected segment ",
                                                        last->second + 1, ", requested ", from));
    }
    // Segments up to the checkpoint are already in it.
    from = last->second + 1;
    ranges.push_back(SegmentRange{last->first, -1, -1});
  } else if (!absl::IsNotFound(last.status())) {
    return Wrap(last.status(), "find last checkpoint");
  }
  ranges.push_back(SegmentRange{dir, from, to});
  auto reader = Reader::Open(std::move(ranges));
  if (!reader.ok()) return Wrap(reader.status(), "create segment reader");

  const std::string cpdir = CheckpointDir(dir, to);
  const std::string tmpdir = cpdir + ".tmp";
  std::error_code ec;
  fs::remove_all(tmpdir, ec);
  if (ec) return ErrnoError(ec.value(), "remove stale checkpoint directory", tmpdir);

  absl::Status result;
  {
    WALOptions opts;
    opts.compression = wal.compression();
    opts.logger = NewNopLogger();
    auto cp = WAL::Open(tmpdir, opts);
    if (!cp.ok()) return Wrap(cp.status(), "open checkpoint");
    Batch batch(**cp);
    std::vector<record::RefSeries> series;
    std::vector<record::RefSample> samples;
    std::vector<record::Stone> stones;
    Reader& r = **reader;
    while (result.ok() && r.Next()) {
      std::string_view rec = r.Record();
      const size_t start = batch.buf()->size();
      switch (record::GetType(rec)) {
        case record::Type::kSeries: {
          series.clear();
          if (absl::Status st = record::DecodeSeries(rec, &series); !st.ok()) {
            result = Wrap(st, "decode series");
            break;
          }
          const size_t total = series.size();
          size_t kept = 0;
          for (auto& s : series) {
            if (keep(s.ref)) series[kept++] = std::move(s);
          }
          series.resize(kept);
          stats.total_series += static_cast<int64_t>(total);
          stats.dropped_series += static_cast<int64_t>(total - kept);
          if (kept > 0) record::EncodeSeries(series, batch.buf());
          break;
        }
        case record::Type::kSamples:
        case record::Type::kSamplesV2: {
          samples.clear();
          if (absl::Status st = record::DecodeSamples(rec, &samples); !st.ok()) {
            result = Wrap(st, "decode samples");
            break;
          }
          const size_t total = samples.size();
          size_t kept = 0;
          for (const auto& s : samples) {
            if (s.t >= mint) samples[kept++] = s;
          }
          samples.resize(kept);
          stats.total_samples += static_cast<int64_t>(total);
          stats.dropped_samples += static_cast<int64_t>(total - kept);
          if (kept > 0) record::EncodeSamples(samples, batch.buf());
          break;
        }
        case record::Type::kTombstones: {
          stones.clear();
          if (absl::Status st = record::DecodeTombstones(rec, &stones); !st.ok()) {
            result = Wrap(st, "decode tombstones");
            break;
          }
          const size_t total = stones.size();
          size_t kept = 0;
          for (const auto& s : stones) {
            if (keep(s.ref) && s.maxt >= mint) stones[kept++] = s;
          }
          stones.resize(kept);
          stats.total_tombstones += static_cast<int64_t>(total);
          stats.dropped_tombstones += static_cast<int64_t>(total - kept);
          if (kept > 0) record::EncodeTombstones(stones, batch.buf());
          break;
        }
        default:
          ++stats.dropped_other;
          break;
      }
      if (!result.ok()) break;
      batch.Mark(start);
      result = batch.MaybeFlush();
    }
    // The head cannot tell which series a damaged checkpoint would lose, so
    // corruption here fails the checkpoint instead of being repaired.
    if (result.ok() && !r.status().ok()) result = Wrap(r.status(), "read segments");
    if (result.ok()) result = batch.Flush();
    if (absl::Status st = (*cp)->Close(); result.ok() && !st.ok()) result = Wrap(st, "close checkpoint");
  }
  if (result.ok()) result = SyncDir(tmpdir);
  if (result.ok()) {
    // Replace an existing checkpoint of the same index (a retry after a crash
    // between rename and WAL truncation).
    fs::remove_all(cpdir, ec);
    if (ec) result = ErrnoError(ec.value(), "remove old checkpoint", cpdir);
  }
  if (result.ok() && std::rename(tmpdir.c_str(), cpdir.c_str()) != 0) {
    result = ErrnoError(errno, "rename checkpoint directory", tmpdir);
  }
  if (result.ok()) result = SyncDir(dir);
  if (!result.ok()) {
    fs::remove_all(tmpdir, ec);
    return result;
  }
  logger.Info(kComponent, "Created checkpoint",
              {{"dir", cpdir},
               {"series", std::to_string(stats.total_series - stats.dropped_series)},
               {"samples", std::to_string(stats.total_samples - stats.dropped_samples)},
               {"dropped_samples", std::to_string(stats.dropped_samples)}});
  return stats;
}

}  // namespace promlite::tsdb::wal
