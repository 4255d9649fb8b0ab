#include "querier/chunk_series.h"

#include "absl/strings/str_cat.h"

namespace promlite::tsdb {

bool ChunkSeriesIterator::OpenChunk(size_t i) {
  const ChunkRef& c = (*chunks_)[i];
  it_.Reset(c.data, c.size);
  opened_ = true;
  ci_ = i;
  return true;
}

bool ChunkSeriesIterator::Next() {
  if (done_) return false;
  for (;;) {
    if (!opened_) {
      // Skip chunks that end before the range.
      while (ci_ < chunks_->size() && (*chunks_)[ci_].maxt < mint_) ci_++;
      if (ci_ >= chunks_->size() || (*chunks_)[ci_].mint > maxt_) {
        done_ = true;
        valid_ = false;
        return false;
      }
      OpenChunk(ci_);
    }
    if (it_.Next()) {
      Timestamp t = it_.t();
      if (t < mint_) continue;
      if (t > maxt_) {
        done_ = true;
        valid_ = false;
        return false;
      }
      valid_ = true;
      return true;
    }
    if (!it_.err().ok()) {
      err_ = absl::DataLossError(absl::StrCat("chunk ", ci_, ": ", it_.err().message()));
      done_ = true;
      valid_ = false;
      return false;
    }
    opened_ = false;
    ci_++;
  }
}

bool ChunkSeriesIterator::Seek(Timestamp t) {
  if (done_) return false;
  if (valid_ && it_.t() >= t) return true;
  if (t < mint_) t = mint_;
  // Jump over whole chunks that end before t.
  size_t target = ci_;
  while (target < chunks_->size() && (*chunks_)[target].maxt < t) target++;
  if (target != ci_ || !opened_) {
    if (target >= chunks_->size()) {
      done_ = true;
      valid_ = false;
      return false;
    }
    ci_ = target;
    opened_ = false;
  }
  while (Next()) {
    if (it_.t() >= t) return true;
  }
  return false;
}

void ChunkSeriesIterator::ReadUntil(Timestamp maxt, std::vector<Sample>* out) {
  if (maxt > maxt_) maxt = maxt_;
  // Finish the current position sample by sample up to the chunk boundary,
  // then decode whole chunks in batches.
  if (valid_) valid_ = false;
  while (!done_) {
    if (!opened_) {
      while (ci_ < chunks_->size() && (*chunks_)[ci_].maxt < mint_) ci_++;
      if (ci_ >= chunks_->size() || (*chunks_)[ci_].mint > maxt) {
        done_ = true;
        return;
      }
      OpenChunk(ci_);
      if ((*chunks_)[ci_].mint < mint_) {
        // The range starts inside this chunk: skip to it first.
        bool found = false;
        while (it_.Next()) {
          if (it_.t() >= mint_) {
            found = true;
            break;
          }
        }
        if (!found) {
          if (!it_.err().ok()) {
            err_ = absl::DataLossError(absl::StrCat("chunk ", ci_, ": ", it_.err().message()));
            done_ = true;
            return;
          }
          opened_ = false;
          ci_++;
          continue;
        }
        if (it_.t() > maxt) {
          done_ = true;
          return;
        }
        out->push_back(Sample{it_.t(), it_.v()});
      }
    }
    size_t before = out->size();
    it_.ReadUntil(maxt, out);
    (void)before;
    if (!it_.err().ok()) {
      err_ = absl::DataLossError(absl::StrCat("chunk ", ci_, ": ", it_.err().message()));
      done_ = true;
      return;
    }
    // ReadUntil stops either at the end of the chunk or past maxt.
    if (it_.t() > maxt) {
      done_ = true;
      return;
    }
    opened_ = false;
    ci_++;
  }
}

}  // namespace promlite::tsdb
