// Assembles the rows of an operation that produces its output step by
// step with possibly new label sets, with the rules of Prometheus'
// rangeEval: over a range, one row per label set and an error when two
// values land on one row at one step; for a single step, rows in output
// order (duplicates are checked at the end of the query, or here without
// delayed name removal).
#pragma once

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/block.h"
#include "engine/evaluator.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {

inline absl::Status SameLabelset() { return ExecutionError("vector cannot contain metrics with the same labelset"); }

// Collects the output of each step and assembles rows: one row per label
// set over a range (two values at one step are an error), rows in output
// order for a single step.
class OutputRows {
 public:
  // `keyed` forces one row per label set even for a single step (for
  // operations that never allow duplicate label sets).
  explicit OutputRows(Evaluator& ev, bool keyed = false) : ev_(ev), out_(ev.steps()), keyed_(keyed) {}

  // The slot of a label set (a distinct output series).
  int Slot(const tsdb::Labels& l) {
    auto [it, inserted] = slots_.emplace(l, static_cast<int>(labels_.size()));
    if (inserted) {
      labels_.push_back(l);
      row_.push_back(-1);
    }
    return it->second;
  }
  const tsdb::Labels& LabelsOf(int slot) const { return labels_[slot]; }

  void Emit(int slot, double v, bool drop_name) { pending_.push_back(Pending{slot, v, drop_name}); }

  absl::Status EndStep(int step) {
    for (const Pending& p : pending_) {
      size_t row;
      if (ev_.single_step() && !keyed_) {
        row = out_.AddRow(labels_[p.slot], p.drop_name);
      } else {
        if (row_[p.slot] < 0) row_[p.slot] = static_cast<int>(out_.AddRow(labels_[p.slot], p.drop_name));
        row = row_[p.slot];
        if (out_.HasStep(row, step)) return SameLabelset();
      }
      out_.Set(row, step, p.v);
    }
    pending_.clear();
    return absl::OkStatus();
  }

  absl::StatusOr<Block> Finish() {
    Block b = std::move(out_).Build();
    if (ev_.single_step() && !keyed_ && !ev_.delayed_names()) PL_RETURN_IF_ERROR(ev_.CheckNoDuplicateLabels(b));
    return b;
  }

 private:
  struct Pending {
    int slot;
    double v;
    bool drop_name;
  };
  Evaluator& ev_;
  SparseRows out_;
  bool keyed_;
  absl::flat_hash_map<tsdb::Labels, int> slots_;
  std::vector<tsdb::Labels> labels_;
  std::vector<int> row_;
  std::vector<Pending> pending_;
};

}  // namespace promlite::promql::engine
