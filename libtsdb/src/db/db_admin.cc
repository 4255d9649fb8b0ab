// Deletion, tombstone cleaning and snapshots (Prometheus' admin API).
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "compact/compactor.h"
#include "db/db_impl.h"
#include "fileutil/fileutil.h"

namespace promlite::tsdb {
namespace fs = std::filesystem;

absl::Status DB::DeleteSeries(const std::vector<Matcher>& matchers, Timestamp mint, Timestamp maxt) {
  if (impl_->head->closed()) return absl::FailedPreconditionError("DB is closed");
  if (mint > maxt) return absl::InvalidArgumentError("delete: start is after end");
  std::unique_lock l(impl_->compact_mu);
  for (const auto& b : impl_->BlocksSnapshot()) {
    if (!b->Overlaps(mint, maxt)) continue;
    auto n = b->Delete(mint, maxt, matchers);
    if (!n.ok()) {
      return absl::Status(n.status().code(), absl::StrCat("delete in block ", b->ulid(), ": ", n.status().message()));
    }
  }
  auto added = impl_->head->Delete(mint, maxt, matchers);
  if (!added.empty() && impl_->wal) {
    std::vector<record::Stone> stones;
    for (const auto& [id, iv] : added) stones.push_back(record::Stone{id, iv.mint, iv.maxt});
    std::string rec;
    record::EncodeTombstones(stones, &rec);
    if (absl::Status st = impl_->wal->Log({std::string_view(rec)}); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat("log tombstones: ", st.message()));
    }
  }
  impl_->logger->Info("tsdb", "Deleted series", {{"mint", std::to_string(mint)}, {"maxt", std::to_string(maxt)},
                                                 {"head_series", std::to_string(added.size())}});
  return absl::OkStatus();
}

absl::Status DB::CleanTombstones() {
  if (impl_->head->closed()) return absl::FailedPreconditionError("DB is closed");
  std::unique_lock l(impl_->compact_mu);
  for (const auto& b : impl_->BlocksSnapshot()) {
    if (b->Tombstones()->empty()) continue;
    block::WriteOptions wo;
    wo.segment_size = impl_->opts.block_segment_size;
    auto meta = compact::CompactBlocks(impl_->dir, {b}, wo);
    if (!meta.ok()) {
      return absl::Status(meta.status().code(), absl::StrCat("clean tombstones of block ", b->ulid(), ": ",
                                                             meta.status().message()));
    }
    // The new block lists the old one as parent; an empty result leaves no
    // block, so the old one is marked deletable.
    if (meta->ulid.empty()) {
      if (absl::Status st = b->SetFlags(false, true); !st.ok()) return st;
    }
    impl_->logger->Info("tsdb", "Rewrote block without deleted data", {{"old", b->ulid()}, {"new", meta->ulid}});
  }
  return impl_->ReloadBlocks();
}

absl::Status DB::Snapshot(const std::string& dir, bool with_head) {
  if (impl_->head->closed()) return absl::FailedPreconditionError("DB is closed");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fileutil::Errno(ec.value(), "create snapshot directory", dir);
  std::unique_lock l(impl_->compact_mu);
  for (const auto& b : impl_->BlocksSnapshot()) {
    if (absl::Status st = fileutil::LinkTree(b->dir(), absl::StrCat(dir, "/", b->ulid())); !st.ok()) return st;
  }
  if (with_head) {
    Timestamp mint = impl_->head->MinTime(), maxt = impl_->head->MaxTime();
    if (mint != kMaxTime && maxt != kMinTime) {
      block::WriteOptions wo;
      wo.segment_size = impl_->opts.block_segment_size;
      auto meta = compact::WriteHeadBlock(dir, *impl_->head, mint, maxt + 1, wo);
      if (!meta.ok()) return meta.status();
    }
  }
  return fileutil::SyncDir(dir);
}

}  // namespace promlite::tsdb
