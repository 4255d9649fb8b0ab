#include "promlite/tsdb/db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "promlite/tsdb/runtime.h"
#include "compact/planner.h"
#include "db/db_impl.h"
#include "db/querier.h"
#include "wal/dir.h"

namespace promlite::tsdb {

namespace fs = std::filesystem;

namespace {

wal::Compression ToWal(WalCompression c) {
  switch (c) {
    case WalCompression::kNone: return wal::Compression::kNone;
    case WalCompression::kSnappy: return wal::Compression::kSnappy;
    case WalCompression::kZstd: return wal::Compression::kZstd;
  }
  return wal::Compression::kZstd;
}

}  // namespace

absl::Status DB::Impl::Lock() {
  std::string path = dir + "/lock";
  lock_fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    return absl::UnavailableError(absl::StrCat("open lock file ", path, ": ", std::strerror(errno)));
  }
  if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    ::close(lock_fd);
    lock_fd = -1;
    if (err == EWOULDBLOCK) {
      return absl::FailedPreconditionError(absl::StrCat(
          "lock DB directory ", dir, ": another process holds ", path,
          " (is another promlite or Prometheus running on this directory?)"));
    }
    return absl::UnavailableError(absl::StrCat("lock ", path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

void DB::Impl::Unlock() {
  if (lock_fd >= 0) {
    ::flock(lock_fd, LOCK_UN);
    ::close(lock_fd);
    lock_fd = -1;
  }
}

absl::Status DB::Impl::LogCommit(const std::vector<head::MemSeries*>& new_series,
                                 const std::vector<head::SampleRef>& samples) {
  std::string_view recs[2];
  size_t n = 0;
  if (!new_series.empty()) {
    enc_series.clear();
    for (head::MemSeries* s : new_series) enc_series.push_back(record::RefSeries{s->id(), head->LabelsOf(s)});
    series_buf.clear();
    record::EncodeSeries(enc_series, &series_buf);
    recs[n++] = series_buf;
  }
  if (!samples.empty()) {
    enc_samples.resize(samples.size());
    for (size_t i = 0; i < samples.size(); i++) {
      enc_samples[i] = record::RefSample{samples[i].series->id(), samples[i].t, samples[i].v};
    }
    samples_buf.clear();
    record::EncodeSamples(enc_samples, &samples_buf);
    recs[n++] = samples_buf;
  }
  if (n == 0) return absl::OkStatus();
  return wal->Log(std::span<const std::string_view>(recs, n));
}

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const std::string& dir, Options opts) {
  DisableMutexDeadlockDetection();
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->logger = opts.logger ? opts.logger : DefaultLogger();
  impl->opts = opts;
  if (opts.block_range_ms <= 0) return absl::InvalidArgumentError("block range must be positive");

  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat("data directory ", dir, " exists and is not a directory"));
  }
  fs::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("create data directory ", dir, ": ", ec.message()));
  if (absl::Status st = impl->Lock(); !st.ok()) return st;

  head::HeadOptions ho;
  ho.chunk_range_ms = opts.block_range_ms;
  ho.stripe_size = opts.stripe_size;
  ho.logger = impl->logger;
  impl->head = std::make_unique<head::Head>(ho);

  int64_t max_block = opts.max_block_duration_ms;
  if (max_block <= 0) {
    max_block = 31ll * 24 * 3600 * 1000;
    if (opts.retention_ms > 0 && opts.retention_ms / 10 < max_block) max_block = opts.retention_ms / 10;
  }
  impl->ranges = compact::BlockRanges(opts.block_range_ms, max_block);
  impl->RemoveTemporaries();
  if (absl::Status st = impl->ReloadBlocks(); !st.ok()) {
    impl->Unlock();
    return st;
  }
  {
    // Samples the WAL still holds below the newest block are already in it.
    auto bs = impl->BlocksSnapshot();
    Timestamp maxt = kMinTime;
    for (const auto& b : bs) maxt = std::max(maxt, b->max_time());
    if (maxt != kMinTime) impl->head->SetMinValidTime(maxt);
  }

  wal::WALOptions wo;
  wo.compression = ToWal(opts.wal_compression);
  wo.segment_size = static_cast<size_t>(opts.wal_segment_size);
  wo.sync_on_log = opts.sync_on_commit;
  wo.logger = impl->logger;
  auto w = wal::WAL::Open(dir + "/wal", wo);
  if (!w.ok()) {
    impl->Unlock();
    return w.status();
  }
  impl->wal = *std::move(w);

  // Full head chunks of the last run, mapped instead of rebuilt from the WAL.
  MappedChunks mapped;
  {
    auto hf = chunks::HeadChunkFiles::Open(dir + "/chunks_head", impl->logger);
    if (!hf.ok()) {
      impl->wal->Close().IgnoreError();
      impl->Unlock();
      return hf.status();
    }
    impl->head_files = *std::move(hf);
    const Timestamp lower = impl->head->LowerBound();
    absl::flat_hash_set<uint64_t> out_of_sequence;
    impl->head_files->Iterate([&](uint64_t series, uint64_t ref, Timestamp mint, Timestamp maxt) {
      if (maxt < lower || out_of_sequence.contains(series)) return;
      auto& v = mapped[series];
      if (!v.empty() && v.back().maxt >= mint) {
        // Out of sequence: this series is rebuilt from the WAL alone.
        out_of_sequence.insert(series);
        mapped.erase(series);
        return;
      }
      v.push_back(head::ClosedChunk{mint, maxt, nullptr, ref});
    });
    impl->head->SetChunkFiles(impl->head_files.get());
  }
  auto replayed = ReplayWAL(*impl->head, *impl->wal, *impl->logger, &mapped);
  if (!replayed.ok()) {
    impl->wal->Close().IgnoreError();
    impl->Unlock();
    return replayed.status();
  }
  impl->replay = *replayed;
  if (impl->head->LowerBound() != kMinTime) {
    // Series whose samples were all below the newest block.
    auto segs = wal::Segments(impl->wal->dir());
    int last = segs.ok() ? segs->second : -1;
    for (uint32_t id : impl->head->Truncate(impl->head->LowerBound())) impl->deleted_series[id] = last;
    impl->head_files->DeleteBefore(impl->head->MinReferencedFile());
  }

  Impl* raw = impl.get();
  impl->head->SetCommitLog([raw](const std::vector<head::MemSeries*>& s, const std::vector<head::SampleRef>& smp) {
    return raw->LogCommit(s, smp);
  });
  raw->StartLoop();
  return std::unique_ptr<DB>(new DB(std::move(impl)));
}

std::unique_ptr<DB> DB::OpenInMemory(Options opts) {
  DisableMutexDeadlockDetection();
  auto impl = std::make_unique<Impl>();
  impl->logger = opts.logger ? opts.logger : DefaultLogger();
  impl->opts = opts;
  head::HeadOptions ho;
  ho.chunk_range_ms = opts.block_range_ms > 0 ? opts.block_range_ms : Options().block_range_ms;
  ho.stripe_size = opts.stripe_size;
  ho.logger = impl->logger;
  impl->head = std::make_unique<head::Head>(ho);
  return std::unique_ptr<DB>(new DB(std::move(impl)));
}

DB::DB(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

DB::~DB() {
  if (absl::Status st = Close(); !st.ok()) {
    impl_->logger->Error("tsdb", "closing DB failed", {{"err", std::string(st.message())}});
  }
}

std::unique_ptr<Appender> DB::NewAppender() { return impl_->head->NewAppender(); }

absl::StatusOr<std::unique_ptr<Querier>> DB::NewQuerier(Timestamp mint, Timestamp maxt) {
  if (impl_->head->closed()) return absl::FailedPreconditionError("DB is closed");
  return NewDBQuerier(impl_->head.get(), impl_->BlocksSnapshot(), mint, maxt);
}

absl::Status DB::Close() {
  std::unique_lock l(impl_->close_mu);
  if (impl_->closed) return absl::OkStatus();
  impl_->closed = true;
  impl_->StopLoop();
  // Waits for a compaction, deletion or snapshot in flight.
  std::unique_lock cl(impl_->compact_mu);
  impl_->head->MarkClosed();
  absl::Status st = impl_->wal ? impl_->wal->Close() : absl::OkStatus();
  if (impl_->head_files) {
    if (absl::Status fs = impl_->head_files->Close(); st.ok() && !fs.ok()) st = fs;
  }
  impl_->Unlock();
  return st;
}

DBStats DB::Stats() const {
  head::HeadStats hs = impl_->head->Stats();
  DBStats s;
  s.head_series = hs.num_series;
  s.head_chunks = hs.chunks;
  s.samples_appended = hs.samples_appended;
  s.out_of_order_samples = hs.out_of_order_samples;
  s.out_of_bounds_samples = hs.out_of_bounds_samples;
  s.series_created = hs.series_created;
  s.head_min_time = hs.min_time;
  s.head_max_time = hs.max_time;
  s.replayed_series = impl_->replay.series;
  s.replayed_samples = impl_->replay.samples;
  s.replay_unknown_refs = impl_->replay.unknown_refs;
  s.replay_seconds = impl_->replay.seconds;
  s.wal_repaired = impl_->replay.repaired;
  s.head_index_bytes = impl_->head->IndexMemoryBytes();
  for (const auto& b : impl_->BlocksSnapshot()) {
    s.blocks++;
    s.blocks_bytes += b->Size();
  }
  s.compactions = impl_->compactions.load();
  s.compactions_failed = impl_->compactions_failed.load();
  s.head_truncations = impl_->head_truncations.load();
  s.retention_deleted_blocks = impl_->retention_deleted.load();
  {
    std::unique_lock l(impl_->blocks_mu);
    s.damaged_blocks = impl_->damaged.size();
  }
  return s;
}

CardinalityStats DB::HeadCardinality(size_t limit) const {
  CardinalityStats c = impl_->head->Cardinality(limit);
  head::HeadStats hs = impl_->head->Stats();
  c.chunk_count = hs.chunks;
  c.min_time = hs.min_time;
  c.max_time = hs.max_time;
  return c;
}

const std::string& DB::dir() const { return impl_->dir; }

}  // namespace promlite::tsdb
