// Deletion with tombstones (blocks, head, WAL), clean_tombstones, snapshots.
#include <filesystem>

#include "block_test_util.h"
#include "test_util.h"
#include "tombstones/tombstones.h"

using namespace promlite::tsdb;
using namespace promlite::testing;
namespace fs = std::filesystem;

namespace {

Data Expect(const Data& want, const std::string& series, Timestamp mint, Timestamp maxt) {
  Data out = want;
  auto& v = out[series];
  v.erase(std::remove_if(v.begin(), v.end(), [&](const Sample& s) { return s.t >= mint && s.t <= maxt; }), v.end());
  if (v.empty()) out.erase(series);
  return out;
}

}  // namespace

TEST_CASE("Interval lists merge overlapping and adjacent intervals", "[tombstones]") {
  tombstones::Intervals iv;
  tombstones::AddInterval(&iv, {10, 20});
  tombstones::AddInterval(&iv, {30, 40});
  tombstones::AddInterval(&iv, {21, 25});
  CHECK(iv == tombstones::Intervals{{10, 25}, {30, 40}});
  tombstones::AddInterval(&iv, {0, 100});
  CHECK(iv == tombstones::Intervals{{0, 100}});
  tombstones::Tombstones t;
  t.Add(5, {1, 2});
  t.Add(7, {-3, 9});
  auto back = tombstones::Decode(tombstones::Encode(t));
  REQUIRE(back.ok());
  CHECK(*back->Get(5) == tombstones::Intervals{{1, 2}});
  CHECK(*back->Get(7) == tombstones::Intervals{{-3, 9}});
}

TEST_CASE("DeleteSeries hides data in blocks and head, survives restart, clean_tombstones rewrites", "[tombstones]") {
  TempDir dir;
  Data want;
  Options o = QuietBlockOpts();
  o.max_block_duration_ms = 2 * kHour;
  const std::string victim = SeriesL(3).ToString();
  auto m = Matcher::MustMake(MatchType::kEqual, "instance", "host-3");
  // Across two blocks and the head.
  const Timestamp mint = 3 * kHour, maxt = 8 * kHour;
  {
    auto db = DB::Open(dir.str(), o);
    REQUIRE(db.ok());
    want = WriteSeries(**db, 6, 0, 9);
    REQUIRE((*db)->Compact().ok());
    REQUIRE((*db)->DeleteSeries({m}, mint, maxt).ok());
    CHECK(SameData(ReadAllData(**db), Expect(want, victim, mint, maxt)));
    uint64_t stones = 0;
    for (const auto& b : (*db)->Blocks()) stones += b.num_tombstones;
    CHECK(stones >= 1);
    REQUIRE((*db)->Close().ok());
  }
  auto db = DB::Open(dir.str(), o);
  REQUIRE(db.ok());
  CHECK(SameData(ReadAllData(**db), Expect(want, victim, mint, maxt)));
  REQUIRE((*db)->CleanTombstones().ok());
  for (const auto& b : (*db)->Blocks()) CHECK(b.num_tombstones == 0);
  CHECK(SameData(ReadAllData(**db), Expect(want, victim, mint, maxt)));
  // Deleting everything of a series in the blocks.
  REQUIRE((*db)->DeleteSeries({m}, kMinTime, kMaxTime).ok());
  CHECK(ReadAllData(**db).count(victim) == 0);
}

TEST_CASE("Snapshots hard-link blocks and write the head as a block", "[tombstones][snapshot]") {
  TempDir dir, snap;
  auto db = DB::Open(dir.str(), QuietBlockOpts());
  REQUIRE(db.ok());
  Data want = WriteSeries(**db, 5, 0, 7);
  REQUIRE((*db)->Compact().ok());
  REQUIRE((*db)->Snapshot(snap.str() + "/s", true).ok());
  Options o = QuietBlockOpts();
  auto copy = DB::Open(snap.str() + "/s", o);
  REQUIRE(copy.ok());
  CHECK(SameData(ReadAllData(**copy), want));
  CHECK((*copy)->Blocks().size() == (*db)->Blocks().size() + 1);
}
