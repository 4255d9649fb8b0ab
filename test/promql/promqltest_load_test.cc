// LoadSeries: the `load` notation written into a storage from C++.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "promlite/promql/promqltest.h"
#include "promlite/tsdb/db.h"

namespace pt = promlite::promql::promqltest;
using promlite::tsdb::DB;

namespace {

std::unique_ptr<DB> NewDB() {
  promlite::tsdb::Options o;
  o.block_range_ms = 24 * 3600 * 1000;
  o.logger = promlite::tsdb::NewNopLogger();
  return DB::OpenInMemory(o);
}

// Every series with its samples as "t=v" strings.
std::map<std::string, std::vector<std::string>> Dump(DB& db) {
  std::map<std::string, std::vector<std::string>> out;
  auto q = db.NewQuerier(promlite::tsdb::kMinTime, promlite::tsdb::kMaxTime);
  REQUIRE(q.ok());
  auto set = (*q)->Select(true, nullptr,
                          {promlite::tsdb::Matcher::MustMake(promlite::tsdb::MatchType::kRegexMatch, "__name__", ".+")});
  while (set->Next()) {
    auto it = set->At().Iterator();
    auto& samples = out[set->At().labels().ToString()];
    while (it->Next()) {
      char buf[64];
      if (promlite::tsdb::IsStaleNaN(it->AtV())) {
        std::snprintf(buf, sizeof buf, "%lld=stale", static_cast<long long>(it->AtT()));
      } else {
        std::snprintf(buf, sizeof buf, "%lld=%g", static_cast<long long>(it->AtT()), it->AtV());
      }
      samples.push_back(buf);
    }
  }
  REQUIRE(set->Err().ok());
  return out;
}

}  // namespace

TEST_CASE("promqltest LoadSeries: values land at k * interval", "[promqltest]") {
  auto db = NewDB();
  REQUIRE(pt::LoadSeries(*db, R"(
    load 1m
      up{job="a"} 0+1x2 _ stale
      up{job="b"} _x2 7

    load 30s
      other 1 NaN
  )").ok());
  auto d = Dump(*db);
  CHECK(d["up{job=\"a\"}"] == std::vector<std::string>{"0=0", "60000=1", "120000=2", "240000=stale"});
  CHECK(d["up{job=\"b\"}"] == std::vector<std::string>{"120000=7"});
  CHECK(d["other"] == std::vector<std::string>{"0=1", "30000=nan"});
}

TEST_CASE("promqltest LoadSeries: a start time shifts every sample", "[promqltest]") {
  auto db = NewDB();
  REQUIRE(pt::LoadSeries(*db, "load 10s\n  x 1 2\n", 1700000000000).ok());
  CHECK(Dump(*db)["x"] == std::vector<std::string>{"1700000000000=1", "1700000010000=2"});
}

TEST_CASE("promqltest LoadSeries: errors", "[promqltest]") {
  auto db = NewDB();
  auto st = pt::LoadSeries(*db, "load 1m\n  h {{schema:0 sum:1 count:1}}\n");
  CHECK(st.code() == absl::StatusCode::kUnimplemented);
  CHECK(std::string(st.message()).find("native histograms") != std::string::npos);
  st = pt::LoadSeries(*db, "load 1m\n  c@st _ -1m\n  c 1 2\n");
  CHECK(st.code() == absl::StatusCode::kUnimplemented);
  CHECK(std::string(st.message()).find("start timestamps") != std::string::npos);
  st = pt::LoadSeries(*db, "load_with_nhcb 1m\n  h_bucket{le=\"1\"} 1\n");
  CHECK(st.code() == absl::StatusCode::kUnimplemented);
  st = pt::LoadSeries(*db, "load 1m\n  a 1\n\neval instant at 0 a\n  a 1\n");
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  st = pt::LoadSeries(*db, "load 1m\n  a 1 x\n");
  CHECK(st.message() == "load:2: column 5: unexpected identifier \"x\" in series values, expected a number or \"stale\"");
  CHECK(Dump(*db).empty());  // nothing was written by the failed loads

  // A later load must not write before what is there (out of order).
  REQUIRE(pt::LoadSeries(*db, "load 1m\n  a 1 2 3\n").ok());
  st = pt::LoadSeries(*db, "load 1m\n  b 1\n  a 5\n");
  CHECK_FALSE(st.ok());
  CHECK(std::string(st.message()).find("line 3: appending a at 0s: ") == 0);
  // The failed block was rolled back as a whole.
  CHECK(Dump(*db).count("b") == 0);
  // Skipping the occupied slots works.
  CHECK(pt::LoadSeries(*db, "load 1m\n  a _x3 4\n").ok());
  CHECK(Dump(*db)["a"].size() == 4);
}
