#include "engine/block.h"

#include <utility>

namespace promlite::promql::engine {

Block Block::Scalar(int steps, double v) {
  Block b(steps);
  size_t r = b.AddRow(tsdb::Labels(), false);
  double* vals = b.val(r);
  uint8_t* has = b.has(r);
  for (int i = 0; i < steps; i++) {
    vals[i] = v;
    has[i] = 1;
  }
  return b;
}

void Block::Reserve(size_t rows) {
  meta_.reserve(rows);
  vals_.reserve(rows * steps_);
  has_.reserve(rows * steps_);
}

size_t Block::AddRow(tsdb::Labels metric, bool drop_name) {
  meta_.push_back(RowMeta{std::move(metric), drop_name});
  vals_.resize(vals_.size() + steps_, 0.0);
  has_.resize(has_.size() + steps_, 0);
  return meta_.size() - 1;
}

size_t Block::AddRowFrom(const Block& other, size_t r) {
  size_t n = AddRow(other.meta(r).metric, other.meta(r).drop_name);
  const double* sv = other.val(r);
  const uint8_t* sh = other.has(r);
  std::copy(sv, sv + steps_, val(n));
  std::copy(sh, sh + steps_, has(n));
  return n;
}

int64_t Block::RowPoints(size_t r) const {
  const uint8_t* h = has(r);
  int64_t n = 0;
  for (int i = 0; i < steps_; i++) n += h[i];
  return n;
}

int64_t Block::Points() const {
  int64_t n = 0;
  for (uint8_t h : has_) n += h;
  return n;
}

void Block::DropEmptyRows() {
  std::vector<uint8_t> keep(rows());
  for (size_t r = 0; r < rows(); r++) keep[r] = RowPoints(r) > 0;
  KeepRows(keep);
}

void Block::KeepRows(const std::vector<uint8_t>& keep) {
  size_t dst = 0;
  for (size_t r = 0; r < rows(); r++) {
    if (!keep[r]) continue;
    if (dst != r) {
      meta_[dst] = std::move(meta_[r]);
      std::copy(vals_.begin() + r * steps_, vals_.begin() + (r + 1) * steps_, vals_.begin() + dst * steps_);
      std::copy(has_.begin() + r * steps_, has_.begin() + (r + 1) * steps_, has_.begin() + dst * steps_);
    }
    dst++;
  }
  meta_.resize(dst);
  vals_.resize(dst * steps_);
  has_.resize(dst * steps_);
}

}  // namespace promlite::promql::engine
