#include "block/block.h"

#include <algorithm>
#include <filesystem>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "fileutil/fileutil.h"
#include "head/postings.h"

namespace promlite::tsdb::block {
namespace {

// Postings of one matcher; see Head::PostingsForMatcher for the logic.
absl::Status PostingsForMatcher(const index::IndexReader& ix, const Matcher& m, std::vector<uint32_t>* out,
                                bool* negative, bool* skip) {
  *skip = false;
  *negative = m.MatchesEmpty();
  out->clear();
  if (!ix.HasLabelName(m.name())) {
    *skip = *negative;
    return absl::OkStatus();
  }
  std::vector<std::string_view> values;
  if (!*negative) {
    if (m.type() == MatchType::kEqual) {
      values.push_back(m.value());
    } else if (m.type() == MatchType::kRegexMatch && !m.SetMatches().empty()) {
      for (const auto& v : m.SetMatches()) values.push_back(v);
    } else {
      for (std::string_view v : ix.LabelValues(m.name())) {
        if (m.Matches(v)) values.push_back(v);
      }
    }
  } else if (m.type() == MatchType::kNotEqual) {
    values.push_back(m.value());
  } else {
    for (std::string_view v : ix.LabelValues(m.name())) {
      if (!m.Matches(v)) values.push_back(v);
    }
    if (values.empty()) {
      *skip = true;
      return absl::OkStatus();
    }
  }
  std::sort(values.begin(), values.end());
  return ix.Postings(m.name(), values, out);
}

class BlockSeriesSet final : public blocks::ChunkSeriesSet {
 public:
  BlockSeriesSet(std::shared_ptr<const Block> b, std::vector<uint32_t> ids, Timestamp mint, Timestamp maxt, bool clip)
      : b_(std::move(b)), ids_(std::move(ids)), mint_(mint), maxt_(maxt), clip_(clip),
        stones_(b_->Tombstones()), owner_(b_->chunk_reader().owner()) {}

  bool Next() override {
    while (pos_ < ids_.size()) {
      uint32_t id = ids_[pos_++];
      if (absl::Status st = b_->index().Series(id, &pairs_, &metas_); !st.ok()) {
        Warn(st);
        continue;
      }
      const tombstones::Intervals* del = stones_->Get(id);
      cur_.chunks.clear();
      bool needs_normalize = false;
      for (const auto& m : metas_) {
        if (m.maxt < mint_ || m.mint > maxt_) continue;
        if (del != nullptr && tombstones::Covers(*del, m.mint, m.maxt)) continue;
        auto c = b_->chunk_reader().Chunk(m.ref);
        if (!c.ok()) {
          Warn(absl::DataLossError(absl::StrCat("series ", id, ": ", c.status().message())));
          continue;
        }
        if (c->encoding != chunks::kEncXOR) {
          Warn(absl::UnimplementedError(absl::StrCat("series ", id, ": chunk encoding ", c->encoding,
                                                     " (native histograms) is not supported; chunk skipped")));
          continue;
        }
        if (clip_ && (m.mint < mint_ || m.maxt > maxt_)) needs_normalize = true;
        if (del != nullptr && tombstones::Overlaps(*del, m.mint, m.maxt)) needs_normalize = true;
        cur_.chunks.push_back(ChunkRef{m.mint, m.maxt, owner_, c->data, c->size});
      }
      if (cur_.chunks.empty()) continue;
      if (needs_normalize) {
        if (absl::Status st = blocks::NormalizeChunks(&cur_.chunks, del, clip_, mint_, maxt_); !st.ok()) {
          Warn(st);
          continue;
        }
        if (cur_.chunks.empty()) continue;
      }
      cur_.labels = Labels::FromSortedPairs(pairs_);
      return true;
    }
    return false;
  }
  blocks::SeriesChunks& At() override { return cur_; }
  std::vector<std::string> Warnings() const override { return warnings_; }

 private:
  void Warn(const absl::Status& st) {
    if (warnings_.size() < 10) warnings_.push_back(absl::StrCat("block ", b_->ulid(), ": ", st.message()));
  }
  std::shared_ptr<const Block> b_;
  std::vector<uint32_t> ids_;
  size_t pos_ = 0;
  Timestamp mint_, maxt_;
  bool clip_;
  std::shared_ptr<const tombstones::Tombstones> stones_;
  std::shared_ptr<const void> owner_;
  std::vector<std::pair<std::string_view, std::string_view>> pairs_;
  std::vector<index::ChunkMeta> metas_;
  blocks::SeriesChunks cur_;
  std::vector<std::string> warnings_;
};

class ErrorSet final : public blocks::ChunkSeriesSet {
 public:
  explicit ErrorSet(absl::Status st) : st_(std::move(st)) {}
  bool Next() override { return false; }
  blocks::SeriesChunks& At() override { return dummy_; }
  absl::Status Err() const override { return st_; }

 private:
  absl::Status st_;
  blocks::SeriesChunks dummy_;
};

}  // namespace

absl::StatusOr<std::shared_ptr<Block>> Block::Open(const std::string& dir) {
  auto meta = ReadMeta(dir);
  if (!meta.ok()) return meta.status();
  std::shared_ptr<Block> b(new Block());
  b->dir_ = dir;
  b->meta_ = *meta;
  b->ulid_ = meta->ulid;
  b->min_time_ = meta->min_time;
  b->max_time_ = meta->max_time;
  auto f = fileutil::MmapFile::Open(dir + "/index");
  if (!f.ok()) return f.status();
  auto ix = index::IndexReader::Open(*std::move(f));
  if (!ix.ok()) return ix.status();
  b->index_ = *std::move(ix);
  auto cr = chunks::ChunkReader::Open(dir + "/chunks");
  if (!cr.ok()) return cr.status();
  b->chunks_ = *std::move(cr);
  auto ts = tombstones::ReadFile(dir);
  if (!ts.ok()) return ts.status();
  b->stones_ = std::make_shared<const tombstones::Tombstones>(*std::move(ts));
  b->size_ = fileutil::DirSize(dir);
  return b;
}

BlockMeta Block::Meta() const {
  std::unique_lock l(mu_);
  return meta_;
}

uint64_t Block::Size() const {
  std::unique_lock l(mu_);
  return size_;
}

std::shared_ptr<const tombstones::Tombstones> Block::Tombstones() const {
  std::unique_lock l(mu_);
  return stones_;
}

absl::Status Block::SelectIds(const std::vector<Matcher>& matchers, std::vector<uint32_t>* ids) const {
  std::vector<std::vector<uint32_t>> positive, negative;
  std::vector<uint32_t> p;
  for (const Matcher& m : matchers) {
    bool neg, skip;
    if (absl::Status st = PostingsForMatcher(*index_, m, &p, &neg, &skip); !st.ok()) return st;
    if (skip) continue;
    if (neg) {
      negative.push_back(std::move(p));
    } else {
      if (p.empty()) {
        ids->clear();
        return absl::OkStatus();
      }
      positive.push_back(std::move(p));
    }
    p = {};
  }
  std::vector<uint32_t> result;
  if (positive.empty()) {
    if (absl::Status st = index_->AllPostings(&result); !st.ok()) return st;
  } else {
    std::sort(positive.begin(), positive.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
    result = std::move(positive[0]);
    for (size_t i = 1; i < positive.size() && !result.empty(); i++) result = head::Intersect(result, positive[i]);
  }
  for (const auto& n : negative) {
    if (result.empty()) break;
    result = head::Subtract(result, n);
  }
  *ids = std::move(result);
  return absl::OkStatus();
}

std::unique_ptr<blocks::ChunkSeriesSet> Block::Select(const std::vector<Matcher>& matchers, Timestamp mint,
                                                      Timestamp maxt, bool clip) const {
  std::vector<uint32_t> ids;
  if (absl::Status st = SelectIds(matchers, &ids); !st.ok()) {
    return std::make_unique<ErrorSet>(absl::Status(st.code(), absl::StrCat("block ", ulid_, ": ", st.message())));
  }
  return std::make_unique<BlockSeriesSet>(shared_from_this(), std::move(ids), mint, maxt, clip);
}

absl::StatusOr<std::vector<std::string>> Block::LabelValues(std::string_view name,
                                                            const std::vector<Matcher>& ms) const {
  std::vector<std::string> out;
  if (ms.empty()) {
    for (std::string_view v : index_->LabelValues(name)) out.emplace_back(v);
    return out;
  }
  std::vector<uint32_t> ids;
  if (absl::Status st = SelectIds(ms, &ids); !st.ok()) return st;
  absl::flat_hash_set<std::string_view> seen;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  std::vector<index::ChunkMeta> metas;
  for (uint32_t id : ids) {
    if (!index_->Series(id, &pairs, &metas).ok()) continue;
    for (const auto& [n, v] : pairs) {
      if (n == name) seen.insert(v);
    }
  }
  for (std::string_view v : seen) out.emplace_back(v);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<std::string>> Block::LabelNames(const std::vector<Matcher>& ms) const {
  std::vector<std::string> out;
  if (ms.empty()) {
    for (std::string_view n : index_->LabelNames()) out.emplace_back(n);
    return out;
  }
  std::vector<uint32_t> ids;
  if (absl::Status st = SelectIds(ms, &ids); !st.ok()) return st;
  absl::flat_hash_set<std::string_view> seen;
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  std::vector<index::ChunkMeta> metas;
  for (uint32_t id : ids) {
    if (!index_->Series(id, &pairs, &metas).ok()) continue;
    for (const auto& [n, v] : pairs) seen.insert(n);
  }
  for (std::string_view n : seen) out.emplace_back(n);
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<uint64_t> Block::Delete(Timestamp mint, Timestamp maxt, const std::vector<Matcher>& ms) {
  std::vector<uint32_t> ids;
  if (absl::Status st = SelectIds(ms, &ids); !st.ok()) return st;
  std::unique_lock l(mu_);
  auto next = std::make_shared<tombstones::Tombstones>(*stones_);
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  std::vector<index::ChunkMeta> metas;
  uint64_t n = 0;
  for (uint32_t id : ids) {
    if (!index_->Series(id, &pairs, &metas).ok()) continue;
    bool hit = false;
    for (const auto& m : metas) hit = hit || (m.mint <= maxt && mint <= m.maxt);
    if (!hit) continue;
    next->Add(id, tombstones::Interval{mint, maxt});
    n++;
  }
  if (n == 0) return n;
  if (absl::Status st = tombstones::WriteFile(dir_, *next); !st.ok()) return st;
  BlockMeta m = meta_;
  m.stats.num_tombstones = next->Total();
  if (absl::Status st = WriteMeta(dir_, m); !st.ok()) return st;
  meta_ = m;
  stones_ = std::move(next);
  size_ = fileutil::DirSize(dir_);
  return n;
}

absl::Status Block::SetFlags(bool failed, bool deletable) {
  std::unique_lock l(mu_);
  BlockMeta m = meta_;
  m.failed = failed;
  m.deletable = deletable;
  if (absl::Status st = WriteMeta(dir_, m); !st.ok()) return st;
  meta_ = m;
  return absl::OkStatus();
}

}  // namespace promlite::tsdb::block
