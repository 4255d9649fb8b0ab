#include "compact/compactor.h"

#include <algorithm>

#include "fileutil/fileutil.h"

namespace promlite::tsdb::compact {

absl::StatusOr<block::BlockMeta> WriteHeadBlock(const std::string& dir, head::Head& head, Timestamp mint,
                                                Timestamp maxt, const block::WriteOptions& opts) {
  block::BlockMeta meta;
  meta.ulid = fileutil::NewULID();
  meta.min_time = mint;
  meta.max_time = maxt;
  meta.level = 1;
  meta.sources = {meta.ulid};
  std::vector<std::string> symbols;
  auto set = head.RangeSeries(mint, maxt - 1, &symbols);
  return block::WriteBlock(dir, std::move(meta), std::move(symbols), *set, opts);
}

absl::StatusOr<block::BlockMeta> CompactBlocks(const std::string& dir,
                                               const std::vector<std::shared_ptr<block::Block>>& blocks,
                                               const block::WriteOptions& opts) {
  std::vector<block::BlockMeta> metas;
  for (const auto& b : blocks) metas.push_back(b->Meta());
  block::BlockMeta meta = block::CompactMetas(fileutil::NewULID(), metas);
  // Symbols of every source (some may belong to deleted series: harmless).
  std::vector<std::string_view> views;
  for (const auto& b : blocks) {
    views.reserve(views.size() + b->index().num_symbols());
    b->index().ForEachSymbol([&](std::string_view s) { views.push_back(s); });
  }
  std::sort(views.begin(), views.end());
  views.erase(std::unique(views.begin(), views.end()), views.end());
  std::vector<std::string> symbols(views.begin(), views.end());
  std::vector<std::unique_ptr<blocks::ChunkSeriesSet>> sets;
  for (const auto& b : blocks) sets.push_back(b->Select({}, meta.min_time, meta.max_time - 1, true));
  auto set = blocks::MergeChunkSeriesSets(std::move(sets));
  return block::WriteBlock(dir, std::move(meta), std::move(symbols), *set, opts);
}

}  // namespace promlite::tsdb::compact
