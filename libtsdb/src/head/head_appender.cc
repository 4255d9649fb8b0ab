// The head's Appender: validates and buffers samples; Commit hands the batch
// to Head::Commit, which logs it and makes it visible at once.
#include <bit>

#include "absl/strings/str_cat.h"
#include "head/head.h"

namespace promlite::tsdb::head {
namespace {

std::string Detail(const Head& head, MemSeries* s, Timestamp t) {
  return absl::StrCat("series ", head.LabelsOf(s).ToString(), ", timestamp ", t);
}

class HeadAppender final : public Appender {
 public:
  explicit HeadAppender(Head* head) : head_(head), min_valid_(head->MinValidTime()) {}
  ~HeadAppender() override { Rollback().IgnoreError(); }

  absl::StatusOr<SeriesRef> Append(SeriesRef ref, const Labels& lset, Timestamp t, double v) override {
    if (head_->closed()) return absl::FailedPreconditionError("DB is closed");
    // Registered before any series lookup of the batch: series the batch
    // points to are not freed until it is committed or rolled back.
    if (epoch_ == 0) epoch_ = head_->AcquireEpoch();
    MemSeries* s = ref != 0 ? head_->Series(ref) : nullptr;
    if (s == nullptr) {
      if (ref != 0 && lset.empty()) return ErrUnknownSeriesRef(absl::StrCat("ref ", ref));
      if (absl::Status st = lset.Validate(); !st.ok()) return st;
      bool created;
      s = head_->GetOrCreate(lset, &created);
      if (created) new_series_.push_back(s);
    }
    if (t < min_valid_) {
      head_->CountOutOfBounds();
      return ErrOutOfBounds(Detail(*head_, s, t));
    }
    // Checked again under the series lock at commit; this early check gives
    // the caller Prometheus' error for the common case.
    Timestamp last_t = s->last_t();
    if (t < last_t) return ErrOutOfOrderSample(Detail(*head_, s, t));
    if (t == last_t) {
      if (std::bit_cast<uint64_t>(v) != std::bit_cast<uint64_t>(s->last_v())) {
        return ErrDuplicateSampleForTimestamp(Detail(*head_, s, t));
      }
      return SeriesRef{s->id()};  // an exact repeat is accepted and dropped
    }
    // Within the batch, the previous sample of a series is usually the last
    // one buffered; anything older is caught at commit and counted.
    if (!samples_.empty() && samples_.back().series == s && t <= samples_.back().t) {
      if (t == samples_.back().t && std::bit_cast<uint64_t>(v) == std::bit_cast<uint64_t>(samples_.back().v)) {
        return SeriesRef{s->id()};
      }
      return t == samples_.back().t ? ErrDuplicateSampleForTimestamp(Detail(*head_, s, t))
                                    : ErrOutOfOrderSample(Detail(*head_, s, t));
    }
    samples_.push_back(SampleRef{s, t, v});
    return SeriesRef{s->id()};
  }

  absl::Status Commit() override {
    absl::Status st = head_->Commit(samples_, new_series_);
    samples_.clear();
    new_series_.clear();
    ReleaseEpoch();
    min_valid_ = head_->MinValidTime();
    return st;
  }

  absl::Status Rollback() override {
    samples_.clear();
    new_series_.clear();
    ReleaseEpoch();
    return absl::OkStatus();
  }

 private:
  void ReleaseEpoch() {
    if (epoch_ != 0) head_->ReleaseEpoch(epoch_);
    epoch_ = 0;
  }
  Head* head_;
  uint64_t epoch_ = 0;
  Timestamp min_valid_;
  std::vector<SampleRef> samples_;
  std::vector<MemSeries*> new_series_;
};

}  // namespace

std::unique_ptr<Appender> Head::NewAppender() { return std::make_unique<HeadAppender>(this); }

}  // namespace promlite::tsdb::head
