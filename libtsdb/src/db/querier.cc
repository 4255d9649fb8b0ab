#include "db/querier.h"

#include <algorithm>

#include "blocks/series_set.h"

namespace promlite::tsdb {
namespace {

class DBQuerier final : public Querier {
 public:
  DBQuerier(head::Head* head, std::vector<std::shared_ptr<block::Block>> blocks, Timestamp mint, Timestamp maxt)
      : head_(head), blocks_(std::move(blocks)), mint_(mint), maxt_(maxt), epoch_(head->AcquireEpoch()),
        seq_(head->AcquireReadSeq()) {}
  ~DBQuerier() override {
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
    std::vector<const block::Block*> bs;
    for (const auto& b : blocks_) {
      if (b->Overlaps(mint, maxt)) bs.push_back(b.get());
    }
    bool use_head = HeadOverlaps(mint, maxt);
    if (bs.empty()) {
      if (!use_head) return EmptySeriesSet();
      return blocks::ToSeriesSet(head_->SelectChunks(seq_, sorted, mint, maxt, matchers), mint, maxt);
    }
    std::vector<std::unique_ptr<blocks::ChunkSeriesSet>> sets;
    for (const block::Block* b : bs) sets.push_back(b->Select(matchers, mint, maxt, false));
    if (use_head) sets.push_back(head_->SelectChunks(seq_, true, mint, maxt, matchers));
    return blocks::ToSeriesSet(blocks::MergeChunkSeriesSets(std::move(sets)), mint, maxt);
  }

  absl::StatusOr<std::vector<std::string>> LabelValues(std::string_view name,
                                                       const std::vector<Matcher>& matchers) override {
    std::vector<std::string> out;
    if (HeadOverlaps(mint_, maxt_)) out = head_->LabelValues(name, matchers);
    for (const auto& b : blocks_) {
      if (!b->Overlaps(mint_, maxt_)) continue;
      auto v = b->LabelValues(name, matchers);
      if (!v.ok()) return v.status();
      Union(&out, *v);
    }
    return out;
  }

  absl::StatusOr<std::vector<std::string>> LabelNames(const std::vector<Matcher>& matchers) override {
    std::vector<std::string> out;
    if (HeadOverlaps(mint_, maxt_)) out = head_->LabelNames(matchers);
    for (const auto& b : blocks_) {
      if (!b->Overlaps(mint_, maxt_)) continue;
      auto v = b->LabelNames(matchers);
      if (!v.ok()) return v.status();
      Union(&out, *v);
    }
    return out;
  }

 private:
  bool HeadOverlaps(Timestamp mint, Timestamp maxt) const {
    Timestamp hmin = head_->MinTime(), hmax = head_->MaxTime();
    if (hmin == kMaxTime || hmax == kMinTime) return false;
    return hmin <= maxt && mint <= hmax;
  }
  static void Union(std::vector<std::string>* a, const std::vector<std::string>& b) {
    std::vector<std::string> out;
    out.reserve(a->size() + b.size());
    std::set_union(a->begin(), a->end(), b.begin(), b.end(), std::back_inserter(out));
    a->swap(out);
  }

  head::Head* head_;
  std::vector<std::shared_ptr<block::Block>> blocks_;
  Timestamp mint_, maxt_;
  uint64_t epoch_;
  uint64_t seq_;
};

}  // namespace

std::unique_ptr<Querier> NewDBQuerier(head::Head* head, std::vector<std::shared_ptr<block::Block>> blocks,
                                      Timestamp mint, Timestamp maxt) {
  return std::make_unique<DBQuerier>(head, std::move(blocks), mint, maxt);
}

}  // namespace promlite::tsdb
