// Queries over the head: matchers -> postings -> series, each series
// snapshotted lazily (chunks shared, open chunk copied) at the querier's
// commit sequence so a concurrent commit is seen entirely or not at all.
#include <algorithm>

#include "head/head.h"
#include "querier/chunk_series.h"

namespace promlite::tsdb::head {
namespace {

struct Entry {
  MemSeries* series;
  Labels labels;  // filled upfront when sorting, lazily otherwise
};

class HeadSeriesSet final : public SeriesSet {
 public:
  HeadSeriesSet(const Head* head, uint64_t seq, Timestamp mint, Timestamp maxt, std::vector<Entry> entries)
      : head_(head), seq_(seq), mint_(mint), maxt_(maxt), entries_(std::move(entries)) {}

  bool Next() override {
    while (pos_ < entries_.size()) {
      Entry& e = entries_[pos_++];
      std::vector<ChunkSnapshot> snaps;
      Timestamp maxt;
      {
        std::lock_guard<SpinLock> l(e.series->mu());
        maxt = std::min(maxt_, e.series->VisibleMaxTime(seq_));
        if (maxt < mint_) continue;
        e.series->Snapshot(mint_, maxt, &snaps);
      }
      if (snaps.empty()) continue;
      auto chunks = std::make_shared<std::vector<ChunkRef>>();
      chunks->reserve(snaps.size());
      for (auto& s : snaps) {
        const std::vector<uint8_t>* b = s.bytes.get();
        chunks->push_back(ChunkRef{s.mint, s.maxt, std::move(s.bytes), b->data(), b->size()});
      }
      if (e.labels.empty()) e.labels = head_->LabelsOf(e.series);
      cur_ = std::make_unique<ChunkSeries>(std::move(e.labels), std::move(chunks), mint_, maxt);
      return true;
    }
    cur_.reset();
    return false;
  }

  const Series& At() const override { return *cur_; }

 private:
  const Head* head_;
  uint64_t seq_;
  Timestamp mint_, maxt_;
  std::vector<Entry> entries_;
  size_t pos_ = 0;
  std::unique_ptr<ChunkSeries> cur_;
};

class HeadQuerier final : public Querier {
 public:
  HeadQuerier(Head* head, Timestamp mint, Timestamp maxt)
      : head_(head), mint_(mint), maxt_(maxt), seq_(head->AcquireReadSeq()) {}
  ~HeadQuerier() override { head_->ReleaseReadSeq(seq_); }

  std::unique_ptr<SeriesSet> Select(bool sorted, const SelectHints* hints,
                                    const std::vector<Matcher>& matchers) override {
    Timestamp mint = mint_, maxt = maxt_;
    if (hints) {
      mint = std::max(mint, hints->start);
      maxt = std::min(maxt, hints->end);
    }
    Postings ids = head_->SelectIds(matchers);
    std::vector<Entry> entries;
    entries.reserve(ids.size());
    for (uint32_t id : ids) {
      if (MemSeries* s = head_->Series(id)) entries.push_back(Entry{s, sorted ? head_->LabelsOf(s) : Labels()});
    }
    if (sorted) {
      std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.labels < b.labels; });
    }
    return std::make_unique<HeadSeriesSet>(head_, seq_, mint, maxt, std::move(entries));
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
  uint64_t seq_;
};

}  // namespace

std::unique_ptr<Querier> Head::NewQuerier(Timestamp mint, Timestamp maxt) {
  return std::make_unique<HeadQuerier>(this, mint, maxt);
}

}  // namespace promlite::tsdb::head
