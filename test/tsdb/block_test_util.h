// Shared helpers for the block, compaction, retention and tombstone tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "promlite/tsdb/db.h"

namespace promlite::testing {

using tsdb::Labels;
using tsdb::Sample;
using tsdb::Timestamp;
using Data = std::map<std::string, std::vector<Sample>>;

inline constexpr int64_t kHour = 3600 * 1000;

inline tsdb::Options QuietBlockOpts() {
  tsdb::Options o;
  o.logger = tsdb::NewNopLogger();
  o.stripe_size = 64;
  o.compaction_interval_ms = 0;
  o.wal_compression = tsdb::WalCompression::kSnappy;
  return o;
}

inline Labels SeriesL(int i) {
  return Labels{{"__name__", i % 2 ? "up" : "requests_total"}, {"instance", "host-" + std::to_string(i)},
                {"job", i % 3 ? "node" : "api"}};
}

inline Data ReadAllData(tsdb::DB& db, Timestamp mint = tsdb::kMinTime, Timestamp maxt = tsdb::kMaxTime,
                        const std::vector<tsdb::Matcher>& ms = {}) {
  Data out;
  auto q = db.NewQuerier(mint, maxt);
  REQUIRE(q.ok());
  auto ss = (*q)->Select(true, nullptr, ms);
  while (ss->Next()) {
    auto& v = out[ss->At().labels().ToString()];
    auto it = ss->At().Iterator();
    while (it->Next()) v.push_back({it->AtT(), it->AtV()});
    REQUIRE(it->Err().ok());
  }
  REQUIRE(ss->Err().ok());
  return out;
}

// Samples every 15s (offset by 7ms) for `hours` from t0 for n series.
inline Data WriteSeries(tsdb::DB& db, int n, Timestamp t0, int64_t hours) {
  Data want;
  auto app = db.NewAppender();
  for (Timestamp t = t0 + 7; t < t0 + hours * kHour; t += 15000) {
    for (int i = 0; i < n; i++) {
      double v = static_cast<double>(t / 1000) * (i + 1) + 0.25;
      REQUIRE(app->Append(0, SeriesL(i), t, v).ok());
      want[SeriesL(i).ToString()].push_back({t, v});
    }
    REQUIRE(app->Commit().ok());
  }
  return want;
}

inline bool SameData(const Data& got, const Data& want) {
  if (got.size() != want.size()) return false;
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    if (it == got.end() || it->second.size() != v.size()) return false;
    for (size_t i = 0; i < v.size(); i++) {
      if (it->second[i].t != v[i].t || it->second[i].v != v[i].v) return false;
    }
  }
  return true;
}

}  // namespace promlite::testing
