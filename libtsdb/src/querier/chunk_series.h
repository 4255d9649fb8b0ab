// A series backed by a list of XOR chunks, and its sample iterator. Used for
// head snapshots; block readers produce the same shape.
#pragma once

#include <memory>
#include <vector>

#include "chunkenc/xor.h"
#include "promlite/tsdb/storage.h"

namespace promlite::tsdb {

// One chunk of a series. `bytes` keeps the memory alive (a shared chunk, a
// private copy or a reference to a mapped file).
struct ChunkRef {
  Timestamp mint;
  Timestamp maxt;
  std::shared_ptr<const void> owner;
  const uint8_t* data;
  size_t size;
};

// Iterates the samples of time-ordered, non-overlapping chunks, restricted to
// [mint, maxt].
class ChunkSeriesIterator final : public SampleIterator {
 public:
  ChunkSeriesIterator(std::shared_ptr<const std::vector<ChunkRef>> chunks, Timestamp mint, Timestamp maxt)
      : chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}

  bool Next() override;
  bool Seek(Timestamp t) override;
  Timestamp AtT() const override { return it_.t(); }
  double AtV() const override { return it_.v(); }
  absl::Status Err() const override { return err_; }
  void ReadUntil(Timestamp maxt, std::vector<Sample>* out) override;

 private:
  bool OpenChunk(size_t i);

  std::shared_ptr<const std::vector<ChunkRef>> chunks_;
  Timestamp mint_, maxt_;
  size_t ci_ = 0;
  bool opened_ = false;  // it_ holds chunk ci_
  bool done_ = false;
  bool valid_ = false;   // positioned on a sample
  chunkenc::XorIterator it_;
  absl::Status err_;
};

class ChunkSeries final : public Series {
 public:
  ChunkSeries(Labels lset, std::shared_ptr<const std::vector<ChunkRef>> chunks, Timestamp mint, Timestamp maxt)
      : lset_(std::move(lset)), chunks_(std::move(chunks)), mint_(mint), maxt_(maxt) {}
  const Labels& labels() const override { return lset_; }
  std::unique_ptr<SampleIterator> Iterator() const override {
    return std::make_unique<ChunkSeriesIterator>(chunks_, mint_, maxt_);
  }

 private:
  Labels lset_;
  std::shared_ptr<const std::vector<ChunkRef>> chunks_;
  Timestamp mint_, maxt_;
};

}  // namespace promlite::tsdb
