// The evaluator's intermediate values.
//
// An instant-vector or scalar expression is evaluated over all steps of a
// query at once into a Block: one row per series, one slot per step, stored
// row-major in two flat arrays (values and presence). Operators then work a
// series (row) at a time over contiguous memory instead of rebuilding a
// vector of samples at every step. A scalar is a Block with one unlabelled
// row that has a value at every step.
//
// Range-vector values (a matrix selector evaluated at the top of an instant
// query, or a subquery) are RangeRows: a series with its raw points.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
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

  void Reserve(size_t rows);
  // Adds a row with no values; returns its index.
  size_t AddRow(tsdb::Labels metric, bool drop_name);
  // Copies row `r` of `other` (which must have the same number of steps).
  size_t AddRowFrom(const Block& other, size_t r);

  RowMeta& meta(size_t r) { return meta_[r]; }
  const RowMeta& meta(size_t r) const { return meta_[r]; }
  double* val(size_t r) { return vals_.data() + r * steps_; }
  const double* val(size_t r) const { return vals_.data() + r * steps_; }
  uint8_t* has(size_t r) { return has_.data() + r * steps_; }
  const uint8_t* has(size_t r) const { return has_.data() + r * steps_; }

  void Set(size_t r, int step, double v) {
    vals_[r * steps_ + step] = v;
    has_[r * steps_ + step] = 1;
  }
  bool Has(size_t r, int step) const { return has_[r * steps_ + step] != 0; }
  double Get(size_t r, int step) const { return vals_[r * steps_ + step]; }

  int64_t RowPoints(size_t r) const;
  int64_t Points() const;
  // Removes rows without any value, keeping the order of the others.
  void DropEmptyRows();
  // Keeps only the rows for which keep[r] is true, in order.
  void KeepRows(const std::vector<uint8_t>& keep);

 private:
  int steps_ = 1;
  std::vector<RowMeta> meta_;
  std::vector<double> vals_;
  std::vector<uint8_t> has_;
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
