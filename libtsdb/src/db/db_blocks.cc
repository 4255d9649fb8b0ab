// Blocks in the DB: loading (skipping damage), head compaction with head
// and WAL truncation, leveled/vertical compaction, retention, and the
// background loop.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "block/writer.h"
#include "compact/compactor.h"
#include "compact/planner.h"
#include "db/db_impl.h"
#include "fileutil/fileutil.h"
#include "retention/retention.h"
#include "wal/checkpoint.h"
#include "wal/dir.h"

namespace promlite::tsdb {
namespace fs = std::filesystem;

namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Go's truncating division, as Prometheus' rangeForTimestamp.
Timestamp RangeEnd(Timestamp t, int64_t width) { return (t / width) * width + width; }

}  // namespace

std::vector<std::shared_ptr<block::Block>> DB::Impl::BlocksSnapshot() const {
  std::unique_lock l(blocks_mu);
  return blocks;
}

void DB::Impl::RemoveTemporaries() {
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool tmp = name.ends_with(block::kTmpForCreation) || name.ends_with(block::kTmpForDeletion) ||
               (name.ends_with(".tmp") && fileutil::IsULID(name.substr(0, name.size() - 4)));
    if (!tmp) continue;
    std::error_code rec;
    fs::remove_all(it->path(), rec);
    logger->Info("tsdb", "Removed leftover of an interrupted block write or deletion", {{"dir", it->path().string()}});
  }
}

absl::Status DB::Impl::ReloadBlocks() {
  std::vector<std::shared_ptr<block::Block>> current = BlocksSnapshot();
  absl::flat_hash_map<std::string, std::shared_ptr<block::Block>> by_ulid;
  for (const auto& b : current) by_ulid[b->ulid()] = b;

  std::vector<std::shared_ptr<block::Block>> loaded;
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    std::error_code dec;
    if (!fileutil::IsULID(name) || !it->is_directory(dec)) continue;
    names.push_back(name);
  }
  if (ec) return fileutil::Errno(ec.value(), "read data directory", dir);
  std::sort(names.begin(), names.end());
  absl::flat_hash_set<std::string> failed;
  for (const std::string& name : names) {
    auto it = by_ulid.find(name);
    if (it != by_ulid.end()) {
      loaded.push_back(it->second);
      continue;
    }
    auto b = block::Block::Open(absl::StrCat(dir, "/", name));
    if (!b.ok()) {
      failed.insert(name);
      std::unique_lock l(blocks_mu);
      if (damaged.insert(name).second) {
        logger->Error("tsdb", "Skipping block that cannot be opened; its data is not served",
                      {{"block", name}, {"err", std::string(b.status().message())}});
      }
      continue;
    }
    if ((*b)->ulid() != name) {
      logger->Error("tsdb", "Skipping block whose meta.json names another ULID",
                    {{"block", name}, {"meta_ulid", (*b)->ulid()}});
      continue;
    }
    loaded.push_back(*std::move(b));
  }

  // Blocks replaced by a compacted block (a crash between the rename of
  // the new block and the deletion of its parents), marked deletable, or
  // beyond retention.
  absl::flat_hash_set<std::string> deletable;
  for (const auto& b : loaded) {
    block::BlockMeta m = b->Meta();
    if (m.deletable) deletable.insert(m.ulid);
    for (const auto& p : m.parents) deletable.insert(p.ulid);
  }
  std::vector<retention::BlockInfo> infos;
  for (const auto& b : loaded) {
    if (!deletable.contains(b->ulid())) infos.push_back({b->ulid(), b->max_time(), b->Size()});
  }
  auto retained_out = retention::BeyondRetention(infos, opts.retention_ms, opts.retention_bytes, OtherBytes());
  for (const auto& u : retained_out) {
    deletable.insert(u);
    retention_deleted++;
    logger->Info("tsdb", "Deleting block beyond retention", {{"block", u}});
  }

  std::vector<std::shared_ptr<block::Block>> keep;
  for (const auto& b : loaded) {
    if (!deletable.contains(b->ulid())) keep.push_back(b);
  }
  std::sort(keep.begin(), keep.end(), [](const auto& a, const auto& b) { return a->min_time() < b->min_time(); });
  for (size_t i = 1; i < keep.size(); i++) {
    if (keep[i]->min_time() < keep[i - 1]->max_time()) {
      logger->Warn("tsdb", "Overlapping blocks found; they are merged at query time and by vertical compaction",
                   {{"block", keep[i]->ulid()}, {"previous", keep[i - 1]->ulid()}});
      break;
    }
  }
  {
    std::unique_lock l(blocks_mu);
    blocks = keep;
  }
  // Delete after publishing: queriers that still hold a deleted block keep
  // reading its (unlinked) mapped files.
  for (const std::string& u : deletable) {
    std::string path = absl::StrCat(dir, "/", u);
    if (!fs::exists(path, ec)) continue;
    std::string tmp = path + block::kTmpForDeletion;
    if (::rename(path.c_str(), tmp.c_str()) != 0) {
      logger->Error("tsdb", "Renaming obsolete block for deletion failed", {{"block", u}});
      continue;
    }
    fs::remove_all(tmp, ec);
    logger->Info("tsdb", "Deleted obsolete block", {{"block", u}});
  }
  return fileutil::SyncDir(dir);
}

uint64_t DB::Impl::OtherBytes() const {
  return fileutil::DirSize(dir + "/wal") + fileutil::DirSize(dir + "/chunks_head");
}

absl::Status DB::Impl::CompactHeadLocked(Timestamp* last_maxt) {
  while (head->Compactable()) {
    Timestamp mint = head->MinTime();
    Timestamp maxt = RangeEnd(mint, opts.block_range_ms);
    // From here on no commit can add samples below maxt.
    head->RaiseCommitBound(maxt);
    auto start = std::chrono::steady_clock::now();
    block::WriteOptions wo;
    wo.segment_size = opts.block_segment_size;
    auto meta = compact::WriteHeadBlock(dir, *head, mint, maxt, wo);
    compactions++;
    if (!meta.ok()) {
      compactions_failed++;
      return absl::Status(meta.status().code(), absl::StrCat("compact head: ", meta.status().message()));
    }
    if (!meta->ulid.empty()) {
      logger->Info("tsdb", "write block",
                   {{"mint", std::to_string(mint)}, {"maxt", std::to_string(maxt)}, {"ulid", meta->ulid},
                    {"series", std::to_string(meta->stats.num_series)},
                    {"samples", std::to_string(meta->stats.num_samples)},
                    {"duration", absl::StrCat(Since(start), "s")}});
    }
    if (absl::Status st = ReloadBlocks(); !st.ok()) return st;
    int last_segment = -1;
    if (wal) {
      auto segs = wal::Segments(wal->dir());
      if (segs.ok()) last_segment = segs->second;
    }
    for (uint32_t id : head->Truncate(maxt)) deleted_series[id] = last_segment;
    if (head_files) head_files->DeleteBefore(head->MinReferencedFile());
    head_truncations++;
    *last_maxt = maxt;
  }
  return absl::OkStatus();
}

absl::Status DB::Impl::TruncateWAL(Timestamp mint) {
  if (!wal || mint <= last_wal_truncation) return absl::OkStatus();
  last_wal_truncation = mint;
  auto segs = wal::Segments(wal->dir());
  if (!segs.ok()) return segs.status();
  auto [first, last] = *segs;
  if (auto n = wal->NextSegment(); !n.ok()) return n.status();
  last--;  // never the segment being written
  if (last < 0) return absl::OkStatus();
  // The lower two thirds of the segments hold mostly obsolete samples.
  last = first + (last - first) * 2 / 3;
  if (last <= first) return absl::OkStatus();
  auto keep = [this](SeriesRef ref) {
    if (ref <= 0xffffffffull && head->Series(ref) != nullptr) return true;
    return ref <= 0xffffffffull && deleted_series.contains(static_cast<uint32_t>(ref));
  };
  auto cp = wal::Checkpoint(*logger, *wal, first, last, keep, mint);
  if (!cp.ok()) return absl::Status(cp.status().code(), absl::StrCat("create checkpoint: ", cp.status().message()));
  if (absl::Status st = wal->Truncate(last + 1); !st.ok()) {
    logger->Error("tsdb", "truncating WAL segments failed", {{"err", std::string(st.message())}});
  }
  for (auto it = deleted_series.begin(); it != deleted_series.end();) {
    if (it->second < first) {
      deleted_series.erase(it++);
    } else {
      ++it;
    }
  }
  if (absl::Status st = wal::DeleteCheckpoints(wal->dir(), last); !st.ok()) {
    logger->Error("tsdb", "deleting old checkpoints failed", {{"err", std::string(st.message())}});
  }
  logger->Info("tsdb", "WAL checkpoint complete", {{"first", std::to_string(first)}, {"last", std::to_string(last)}});
  return absl::OkStatus();
}

absl::Status DB::Impl::CompactLocked() {
  if (dir.empty()) return absl::OkStatus();
  Timestamp last_maxt = kMinTime;
  absl::Status head_st = CompactHeadLocked(&last_maxt);
  if (last_maxt != kMinTime) {
    if (absl::Status st = TruncateWAL(last_maxt); !st.ok()) {
      logger->Error("tsdb", "WAL truncation failed", {{"err", std::string(st.message())}});
    }
  }
  if (!head_st.ok()) return head_st;
  for (;;) {
    auto bs = BlocksSnapshot();
    std::vector<block::BlockMeta> metas;
    for (const auto& b : bs) metas.push_back(b->Meta());
    std::vector<size_t> plan = compact::Plan(metas, ranges);
    if (plan.empty()) break;
    std::vector<std::shared_ptr<block::Block>> sources;
    std::vector<std::string> ulids;
    for (size_t i : plan) {
      sources.push_back(bs[i]);
      ulids.push_back(bs[i]->ulid());
    }
    auto start = std::chrono::steady_clock::now();
    block::WriteOptions wo;
    wo.segment_size = opts.block_segment_size;
    auto meta = compact::CompactBlocks(dir, sources, wo);
    compactions++;
    if (!meta.ok()) {
      compactions_failed++;
      // Marked failed so the planner does not retry the same group forever.
      for (const auto& b : sources) b->SetFlags(true, false).IgnoreError();
      return absl::Status(meta.status().code(), absl::StrCat("compact blocks: ", meta.status().message()));
    }
    if (meta->ulid.empty()) {
      for (const auto& b : sources) b->SetFlags(false, true).IgnoreError();
    }
    logger->Info("tsdb", "compact blocks",
                 {{"count", std::to_string(sources.size())}, {"ulid", meta->ulid},
                  {"sources", absl::StrJoin(ulids, ",")}, {"duration", absl::StrCat(Since(start), "s")}});
    if (absl::Status st = ReloadBlocks(); !st.ok()) return st;
  }
  return ReloadBlocks();  // applies retention
}

void DB::Impl::StartLoop() {
  if (opts.compaction_interval_ms <= 0 || dir.empty()) return;
  loop = std::thread([this] {
    std::unique_lock<std::mutex> l(loop_mu);
    while (!stop_loop) {
      loop_cv.wait_for(l, std::chrono::milliseconds(opts.compaction_interval_ms), [this] { return stop_loop; });
      if (stop_loop) break;
      l.unlock();
      {
        std::lock_guard<std::mutex> cl(compact_mu);
        if (absl::Status st = CompactLocked(); !st.ok()) {
          logger->Error("tsdb", "compaction failed", {{"err", std::string(st.message())}});
        }
      }
      l.lock();
    }
  });
}

void DB::Impl::StopLoop() {
  {
    std::lock_guard<std::mutex> l(loop_mu);
    stop_loop = true;
  }
  loop_cv.notify_all();
  if (loop.joinable()) loop.join();
}

absl::Status DB::Compact() {
  if (impl_->head->closed()) return absl::FailedPreconditionError("DB is closed");
  std::unique_lock l(impl_->compact_mu);
  return impl_->CompactLocked();
}

std::vector<BlockInfo> DB::Blocks() const {
  std::vector<BlockInfo> out;
  for (const auto& b : impl_->BlocksSnapshot()) {
    block::BlockMeta m = b->Meta();
    BlockInfo i;
    i.ulid = m.ulid;
    i.min_time = m.min_time;
    i.max_time = m.max_time;
    i.num_samples = m.stats.num_samples;
    i.num_series = m.stats.num_series;
    i.num_chunks = m.stats.num_chunks;
    i.num_tombstones = m.stats.num_tombstones;
    i.level = m.level;
    i.bytes = b->Size();
    i.dir = b->dir();
    out.push_back(std::move(i));
  }
  return out;
}

}  // namespace promlite::tsdb
