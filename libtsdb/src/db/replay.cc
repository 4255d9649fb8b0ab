#include "db/replay.h"

#include <algorithm>
#include <thread>

#include <chrono>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "db/replay_pool.h"
#include "record/record.h"
#include "wal/checkpoint.h"
#include "wal/reader.h"

namespace promlite::tsdb {
namespace {

// Workers applying samples: one per core beyond the reader, at least one so
// decoding and applying overlap; none on a single core.
size_t ReplayWorkers() {
  unsigned n = std::thread::hardware_concurrency();
  return n <= 1 ? 0 : std::min<size_t>(n, 8);
}

class Replayer {
 public:
  Replayer(head::Head& h, Logger& logger, MappedChunks* mapped)
      : head_(h), logger_(logger), mapped_(mapped), pool_(h, h.LowerBound(), ReplayWorkers()) {}

  // Waits for the workers and folds their counts into the stats.
  void Finish() {
    pool_.Drain();
    ReplayCounts c = pool_.Counts();
    stats_.samples = c.appended;
    stats_.out_of_order = c.out_of_order;
    stats_.skipped_samples = c.skipped_mapped;
  }

  // Reads every record of `reader`; returns its final status.
  absl::Status Run(wal::Reader& reader) {
    while (reader.Next()) {
      if (absl::Status st = Apply(reader.Record()); !st.ok()) {
        // A record that frames correctly but does not decode: count it and go
        // on; the rest of the log is still good.
        decode_errors_++;
        if (decode_errors_ <= 5) {
          logger_.Warn("tsdb", "skipping undecodable WAL record",
                       {{"segment", std::to_string(reader.Segment())}, {"err", std::string(st.message())}});
        }
      }
    }
    return reader.status();
  }

  ReplayStats& stats() { return stats_; }

 private:
  absl::Status Apply(std::string_view rec) {
    switch (record::GetType(rec)) {
      case record::Type::kSeries: {
        series_.clear();
        absl::Status st = record::DecodeSeries(rec, &series_);
        for (const auto& rs : series_) AddSeries(rs);
        return st;
      }
      case record::Type::kSamples:
      case record::Type::kSamplesV2: {
        samples_.clear();
        absl::Status st = record::DecodeSamples(rec, &samples_);
        AddSamples();
        return st;
      }
      case record::Type::kTombstones: {
        stones_.clear();
        absl::Status st = record::DecodeTombstones(rec, &stones_);
        stats_.tombstones += stones_.size();
        pool_.Drain();
        for (const auto& s : stones_) {
          head::MemSeries* ms = Resolve(s.ref);
          if (ms != nullptr) head_.AddTombstone(ms->id(), tombstones::Interval{s.mint, s.maxt});
        }
        return st;
      }
      default:
        stats_.skipped_records++;
        return absl::OkStatus();
    }
  }

  void AddSeries(const record::RefSeries& rs) {
    if (!rs.labels.Validate().ok()) {
      invalid_series_++;
      return;
    }
    head::MemSeries* s = nullptr;
    bool dup = false;
    if (rs.ref > 0 && rs.ref <= 0xffffffffull) s = head_.CreateWithId(static_cast<uint32_t>(rs.ref), rs.labels, &dup);
    if (s == nullptr) {
      // The ref does not fit our ids or is taken by other labels (a WAL from
      // elsewhere): give the series a fresh id and map the ref to it.
      bool created;
      s = head_.GetOrCreate(rs.labels, &created);
    }
    s->set_logged(true);
    if (s->id() != rs.ref) remap_[rs.ref] = s;
    if (mapped_ != nullptr) {
      auto it = mapped_->find(rs.ref);
      if (it != mapped_->end() && !it->second.empty()) {
        Timestamp mint = it->second.front().mint, maxt = it->second.back().maxt;
        stats_.mapped_chunks += it->second.size();
        {
          std::lock_guard<SpinLock> l(s->mu());
          s->AttachMapped(std::move(it->second));
        }
        mapped_->erase(it);
        head_.FinishReplay(0, 0, mint, maxt);
      }
    }
    stats_.series++;
  }

  // The series of a WAL ref and its id. Refs are ids unless remapped, so
  // the common case reads only the id table, not the series itself.
  head::MemSeries* Resolve(SeriesRef ref, uint64_t* id = nullptr) {
    if (!remap_.empty()) {
      auto it = remap_.find(ref);
      if (it != remap_.end()) {
        if (id) *id = it->second->id();
        return it->second;
      }
    }
    if (id) *id = ref;
    return head_.Series(ref);
  }

  void AddSamples() {
    // Resolve series here (the remap table is this thread's) and hand the
    // samples to the pool, one batch per shard.
    size_t shards = pool_.shards();
    if (batches_.size() != shards) batches_.resize(shards);
    head::MemSeries* last = nullptr;
    SeriesRef last_ref = 0;
    uint64_t id = 0;
    for (const auto& smp : samples_) {
      head::MemSeries* s = (last != nullptr && smp.ref == last_ref) ? last : Resolve(smp.ref, &id);
      if (s == nullptr) {
        stats_.unknown_refs++;
        continue;
      }
      last = s;
      last_ref = smp.ref;
      batches_[pool_.ShardOf(id)].push_back(ReplayItem{s, smp.t, smp.v});
    }
    for (size_t i = 0; i < shards; i++) {
      pool_.Submit(i, std::move(batches_[i]));
      batches_[i].clear();
    }
  }

  head::Head& head_;
  Logger& logger_;
  ReplayStats stats_;
  uint64_t decode_errors_ = 0;
  uint64_t invalid_series_ = 0;
  absl::flat_hash_map<SeriesRef, head::MemSeries*> remap_;
  MappedChunks* mapped_;
  std::vector<record::RefSeries> series_;
  std::vector<record::RefSample> samples_;
  std::vector<record::Stone> stones_;
  std::vector<std::vector<ReplayItem>> batches_;
  ReplayPool pool_;
};

}  // namespace

absl::StatusOr<ReplayStats> ReplayWAL(head::Head& head, wal::WAL& wal, Logger& logger, MappedChunks* mapped) {
  auto start = std::chrono::steady_clock::now();
  Replayer r(head, logger, mapped);
  int first_segment = -1;
  auto cp = wal::LastCheckpoint(wal.dir());
  if (cp.ok()) {
    auto reader = wal::Reader::Open({wal::SegmentRange{cp->first, -1, -1}});
    if (!reader.ok()) return reader.status();
    absl::Status st = r.Run(**reader);
    if (!st.ok()) {
      if (!(*reader)->corruption()) return st;
      // A checkpoint is rewritten at the next truncation; keep what it gave.
      logger.Error("tsdb", "WAL checkpoint is damaged; records after the damage are lost",
                   {{"checkpoint", cp->first}, {"err", std::string(st.message())}});
    }
    first_segment = cp->second + 1;
  } else if (!absl::IsNotFound(cp.status())) {
    return cp.status();
  }

  auto reader = wal::Reader::Open({wal::SegmentRange{wal.dir(), first_segment, -1}});
  if (!reader.ok()) return reader.status();
  absl::Status st = r.Run(**reader);
  r.Finish();
  if (!st.ok()) {
    const auto& corruption = (*reader)->corruption();
    if (!corruption) return st;  // an I/O error is not damage: do not "repair" it
    logger.Warn("tsdb", "WAL is damaged; repairing it, records before the damage are kept",
                {{"err", corruption->ToString()}});
    if (absl::Status rs = wal.Repair(*corruption); !rs.ok()) {
      return absl::DataLossError(absl::StrCat("repair WAL: ", rs.message()));
    }
    r.stats().repaired = true;
  }
  ReplayStats out = r.stats();
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (out.unknown_refs > 0) {
    logger.Warn("tsdb", "WAL had samples for unknown series", {{"samples", std::to_string(out.unknown_refs)}});
  }
  logger.Info("tsdb", "WAL replay completed",
              {{"series", std::to_string(out.series)},
               {"samples", std::to_string(out.samples)},
               {"mmapped_chunks", std::to_string(out.mapped_chunks)},
               {"skipped_samples", std::to_string(out.skipped_samples)},
               {"duration", absl::StrCat(out.seconds, "s")}});
  return out;
}

}  // namespace promlite::tsdb
