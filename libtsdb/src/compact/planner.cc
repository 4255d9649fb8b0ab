#include "compact/planner.h"

#include <algorithm>
#include <numeric>

namespace promlite::tsdb::compact {

std::vector<int64_t> ExponentialRanges(int64_t min, int steps, int step) {
  std::vector<int64_t> r;
  int64_t cur = min;
  for (int i = 0; i < steps; i++) {
    r.push_back(cur);
    cur *= step;
  }
  return r;
}

std::vector<int64_t> BlockRanges(int64_t min_block_ms, int64_t max_block_ms) {
  std::vector<int64_t> r = ExponentialRanges(min_block_ms, 10, 3);
  if (max_block_ms < min_block_ms) max_block_ms = min_block_ms;
  for (size_t i = 0; i < r.size(); i++) {
    if (r[i] > max_block_ms) {
      r.resize(i);
      break;
    }
  }
  return r;
}

namespace {

using Idx = std::vector<size_t>;

Idx Overlapping(const std::vector<block::BlockMeta>& m, const Idx& order) {
  Idx out;
  if (order.size() < 2) return out;
  int64_t global_maxt = m[order[0]].max_time;
  for (size_t i = 1; i < order.size(); i++) {
    const auto& d = m[order[i]];
    if (d.min_time < global_maxt) {
      if (out.empty()) out.push_back(order[i - 1]);
      out.push_back(order[i]);
    } else if (!out.empty()) {
      break;
    }
    global_maxt = std::max(global_maxt, d.max_time);
  }
  return out;
}

std::vector<Idx> SplitByRange(const std::vector<block::BlockMeta>& m, const Idx& ds, int64_t tr) {
  std::vector<Idx> out;
  for (size_t i = 0; i < ds.size();) {
    const auto& b = m[ds[i]];
    int64_t t0 = b.min_time >= 0 ? tr * (b.min_time / tr) : tr * ((b.min_time - tr + 1) / tr);
    if (b.max_time > t0 + tr) {
      i++;
      continue;
    }
    Idx group;
    for (; i < ds.size(); i++) {
      if (m[ds[i]].max_time > t0 + tr) break;
      group.push_back(ds[i]);
    }
    if (!group.empty()) out.push_back(std::move(group));
  }
  return out;
}

Idx SelectDirs(const std::vector<block::BlockMeta>& m, const Idx& ds, const std::vector<int64_t>& ranges) {
  if (ranges.size() < 2 || ds.empty()) return {};
  int64_t high = m[ds.back()].min_time;
  for (size_t r = 1; r < ranges.size(); r++) {
    for (const Idx& p : SplitByRange(m, ds, ranges[r])) {
      bool failed = false;
      for (size_t i : p) failed = failed || m[i].failed;
      if (failed) continue;
      int64_t mint = m[p.front()].min_time, maxt = m[p.back()].max_time;
      if ((maxt - mint == ranges[r] || maxt <= high) && p.size() > 1) return p;
    }
  }
  return {};
}

}  // namespace

std::vector<size_t> Plan(const std::vector<block::BlockMeta>& metas, const std::vector<int64_t>& ranges) {
  Idx order(metas.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return metas[a].min_time < metas[b].min_time; });
  if (order.empty()) return {};
  if (Idx o = Overlapping(metas, order); !o.empty()) return o;
  order.pop_back();  // the newest block waits for the next head compaction
  if (Idx s = SelectDirs(metas, order, ranges); !s.empty()) return s;
  // A block with many tombstones is rewritten on its own.
  for (size_t k = order.size(); k-- > 0;) {
    const auto& b = metas[order[k]];
    if (ranges.empty() || b.max_time - b.min_time < ranges[ranges.size() / 2]) {
      if (b.stats.num_tombstones > 0 && b.stats.num_tombstones >= b.stats.num_series) return {order[k]};
      break;
    }
    if (static_cast<double>(b.stats.num_tombstones) / static_cast<double>(b.stats.num_series + 1) > 0.05) {
      return {order[k]};
    }
  }
  return {};
}

}  // namespace promlite::tsdb::compact
