#include "engine/block.h"

#include <algorithm>
#include <utility>

namespace promlite::promql::engine {

Block Block::Scalar(int steps, double v) {
  Block b(steps);
  size_t r = b.AddRow(tsdb::Labels(), false);
  std::fill(b.val(r), b.val(r) + steps, v);
  std::fill(b.has(r), b.has(r) + steps, 1);
  return b;
}

void Block::Reserve(size_t rows, size_t slots) {
  meta_.reserve(rows);
  span_.reserve(rows);
  vals_.reserve(slots);
  has_.reserve(slots);
}

size_t Block::AddRow(tsdb::Labels metric, bool drop_name) { return AddRow(std::move(metric), drop_name, 0, steps_); }

size_t Block::AddRow(tsdb::Labels metric, bool drop_name, int lo, int hi) {
  if (hi < lo) hi = lo;
  meta_.push_back(RowMeta{std::move(metric), drop_name});
  span_.push_back(Span{lo, hi, vals_.size()});
  vals_.resize(vals_.size() + (hi - lo), 0.0);
  has_.resize(has_.size() + (hi - lo), 0);
  return meta_.size() - 1;
}

bool Block::AddDenseRow(tsdb::Labels metric, bool drop_name, const double* v, const uint8_t* h) {
  int lo = 0, hi = steps_;
  while (lo < hi && !h[lo]) lo++;
  while (hi > lo && !h[hi - 1]) hi--;
  if (lo == hi) return false;
  size_t r = AddRow(std::move(metric), drop_name, lo, hi);
  std::copy(v + lo, v + hi, val(r));
  std::copy(h + lo, h + hi, has(r));
  return true;
}

size_t Block::AddRowFrom(const Block& other, size_t r) {
  size_t n = AddRow(other.meta(r).metric, other.meta(r).drop_name, other.lo(r), other.hi(r));
  std::copy(other.val(r), other.val(r) + (other.hi(r) - other.lo(r)), val(n));
  std::copy(other.has(r), other.has(r) + (other.hi(r) - other.lo(r)), has(n));
  return n;
}

void Block::Append(Block&& other) {
  size_t base = vals_.size();
  for (size_t r = 0; r < other.rows(); r++) {
    meta_.push_back(std::move(other.meta_[r]));
    Span s = other.span_[r];
    s.off += base;
    span_.push_back(s);
  }
  vals_.insert(vals_.end(), other.vals_.begin(), other.vals_.end());
  has_.insert(has_.end(), other.has_.begin(), other.has_.end());
  other = Block(steps_);
}

void Block::Widen(size_t r, int lo, int hi) {
  Span& s = span_[r];
  if (lo >= s.lo && hi <= s.hi) return;
  int nlo = std::min(lo, s.lo), nhi = std::max(hi, s.hi);
  size_t off = vals_.size();
  vals_.resize(off + (nhi - nlo), 0.0);
  has_.resize(off + (nhi - nlo), 0);
  // The old slots stay unused in the arena until the next KeepRows.
  std::copy(vals_.begin() + s.off, vals_.begin() + s.off + (s.hi - s.lo), vals_.begin() + off + (s.lo - nlo));
  std::copy(has_.begin() + s.off, has_.begin() + s.off + (s.hi - s.lo), has_.begin() + off + (s.lo - nlo));
  s = Span{nlo, nhi, off};
}

int64_t Block::RowPoints(size_t r) const {
  const uint8_t* h = has(r);
  int64_t n = 0;
  for (int i = 0, e = hi(r) - lo(r); i < e; i++) n += h[i];
  return n;
}

int64_t Block::Points() const {
  int64_t n = 0;
  for (size_t r = 0; r < rows(); r++) n += RowPoints(r);
  return n;
}

void Block::DropEmptyRows() {
  std::vector<uint8_t> keep(rows());
  bool all = true;
  for (size_t r = 0; r < rows(); r++) {
    keep[r] = RowPoints(r) > 0;
    all = all && keep[r];
  }
  if (!all) KeepRows(keep);
}

void Block::KeepRows(const std::vector<uint8_t>& keep) {
  std::vector<double> vals;
  std::vector<uint8_t> has;
  size_t dst = 0;
  for (size_t r = 0; r < rows(); r++) {
    if (!keep[r]) continue;
    Span s = span_[r];
    size_t off = vals.size();
    vals.insert(vals.end(), vals_.begin() + s.off, vals_.begin() + s.off + (s.hi - s.lo));
    has.insert(has.end(), has_.begin() + s.off, has_.begin() + s.off + (s.hi - s.lo));
    meta_[dst] = std::move(meta_[r]);
    span_[dst] = Span{s.lo, s.hi, off};
    dst++;
  }
  meta_.resize(dst);
  span_.resize(dst);
  vals_ = std::move(vals);
  has_ = std::move(has);
}

size_t SparseRows::AddRow(tsdb::Labels metric, bool drop_name) {
  meta_.push_back(RowMeta{std::move(metric), drop_name});
  pts_.emplace_back();
  return meta_.size() - 1;
}

int64_t SparseRows::Points() const {
  int64_t n = 0;
  for (const auto& p : pts_) n += static_cast<int64_t>(p.size());
  return n;
}

Block SparseRows::Build() && {
  Block b(steps_);
  size_t slots = 0, rows = 0;
  for (const auto& p : pts_) {
    if (p.empty()) continue;
    slots += p.back().first - p.front().first + 1;
    rows++;
  }
  b.Reserve(rows, slots);
  for (size_t r = 0; r < meta_.size(); r++) {
    const auto& p = pts_[r];
    if (p.empty()) continue;
    size_t n = b.AddRow(std::move(meta_[r].metric), meta_[r].drop_name, p.front().first, p.back().first + 1);
    for (const auto& [step, v] : p) b.Set(n, step, v);
    std::vector<std::pair<int, double>>().swap(pts_[r]);
  }
  return b;
}

}  // namespace promlite::promql::engine
