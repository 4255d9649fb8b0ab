// Queries over the head: matchers -> postings -> series, each series
// snapshotted lazily (chunks shared, open chunk copied) at the querier's
// commit sequence so a concurrent commit is seen entirely or not at all.
// Also the range view a head compaction writes into a block.
#include <algorithm>

#include "blocks/series_set.h"
#include "head/head.h"
#include "querier/chunk_series.h"

namespace promlite::tsdb::head {
namespace {

struct Entry {
  MemSeries* series;
  Labels labels;  // filled upfront when sorting, lazily otherwise
};

// Label order computed from symbol strings, without building Labels.
bool LessBySymbols(const SymbolTable& st, const MemSeries* a, const MemSeries* b) {
  uint16_t n = std::min(a->num_labels(), b->num_labels());
  for (uint16_t i = 0; i < n; i++) {
    for (int k = 0; k < 2; k++) {
      uint32_t x = a->syms()[2 * i + k], y = b->syms()[2 * i + k];
      if (x == y) continue;
      int c = st.Lookup(x).compare(st.Lookup(y));
      if (c != 0) return c < 0;
    }
  }
  return a->num_labels() < b->num_labels();
}

// Drops samples after `maxt` from the last chunk (a commit that became
// visible after the querier's snapshot point).
void CutAfter(std::vector<ChunkRef>* chunks, Timestamp maxt) {
  while (!chunks->empty() && chunks->back().mint > maxt) chunks->pop_back();
  if (chunks->empty() || chunks->back().maxt <= maxt) return;
  std::vector<ChunkRef> last{std::move(chunks->back())};
  chunks->pop_back();
  if (blocks::NormalizeChunks(&last, nullptr, true, kMinTime, maxt).ok()) {
    for (auto& c : last) chunks->push_back(std::move(c));
  }
}

void ToRefs(std::vector<ChunkSnapshot>& snaps, std::vector<ChunkRef>* out) {
  out->clear();
  out->reserve(snaps.size());
  for (auto& s : snaps) out->push_back(ChunkRef{s.mint, s.maxt, std::move(s.owner), s.data, s.size});
}

class HeadChunkSet final : public blocks::ChunkSeriesSet {
 public:
  HeadChunkSet(const Head* head, uint64_t seq, Timestamp mint, Timestamp maxt, std::vector<Entry> entries)
      : head_(head), seq_(seq), mint_(mint), maxt_(maxt), entries_(std::move(entries)), stones_(head->Tombstones()) {}

  bool Next() override {
    while (pos_ < entries_.size()) {
      Entry& e = entries_[pos_++];
      Timestamp maxt;
      snaps_.clear();
      {
        std::lock_guard<SpinLock> l(e.series->mu());
        maxt = std::min(maxt_, e.series->VisibleMaxTime(seq_));
        if (maxt < mint_) continue;
        e.series->Snapshot(mint_, maxt, &snaps_, head_->chunk_files());
      }
      if (snaps_.empty()) continue;
      ToRefs(snaps_, &cur_.chunks);
      CutAfter(&cur_.chunks, maxt);
      if (const tombstones::Intervals* del = stones_->Get(e.series->id())) {
        if (!blocks::NormalizeChunks(&cur_.chunks, del, false, mint_, maxt).ok()) continue;
      }
      if (cur_.chunks.empty()) continue;
      cur_.labels = e.labels.empty() ? head_->LabelsOf(e.series) : std::move(e.labels);
      return true;
    }
    return false;
  }
  blocks::SeriesChunks& At() override { return cur_; }

 private:
  const Head* head_;
  uint64_t seq_;
  Timestamp mint_, maxt_;
  std::vector<Entry> entries_;
  size_t pos_ = 0;
  std::shared_ptr<const tombstones::Tombstones> stones_;
  std::vector<ChunkSnapshot> snaps_;
  blocks::SeriesChunks cur_;
};

class RangeSet final : public blocks::ChunkSeriesSet {
 public:
  RangeSet(const Head* head, Timestamp mint, Timestamp maxt, std::vector<MemSeries*> series)
      : head_(head), mint_(mint), maxt_(maxt), series_(std::move(series)), stones_(head->Tombstones()) {}

  bool Next() override {
    while (pos_ < series_.size()) {
      MemSeries* s = series_[pos_++];
      snaps_.clear();
      {
        std::lock_guard<SpinLock> l(s->mu());
        s->Snapshot(mint_, maxt_, &snaps_, head_->chunk_files());
      }
      if (snaps_.empty()) continue;
      ToRefs(snaps_, &cur_.chunks);
      if (absl::Status st = blocks::NormalizeChunks(&cur_.chunks, stones_->Get(s->id()), true, mint_, maxt_);
          !st.ok()) {
        err_ = st;
        return false;
      }
      if (cur_.chunks.empty()) continue;
      cur_.labels = head_->LabelsOf(s);
      return true;
    }
    return false;
  }
  blocks::SeriesChunks& At() override { return cur_; }
  absl::Status Err() const override { return err_; }

 private:
  const Head* head_;
  Timestamp mint_, maxt_;
  std::vector<MemSeries*> series_;
  size_t pos_ = 0;
  std::shared_ptr<const tombstones::Tombstones> stones_;
  std::vector<ChunkSnapshot> snaps_;
  blocks::SeriesChunks cur_;
  absl::Status err_;
};

class HeadQuerier final : public Querier {
 public:
  HeadQuerier(Head* head, Timestamp mint, Timestamp maxt)
      : head_(head), mint_(mint), maxt_(maxt), epoch_(head->AcquireEpoch()), seq_(head->AcquireReadSeq()) {}
  ~HeadQuerier() override {
    head_->ReleaseReadSeq(seq_);
    head_->ReleaseEpoch(epoch_);
  }

  std::unique_ptr<SeriesSet> Select(bool sorted, const SelectHints* hints,
                                    const std::vector<Matcher>& matchers) override {
    Timestamp mint = mint_, maxt = maxt_;
    if (hints) {
      mint = std::max(mint, hints->start);
      maxt = std::min(maxt, hints->end);
    }
    return blocks::ToSeriesSet(head_->SelectChunks(seq_, sorted, mint, maxt, matchers), mint, maxt);
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       const std::vector<Matcher>& matchers) override {
    return head_->LabelValues(name, matchers);
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers) override {
    return head_->LabelNames(matchers);
  }

 private:
  Head* head_;
  Timestamp mint_, maxt_;
  uint64_t epoch_;
  uint64_t seq_;
};

}  // namespace

std::unique_ptr<blocks::ChunkSeriesSet> Head::SelectChunks(uint64_t seq, bool sorted, Timestamp mint, Timestamp maxt,
                                                           const std::vector<Matcher>& matchers) {
  Postings ids = SelectIds(matchers);
  std::vector<Entry> entries;
  entries.reserve(ids.size());
  for (uint32_t id : ids) {
    if (MemSeries* s = Series(id)) entries.push_back(Entry{s, Labels()});
  }
  if (sorted) {
    std::sort(entries.begin(), entries.end(),
              [this](const Entry& a, const Entry& b) { return LessBySymbols(symbols_, a.series, b.series); });
  }
  return std::make_unique<HeadChunkSet>(this, seq, mint, maxt, std::move(entries));
}

std::unique_ptr<blocks::ChunkSeriesSet> Head::RangeSeries(Timestamp mint, Timestamp maxt,
                                                          std::vector<std::string>* symbols) {
  std::vector<MemSeries*> series;
  uint32_t max_id = MaxSeriesId();
  std::vector<bool> used(symbols_.size() + 1);
  for (uint32_t id = 1; id <= max_id; id++) {
    MemSeries* s = Series(id);
    if (s == nullptr) continue;
    series.push_back(s);
    for (uint16_t i = 0; i < 2 * s->num_labels(); i++) {
      uint32_t sym = s->syms()[i];
      if (sym >= used.size()) used.resize(sym + 1);
      used[sym] = true;
    }
  }
  std::sort(series.begin(), series.end(),
            [this](const MemSeries* a, const MemSeries* b) { return LessBySymbols(symbols_, a, b); });
  symbols->clear();
  for (uint32_t i = 0; i < used.size(); i++) {
    if (used[i]) symbols->emplace_back(symbols_.Lookup(i));
  }
  std::sort(symbols->begin(), symbols->end());
  symbols->erase(std::unique(symbols->begin(), symbols->end()), symbols->end());
  return std::make_unique<RangeSet>(this, mint, maxt, std::move(series));
}

std::unique_ptr<Querier> Head::NewQuerier(Timestamp mint, Timestamp maxt) {
  return std::make_unique<HeadQuerier>(this, mint, maxt);
}

}  // namespace promlite::tsdb::head
