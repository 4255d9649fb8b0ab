// Retention by time and by size: whole blocks, oldest first.
#include <filesystem>

#include "block_test_util.h"
#include "fileutil/fileutil.h"
#include "retention/retention.h"
#include "test_util.h"

using namespace promlite::tsdb;
using namespace promlite::testing;

TEST_CASE("Retention rules pick the oldest blocks", "[retention]") {
  std::vector<retention::BlockInfo> b = {{"a", 2 * kHour, 100}, {"b", 4 * kHour, 100}, {"c", 6 * kHour, 100},
                                         {"d", 8 * kHour, 100}};
  CHECK(retention::BeyondRetention(b, 3 * kHour, 0, 0) == std::vector<std::string>{"a", "b"});
  CHECK(retention::BeyondRetention(b, 0, 0, 0).empty());
  CHECK(retention::BeyondRetention(b, 0, 250, 0) == std::vector<std::string>{"a", "b"});
  CHECK(retention::BeyondRetention(b, 0, 250, 60) == std::vector<std::string>{"a", "b", "c"});
  CHECK(retention::BeyondRetention(b, 100 * kHour, 1000, 0).empty());
}

TEST_CASE("Time retention deletes blocks beyond the retention period", "[retention]") {
  TempDir dir;
  Options o = QuietBlockOpts();
  o.retention_ms = 5 * kHour;
  o.max_block_duration_ms = 2 * kHour;  // keep 2h blocks
  auto db = DB::Open(dir.str(), o);
  REQUIRE(db.ok());
  WriteSeries(**db, 5, 0, 15);
  REQUIRE((*db)->Compact().ok());
  auto blocks = (*db)->Blocks();
  REQUIRE(!blocks.empty());
  Timestamp newest = blocks.back().max_time;
  for (const auto& b : blocks) CHECK(newest - b.max_time <= 5 * kHour);
  CHECK((*db)->Stats().retention_deleted_blocks > 0);
  auto data = ReadAllData(**db);
  for (const auto& [_, v] : data) CHECK(v.front().t >= blocks.front().min_time);
}

TEST_CASE("Size retention keeps the directory under the limit", "[retention]") {
  TempDir dir;
  Options o = QuietBlockOpts();
  o.max_block_duration_ms = 2 * kHour;
  uint64_t one_block;
  {
    auto db = DB::Open(dir.str(), o);
    REQUIRE(db.ok());
    WriteSeries(**db, 20, 0, 13);
    REQUIRE((*db)->Compact().ok());
    REQUIRE((*db)->Blocks().size() >= 4);
    one_block = (*db)->Blocks().back().bytes;
  }
  o.retention_bytes = static_cast<int64_t>(2 * one_block + one_block / 2) +
                      static_cast<int64_t>(fileutil::DirSize(dir.str() + "/wal") + fileutil::DirSize(dir.str() + "/chunks_head"));
  auto db = DB::Open(dir.str(), o);
  REQUIRE(db.ok());
  auto blocks = (*db)->Blocks();
  CHECK(blocks.size() == 2);
}
