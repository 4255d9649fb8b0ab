#include "block/writer.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "chunkenc/xor.h"
#include "chunks/chunks.h"
#include "fileutil/fileutil.h"
#include "index/index.h"
#include "tombstones/tombstones.h"

namespace promlite::tsdb::block {
namespace fs = std::filesystem;
namespace {

absl::Status Populate(const std::string& tmp, BlockMeta* meta, std::vector<std::string> symbols,
                      blocks::ChunkSeriesSet& set, const WriteOptions& opts) {
  auto cw = chunks::ChunkWriter::Create(tmp + "/chunks", opts.segment_size);
  if (!cw.ok()) return cw.status();
  auto iw = index::IndexWriter::Create(tmp + "/index");
  if (!iw.ok()) return iw.status();
  if (absl::Status st = (*iw)->AddSymbols(std::move(symbols)); !st.ok()) return st;
  std::vector<index::ChunkMeta> metas;
  while (set.Next()) {
    blocks::SeriesChunks& s = set.At();
    if (s.chunks.empty()) continue;
    metas.clear();
    for (const ChunkRef& c : s.chunks) {
      auto ref = (*cw)->Write(chunks::kEncXOR, std::string_view(reinterpret_cast<const char*>(c.data), c.size));
      if (!ref.ok()) return ref.status();
      metas.push_back(index::ChunkMeta{c.mint, c.maxt, *ref});
      meta->stats.num_samples += chunkenc::XorNumSamples(c.data, c.size);
    }
    if (absl::Status st = (*iw)->AddSeries(s.labels, metas); !st.ok()) return st;
    meta->stats.num_chunks += metas.size();
    meta->stats.num_series++;
  }
  if (absl::Status st = set.Err(); !st.ok()) return st;
  if (absl::Status st = (*cw)->Close(); !st.ok()) return st;
  return (*iw)->Close();
}

}  // namespace

absl::StatusOr<BlockMeta> WriteBlock(const std::string& dir, BlockMeta meta, std::vector<std::string> symbols,
                                     blocks::ChunkSeriesSet& set, const WriteOptions& opts) {
  const std::string final_dir = absl::StrCat(dir, "/", meta.ulid);
  const std::string tmp = final_dir + kTmpForCreation;
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return fileutil::Errno(ec.value(), "create directory", tmp);
  meta.stats = BlockStats{};
  meta.version = 1;
  absl::Status st = Populate(tmp, &meta, std::move(symbols), set, opts);
  if (st.ok() && meta.stats.num_samples == 0) {
    fs::remove_all(tmp, ec);
    meta.ulid.clear();
    return meta;
  }
  if (st.ok()) st = WriteMeta(tmp, meta);
  if (st.ok()) st = tombstones::WriteFile(tmp, tombstones::Tombstones());
  if (st.ok()) st = fileutil::SyncDir(tmp);
  if (st.ok()) st = fileutil::Replace(tmp, final_dir);
  if (!st.ok()) {
    fs::remove_all(tmp, ec);
    return absl::Status(st.code(), absl::StrCat("write block ", meta.ulid, ": ", st.message()));
  }
  return meta;
}

}  // namespace promlite::tsdb::block
