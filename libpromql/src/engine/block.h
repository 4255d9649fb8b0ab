// The evaluator's intermediate values.
//
// An instant-vector or scalar expression is evaluated over all steps of a
// query at once into a Block: one row per series, holding one value slot and
// one presence byte per step of the row's span — the steps from its first
// to its last value — in two flat arrays. Operators work a series (row) at
// a time over contiguous memory instead of rebuilding a vector of samples
// at every step, and a series that exists for a few steps of a long range
// costs only those steps. A scalar is a Block with one unlabelled row that
// has a value at every step.
//
// Range-vector values (a matrix selector evaluated at the top of an instant
// query, or a subquery) are RangeRows: a series with its raw points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/sample.h"

namespace promlite::promql::engine {

struct RowMeta {
  tsdb::Labels metric;
  // Set by operations after which Prometheus drops the metric name; with
  // delayed name removal the name is kept until the end of the query.
  bool drop_name = false;
};

class Block {
 public:
  Block() = default;
  explicit Block(int steps) : steps_(steps) {}

  // A scalar: one unlabelled row with `v` at every step.
  static Block Scalar(int steps, double v);

  int steps() const { return steps_; }
  size_t rows() const { return meta_.size(); }
  bool empty() const { return meta_.empty(); }

  void Reserve(size_t rows, size_t slots);
  // Adds a row spanning steps [lo, hi) (all steps by default) with no
  // values; returns its index.
  size_t AddRow(tsdb::Labels metric, bool drop_name);
  size_t AddRow(tsdb::Labels metric, bool drop_name, int lo, int hi);
  // Adds a row from per-step arrays of length steps(), trimmed to the steps
  // with values. Adds nothing (and returns false) when there are none.
  bool AddDenseRow(tsdb::Labels metric, bool drop_name, const double* v, const uint8_t* h);
  // Copies row `r` of `other` (which must have the same number of steps).
  size_t AddRowFrom(const Block& other, size_t r);
  // Moves all rows of `other` (same number of steps) to the end.
  void Append(Block&& other);

  RowMeta& meta(size_t r) { return meta_[r]; }
  const RowMeta& meta(size_t r) const { return meta_[r]; }
  // The row's span: steps [lo, hi).
  int lo(size_t r) const { return span_[r].lo; }
  int hi(size_t r) const { return span_[r].hi; }
  // Values and presence of the span; index 0 is step lo(r).
  double* val(size_t r) { return vals_.data() + span_[r].off; }
  const double* val(size_t r) const { return vals_.data() + span_[r].off; }
  uint8_t* has(size_t r) { return has_.data() + span_[r].off; }
  const uint8_t* has(size_t r) const { return has_.data() + span_[r].off; }

  bool Has(size_t r, int step) const {
    const Span& s = span_[r];
    return step >= s.lo && step < s.hi && has_[s.off + (step - s.lo)] != 0;
  }
  double Get(size_t r, int step) const { return vals_[span_[r].off + (step - span_[r].lo)]; }
  // `step` must lie in the row's span (see Widen).
  void Set(size_t r, int step, double v) {
    size_t i = span_[r].off + (step - span_[r].lo);
    vals_[i] = v;
    has_[i] = 1;
  }
  void Unset(size_t r, int step) {
    if (step >= span_[r].lo && step < span_[r].hi) has_[span_[r].off + (step - span_[r].lo)] = 0;
  }
  // Grows row r's span to include [lo, hi).
  void Widen(size_t r, int lo, int hi);

  int64_t RowPoints(size_t r) const;
  int64_t Points() const;
  // Removes rows without any value, keeping the order of the others.
  void DropEmptyRows();
  // Keeps only the rows for which keep[r] is true, in order.
  void KeepRows(const std::vector<uint8_t>& keep);

 private:
  struct Span {
    int lo = 0, hi = 0;
    size_t off = 0;
  };
  int steps_ = 1;
  std::vector<RowMeta> meta_;
  std::vector<Span> span_;
  std::vector<double> vals_;
  std::vector<uint8_t> has_;
};

// Collects values of rows step by step, in any order, and then builds a
// Block whose rows span only the steps they have values at.
class SparseRows {
 public:
  explicit SparseRows(int steps) : steps_(steps) {}
  size_t AddRow(tsdb::Labels metric, bool drop_name);
  size_t rows() const { return meta_.size(); }
  RowMeta& meta(size_t r) { return meta_[r]; }
  const RowMeta& meta(size_t r) const { return meta_[r]; }
  // Steps must be added in increasing order per row.
  void Set(size_t r, int step, double v) { pts_[r].emplace_back(step, v); }
  bool HasStep(size_t r, int step) const { return !pts_[r].empty() && pts_[r].back().first == step; }
  int64_t Points() const;
  // Rows without values are left out.
  Block Build() &&;

 private:
  int steps_;
  std::vector<RowMeta> meta_;
  std::vector<std::vector<std::pair<int, double>>> pts_;
};

// One series of a range vector with its points in time order.
struct RangeRow {
  tsdb::Labels metric;
  bool drop_name = false;
  std::vector<tsdb::Sample> pts;
};
using RangeBlock = std::vector<RangeRow>;

// A string value (only string literals produce one).
struct StringValue {
  std::string v;
};

using Value = std::variant<Block, RangeBlock, StringValue>;

}  // namespace promlite::promql::engine
