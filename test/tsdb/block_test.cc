// Blocks: head compaction into Prometheus-format blocks, reading them back
// merged with the head, reopening, and the on-disk layout.
#include <filesystem>
#include <map>

#include <catch2/catch.hpp>

#include "promlite/tsdb/db.h"
#include "test_util.h"

using namespace promlite::tsdb;
using promlite::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kHour = 3600 * 1000;

Options BlockOpts() {
  Options o;
  o.logger = NewNopLogger();
  o.stripe_size = 64;
  o.compaction_interval_ms = 0;
  o.wal_compression = WalCompression::kSnappy;
  return o;
}

Labels L(int i) {
  return Labels{{"__name__", i % 2 ? "up" : "requests_total"}, {"instance", "host-" + std::to_string(i)},
                {"job", "node"}};
}

using Data = std::map<std::string, std::vector<Sample>>;

Data ReadAll(DB& db, Timestamp mint = kMinTime, Timestamp maxt = kMaxTime) {
  Data out;
  auto q = db.NewQuerier(mint, maxt);
  REQUIRE(q.ok());
  auto ss = (*q)->Select(true, nullptr, {});
  std::string prev;
  while (ss->Next()) {
    std::string k = ss->At().labels().ToString();
    REQUIRE(prev < k);
    prev = k;
    auto& v = out[k];
    auto it = ss->At().Iterator();
    while (it->Next()) v.push_back({it->AtT(), it->AtV()});
    REQUIRE(it->Err().ok());
  }
  REQUIRE(ss->Err().ok());
  return out;
}

// `hours` of samples every 15s for n series, starting at t0, offset by 7ms
// so sample times never fall on block or query boundaries.
Data Write(DB& db, int n, Timestamp t0, int64_t hours) {
  Data want;
  auto app = db.NewAppender();
  for (Timestamp t = t0 + 7; t < t0 + hours * kHour; t += 15000) {
    for (int i = 0; i < n; i++) {
      double v = static_cast<double>(t / 1000) * (i + 1) + 0.25;
      REQUIRE(app->Append(0, L(i), t, v).ok());
      want[L(i).ToString()].push_back({t, v});
    }
    REQUIRE(app->Commit().ok());
  }
  return want;
}

void CheckEqual(const Data& got, const Data& want) {
  REQUIRE(got.size() == want.size());
  for (const auto& [k, v] : want) {
    auto it = got.find(k);
    REQUIRE(it != got.end());
    REQUIRE(it->second.size() == v.size());
    for (size_t i = 0; i < v.size(); i++) {
      REQUIRE(it->second[i].t == v[i].t);
      REQUIRE(it->second[i].v == v[i].v);
    }
  }
}

}  // namespace

TEST_CASE("Head compaction writes blocks, truncates the head and queries merge both", "[block]") {
  TempDir dir;
  Data want;
  {
    auto db = DB::Open(dir.str(), BlockOpts());
    REQUIRE(db.ok());
    want = Write(**db, 10, 0, 7);
    REQUIRE((*db)->Compact().ok());
    auto blocks = (*db)->Blocks();
    // 7h of data: the head keeps at most 1.5 ranges, so 0-2h, 2-4h and 4-6h
    // became blocks and got compacted... 3x2h -> one 6h block.
    REQUIRE(!blocks.empty());
    for (const auto& b : blocks) {
      CHECK(fs::exists(b.dir + "/meta.json"));
      CHECK(fs::exists(b.dir + "/index"));
      CHECK(fs::exists(b.dir + "/chunks/000001"));
      CHECK(fs::exists(b.dir + "/tombstones"));
    }
    CHECK((*db)->Stats().head_min_time >= blocks.back().max_time);
    CheckEqual(ReadAll(**db), want);
    // Queries over part of the range.
    Data part = ReadAll(**db, 3 * kHour, 5 * kHour);
    for (const auto& [k, v] : part) {
      for (const auto& s : v) REQUIRE((s.t >= 3 * kHour && s.t <= 5 * kHour));
    }
    REQUIRE((*db)->Close().ok());
  }
  auto db = DB::Open(dir.str(), BlockOpts());
  REQUIRE(db.ok());
  CheckEqual(ReadAll(**db), want);
  auto names = (*(*db)->NewQuerier(kMinTime, kMaxTime))->LabelValues("__name__", {});
  REQUIRE(names.ok());
  CHECK(*names == std::vector<std::string>{"requests_total", "up"});
}

TEST_CASE("Leveled compaction merges 2h blocks into 6h blocks", "[block][compact]") {
  TempDir dir;
  auto db = DB::Open(dir.str(), BlockOpts());
  REQUIRE(db.ok());
  Data want = Write(**db, 4, 0, 15);
  REQUIRE((*db)->Compact().ok());
  auto blocks = (*db)->Blocks();
  bool has_6h = false;
  std::string desc;
  for (const auto& b : blocks) desc += b.ulid + " " + std::to_string(b.min_time) + "-" + std::to_string(b.max_time) + " L" + std::to_string(b.level) + "\n";
  INFO(desc);
  for (const auto& b : blocks) {
    // Block ranges start at the head's first sample, as in Prometheus.
    if (b.min_time < kHour && b.max_time == 6 * kHour) {
      has_6h = true;
      CHECK(b.level >= 2);
    }
  }
  CHECK(has_6h);
  for (size_t i = 1; i < blocks.size(); i++) CHECK(blocks[i].min_time >= blocks[i - 1].max_time);
  CheckEqual(ReadAll(**db), want);
}
