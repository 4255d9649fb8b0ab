// Vector matching for binary operators between two instant vectors.
//
// Matching signatures (the `on`/`ignoring` label subsets) are computed once
// per series; each step then pairs the series present at that step with
// array lookups only. Result label sets are computed once per pair of
// series. Errors (duplicates on the "one" side, ambiguous matches) are
// raised at the first step where they occur, as in Prometheus.
#include <algorithm>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/annotations.h"
#include "engine/binop.h"
#include "engine/labels_util.h"
#include "engine/output_rows.h"
#include "engine/status_macros.h"

namespace promlite::promql::engine {
namespace {

struct Signatures {
  std::vector<int> lhs, rhs;
  int count = 0;
};

Signatures ComputeSignatures(const Block& lhs, const Block& rhs, const VectorMatching& m) {
  Signatures s;
  absl::flat_hash_map<tsdb::Labels, int> ord;
  auto sig = [&](const tsdb::Labels& l) {
    auto [it, inserted] = ord.emplace(MatchLabels(l, m.on, m.matching_labels), s.count);
    if (inserted) s.count++;
    return it->second;
  };
  s.lhs.resize(lhs.rows());
  s.rhs.resize(rhs.rows());
  for (size_t r = 0; r < lhs.rows(); r++) s.lhs[r] = sig(lhs.meta(r).metric);
  for (size_t r = 0; r < rhs.rows(); r++) s.rhs[r] = sig(rhs.meta(r).metric);
  return s;
}

void PresentRows(const Block& b, int step, std::vector<size_t>* out) {
  out->clear();
  for (size_t r = 0; r < b.rows(); r++) {
    if (b.Has(r, step)) out->push_back(r);
  }
}

absl::StatusOr<Block> SetOp(Evaluator& ev, const BinaryExpr& e, const Block& lhs, const Block& rhs,
                            const Signatures& sig) {
  OutputRows out(ev);
  std::vector<int> lslot(lhs.rows()), rslot(rhs.rows());
  for (size_t r = 0; r < lhs.rows(); r++) lslot[r] = out.Slot(lhs.meta(r).metric);
  for (size_t r = 0; r < rhs.rows(); r++) rslot[r] = out.Slot(rhs.meta(r).metric);
  std::vector<int> stamp(sig.count, -1);
  std::vector<size_t> L, R;
  for (int step = 0; step < ev.steps(); step++) {
    PresentRows(lhs, step, &L);
    PresentRows(rhs, step, &R);
    auto emit_l = [&](size_t r) { out.Emit(lslot[r], lhs.Get(r, step), lhs.meta(r).drop_name); };
    auto emit_r = [&](size_t r) { out.Emit(rslot[r], rhs.Get(r, step), rhs.meta(r).drop_name); };
    switch (e.op) {
      case BinaryOp::kAnd:
        if (L.empty() || R.empty()) break;
        for (size_t r : R) stamp[sig.rhs[r]] = step;
        for (size_t l : L) {
          if (stamp[sig.lhs[l]] == step) emit_l(l);
        }
        break;
      case BinaryOp::kOr:
        for (size_t l : L) {
          stamp[sig.lhs[l]] = step;
          emit_l(l);
        }
        for (size_t r : R) {
          if (stamp[sig.rhs[r]] != step) emit_r(r);
        }
        break;
      case BinaryOp::kUnless:
        if (!R.empty() && !L.empty()) {
          for (size_t r : R) stamp[sig.rhs[r]] = step;
        }
        for (size_t l : L) {
          if (R.empty() || stamp[sig.lhs[l]] != step) emit_l(l);
        }
        break;
      default:
        break;
    }
    PL_RETURN_IF_ERROR(out.EndStep(step));
  }
  return out.Finish();
}

}  // namespace

absl::StatusOr<Block> VectorVectorBinop(Evaluator& ev, const BinaryExpr& e, const Block& lhs, const Block& rhs) {
  static const VectorMatching kDefault;
  const VectorMatching& m = e.matching ? *e.matching : kDefault;
  Signatures sig = ComputeSignatures(lhs, rhs, m);
  if (IsSetOp(e.op)) return SetOp(ev, e, lhs, rhs, sig);

  // Many-to-one is the general case; one-to-many swaps the sides and swaps
  // the operands back when computing values.
  const bool swapped = m.card == VectorMatchCardinality::kOneToMany;
  const bool one_to_one = m.card == VectorMatchCardinality::kOneToOne;
  const Block& A = swapped ? rhs : lhs;
  const Block& B = swapped ? lhs : rhs;
  const std::vector<int>& asig = swapped ? sig.rhs : sig.lhs;
  const std::vector<int>& bsig = swapped ? sig.lhs : sig.rhs;
  const bool drop_metric_name = !ev.delayed_names() && e.return_bool;
  const bool renames = drop_metric_name || ChangesMetricSchema(e.op);

  auto result_labels = [&](const tsdb::Labels& l, const tsdb::Labels& r) {
    tsdb::LabelsBuilder b(l);
    if (renames) {
      b.Del(tsdb::kMetricName);
      b.Del(kTypeLabel);
      b.Del(kUnitLabel);
    }
    if (one_to_one) {
      if (m.on) {
        b.Keep(m.matching_labels);
      } else {
        for (const std::string& n : m.matching_labels) b.Del(n);
      }
    }
    for (const std::string& n : m.include) {
      std::string_view v = r.Get(n);
      if (!v.empty()) {
        b.Set(n, v);
      } else {
        b.Del(n);
      }
    }
    return b.Build();
  };

  OutputRows out(ev);
  // Result slot per pair of (A id, B id); a negative id -k-1 stands for the
  // fill sample made from row k of the other side.
  absl::flat_hash_map<std::pair<int64_t, int64_t>, int> pair_slot;
  std::vector<std::pair<int64_t, int>> memo(A.rows(), {INT64_MIN, -1});
  std::vector<tsdb::Labels> fill_from_b(B.rows()), fill_from_a(A.rows());
  auto labels_of = [&](bool a_side, int64_t id) -> const tsdb::Labels& {
    const Block& blk = a_side ? A : B;
    if (id >= 0) return blk.meta(id).metric;
    size_t k = static_cast<size_t>(-id - 1);
    // A fill sample has the matching labels of the series it stands in for.
    std::vector<tsdb::Labels>& cache = a_side ? fill_from_b : fill_from_a;
    const Block& other = a_side ? B : A;
    if (cache[k].empty()) cache[k] = MatchLabels(other.meta(k).metric, m.on, m.matching_labels);
    return cache[k];
  };
  auto slot_of = [&](int64_t a_id, int64_t b_id) {
    if (a_id >= 0 && memo[a_id].first == b_id) return memo[a_id].second;
    auto [it, inserted] = pair_slot.emplace(std::make_pair(a_id, b_id), -1);
    if (inserted) it->second = out.Slot(result_labels(labels_of(true, a_id), labels_of(false, b_id)));
    if (a_id >= 0) memo[a_id] = {b_id, it->second};
    return it->second;
  };

  std::vector<int> right_stamp(sig.count, -1), right_row(sig.count, -1);
  std::vector<int> matched_stamp(sig.count, -1);
  std::vector<std::pair<int, int>> slot_stamp;  // (step, sig) that last produced each slot
  std::vector<size_t> AL, BL;
  bool unsupported = false;

  for (int step = 0; step < ev.steps(); step++) {
    if ((step & 63) == 0) PL_RETURN_IF_ERROR(ev.ctx().CheckInterrupt());
    PresentRows(A, step, &AL);
    PresentRows(B, step, &BL);
    if ((AL.empty() && BL.empty()) || ((AL.empty() || BL.empty()) && !m.fill_lhs && !m.fill_rhs)) continue;
    for (size_t b : BL) {
      int s = bsig[b];
      if (right_stamp[s] == step) {
        // More than one series on the "one" side of a match group.
        const tsdb::Labels& prev = B.meta(right_row[s]).metric;
        const tsdb::Labels& cur = B.meta(b).metric;
        std::string d1 = PromString(cur), d2 = PromString(prev);
        if (d1 > d2) std::swap(d1, d2);
        return ExecutionError(absl::StrCat(
            "found duplicate series for the match group ", PromString(MatchLabels(cur, m.on, m.matching_labels)),
            " on the ", swapped ? "left" : "right", " hand-side of the operation: [", d1, ", ", d2,
            "];many-to-many matching not allowed: matching labels must be unique on one side"));
      }
      right_stamp[s] = step;
      right_row[s] = static_cast<int>(b);
    }
    auto apply = [&](int64_t a_id, double av, int64_t b_id, double bv, int s) -> absl::Status {
      double fl = av, fr = bv;
      if (swapped) std::swap(fl, fr);
      double value;
      bool keep;
      if (!ElemBinop(e.op, fl, fr, &value, &keep)) {
        unsupported = true;
        return absl::OkStatus();
      }
      if (e.return_bool) value = keep ? 1 : 0;
      int slot = slot_of(a_id, b_id);
      if (one_to_one) {
        if (matched_stamp[s] == step) {
          return ExecutionError(
              "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        }
        matched_stamp[s] = step;
      } else {
        if (slot_stamp.size() <= static_cast<size_t>(slot)) slot_stamp.resize(slot + 1, {-1, -1});
        if (slot_stamp[slot] == std::make_pair(step, s)) {
          return ExecutionError("multiple matches for labels: grouping labels must ensure unique matches");
        }
        slot_stamp[slot] = {step, s};
        matched_stamp[s] = step;
      }
      if (!keep && !e.return_bool) return absl::OkStatus();
      out.Emit(slot, value, e.return_bool);
      return absl::OkStatus();
    };
    for (size_t a : AL) {
      int s = asig[a];
      if (right_stamp[s] == step) {
        int b = right_row[s];
        PL_RETURN_IF_ERROR(apply(a, A.Get(a, step), b, B.Get(b, step), s));
      } else if (m.fill_rhs) {
        PL_RETURN_IF_ERROR(apply(a, A.Get(a, step), -static_cast<int64_t>(a) - 1, *m.fill_rhs, s));
      }
    }
    if (m.fill_lhs) {
      for (size_t b : BL) {
        int s = bsig[b];
        if (matched_stamp[s] == step) continue;
        PL_RETURN_IF_ERROR(apply(-static_cast<int64_t>(b) - 1, *m.fill_lhs, b, B.Get(b, step), s));
      }
    }
    PL_RETURN_IF_ERROR(out.EndStep(step));
  }
  if (unsupported) {
    ev.ctx().annotations.Add(IncompatibleTypesInBinOpInfo("float", BinaryOpString(e.op), "float", e.Range()));
  }
  return out.Finish();
}

}  // namespace promlite::promql::engine
