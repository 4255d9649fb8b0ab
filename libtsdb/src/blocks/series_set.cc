#include "blocks/series_set.h"

#include <algorithm>

#include "chunkenc/xor.h"

namespace promlite::tsdb::blocks {
namespace {

class VectorSet final : public ChunkSeriesSet {
 public:
  explicit VectorSet(std::vector<SeriesChunks> s) : s_(std::move(s)) {}
  bool Next() override { return ++i_ <= s_.size(); }
  SeriesChunks& At() override { return s_[i_ - 1]; }

 private:
  std::vector<SeriesChunks> s_;
  size_t i_ = 0;
};

class MergeSet final : public ChunkSeriesSet {
 public:
  explicit MergeSet(std::vector<std::unique_ptr<ChunkSeriesSet>> sets) : sets_(std::move(sets)) {
    live_.assign(sets_.size(), false);
    for (size_t i = 0; i < sets_.size(); i++) Advance(i);
  }

  bool Next() override {
    if (!err_.ok()) return false;
    int first = -1;
    for (size_t i = 0; i < sets_.size(); i++) {
      if (!live_[i]) continue;
      if (first < 0 || Compare(sets_[i]->At().labels, sets_[static_cast<size_t>(first)]->At().labels) < 0) {
        first = static_cast<int>(i);
      }
    }
    if (first < 0) return false;
    cur_.labels = sets_[static_cast<size_t>(first)]->At().labels;
    cur_.chunks.clear();
    int sources = 0;
    for (size_t i = 0; i < sets_.size(); i++) {
      if (!live_[i] || sets_[i]->At().labels != cur_.labels) continue;
      auto& c = sets_[i]->At().chunks;
      cur_.chunks.insert(cur_.chunks.end(), std::make_move_iterator(c.begin()), std::make_move_iterator(c.end()));
      sources++;
      Advance(i);
    }
    if (sources > 1) {
      if (absl::Status st = NormalizeChunks(&cur_.chunks, nullptr, false, kMinTime, kMaxTime); !st.ok()) {
        err_ = st;
        return false;
      }
    }
    return true;
  }
  SeriesChunks& At() override { return cur_; }
  absl::Status Err() const override {
    if (!err_.ok()) return err_;
    for (const auto& s : sets_) {
      if (absl::Status st = s->Err(); !st.ok()) return st;
    }
    return absl::OkStatus();
  }
  std::vector<std::string> Warnings() const override {
    std::vector<std::string> w;
    for (const auto& s : sets_) {
      auto x = s->Warnings();
      w.insert(w.end(), x.begin(), x.end());
    }
    return w;
  }

 private:
  void Advance(size_t i) { live_[i] = sets_[i]->Next(); }
  std::vector<std::unique_ptr<ChunkSeriesSet>> sets_;
  std::vector<bool> live_;
  SeriesChunks cur_;
  absl::Status err_;
};

class Adapter final : public SeriesSet {
 public:
  Adapter(std::unique_ptr<ChunkSeriesSet> s, Timestamp mint, Timestamp maxt) : s_(std::move(s)), mint_(mint), maxt_(maxt) {}
  bool Next() override {
    while (s_->Next()) {
      SeriesChunks& sc = s_->At();
      if (sc.chunks.empty()) continue;
      auto chunks = std::make_shared<std::vector<ChunkRef>>(std::move(sc.chunks));
      sc.chunks.clear();
      cur_ = std::make_unique<ChunkSeries>(sc.labels, std::move(chunks), mint_, maxt_);
      return true;
    }
    cur_.reset();
    return false;
  }
  const Series& At() const override { return *cur_; }
  absl::Status Err() const override { return s_->Err(); }
  std::vector<std::string> Warnings() const override { return s_->Warnings(); }

 private:
  std::unique_ptr<ChunkSeriesSet> s_;
  Timestamp mint_, maxt_;
  std::unique_ptr<ChunkSeries> cur_;
};

}  // namespace

std::unique_ptr<ChunkSeriesSet> VectorChunkSeriesSet(std::vector<SeriesChunks> series) {
  return std::make_unique<VectorSet>(std::move(series));
}

std::unique_ptr<ChunkSeriesSet> MergeChunkSeriesSets(std::vector<std::unique_ptr<ChunkSeriesSet>> sets) {
  if (sets.size() == 1) return std::move(sets[0]);
  return std::make_unique<MergeSet>(std::move(sets));
}

std::unique_ptr<SeriesSet> ToSeriesSet(std::unique_ptr<ChunkSeriesSet> set, Timestamp mint, Timestamp maxt) {
  return std::make_unique<Adapter>(std::move(set), mint, maxt);
}

absl::Status DecodeChunk(const ChunkRef& c, std::vector<Sample>* out) {
  chunkenc::XorIterator it(c.data, c.size);
  while (it.Next()) out->push_back(Sample{it.t(), it.v()});
  return it.err();
}

void EncodeChunks(std::span<const Sample> samples, std::vector<ChunkRef>* out, int per_chunk) {
  for (size_t i = 0; i < samples.size();) {
    size_t n = std::min(samples.size() - i, static_cast<size_t>(per_chunk));
    auto bytes = std::make_shared<std::vector<uint8_t>>();
    bytes->reserve(n * 2 + 16);
    auto app = chunkenc::XorAppender::New(bytes.get());
    for (size_t k = i; k < i + n; k++) app.Append(samples[k].t, samples[k].v);
    const std::vector<uint8_t>* b = bytes.get();
    out->push_back(ChunkRef{samples[i].t, samples[i + n - 1].t, std::move(bytes), b->data(), b->size()});
    i += n;
  }
}

absl::Status NormalizeChunks(std::vector<ChunkRef>* chunks, const tombstones::Intervals* deleted, bool clip,
                             Timestamp mint, Timestamp maxt) {
  auto& cs = *chunks;
  if (cs.empty()) return absl::OkStatus();
  if (!std::is_sorted(cs.begin(), cs.end(), [](const ChunkRef& a, const ChunkRef& b) { return a.mint < b.mint; })) {
    std::stable_sort(cs.begin(), cs.end(), [](const ChunkRef& a, const ChunkRef& b) { return a.mint < b.mint; });
  }
  bool has_deleted = deleted != nullptr && !deleted->empty();
  std::vector<ChunkRef> out;
  out.reserve(cs.size());
  std::vector<Sample> samples, merged;
  for (size_t i = 0; i < cs.size();) {
    size_t j = i + 1;
    Timestamp gmax = cs[i].maxt;
    while (j < cs.size() && cs[j].mint <= gmax) gmax = std::max(gmax, cs[j++].maxt);
    Timestamp gmin = cs[i].mint;
    bool single = j == i + 1;
    bool inside = !clip || (gmin >= mint && gmax <= maxt);
    bool touched = has_deleted && tombstones::Overlaps(*deleted, gmin, gmax);
    if (single && inside && !touched) {
      out.push_back(std::move(cs[i]));
      i = j;
      continue;
    }
    if (clip && (gmax < mint || gmin > maxt)) {
      i = j;
      continue;
    }
    if (has_deleted && tombstones::Covers(*deleted, gmin, gmax)) {
      i = j;
      continue;
    }
    merged.clear();
    for (size_t k = i; k < j; k++) {
      samples.clear();
      if (absl::Status st = DecodeChunk(cs[k], &samples); !st.ok()) return st;
      if (k == i) {
        merged.swap(samples);
        continue;
      }
      // Merge two time-ordered runs; on equal timestamps the earlier source wins.
      std::vector<Sample> m;
      m.reserve(merged.size() + samples.size());
      size_t a = 0, b = 0;
      while (a < merged.size() || b < samples.size()) {
        if (b == samples.size() || (a < merged.size() && merged[a].t <= samples[b].t)) {
          if (b < samples.size() && merged[a].t == samples[b].t) b++;
          m.push_back(merged[a++]);
        } else {
          m.push_back(samples[b++]);
        }
      }
      merged.swap(m);
    }
    size_t w = 0;
    for (const Sample& s : merged) {
      if (clip && (s.t < mint || s.t > maxt)) continue;
      if (has_deleted && tombstones::IsDeleted(*deleted, s.t)) continue;
      merged[w++] = s;
    }
    merged.resize(w);
    EncodeChunks(merged, &out);
    i = j;
  }
  cs.swap(out);
  return absl::OkStatus();
}

}  // namespace promlite::tsdb::blocks
