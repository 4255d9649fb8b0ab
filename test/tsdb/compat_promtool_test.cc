// A data directory written by promlite, read by Prometheus 2.42's promtool:
// tsdb list, analyze and dump (the dump holds exactly the stored samples).
// Skipped with a message when /usr/bin/promtool is absent.
#include <filesystem>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "compat_util.h"
#include "promlite/tsdb/db.h"
#include "test_util.h"

using namespace promlite::tsdb;
using namespace promlite::testing;

namespace {

constexpr int64_t kHour = 3600 * 1000;

std::map<std::string, std::vector<Sample>> WriteData(DB& db, int n, int64_t hours) {
  std::map<std::string, std::vector<Sample>> want;
  auto app = db.NewAppender();
  for (Timestamp t = 1700000000123; t < 1700000000123 + hours * kHour; t += 15000) {
    for (int i = 0; i < n; i++) {
      Labels l{{"__name__", i % 3 == 0 ? "http_requests_total" : "node_load1"},
               {"instance", "10.0.0." + std::to_string(i)},
               {"job", "node"}};
      double v = i % 3 == 0 ? static_cast<double>((t - 1700000000123) / 1000 * (i + 1)) : 0.5 + i * 0.01;
      REQUIRE(app->Append(0, l, t, v).ok());
      want[l.ToString()].push_back({t, v});
    }
    REQUIRE(app->Commit().ok());
  }
  return want;
}

}  // namespace

TEST_CASE("promtool lists, analyzes and dumps a promlite data directory", "[compat][promtool]") {
  if (!HaveBinary("/usr/bin/promtool")) {
    WARN("skipped: /usr/bin/promtool not installed");
    return;
  }
  TempDir dir;
  Options o;
  o.logger = NewNopLogger();
  o.compaction_interval_ms = 0;
  o.wal_compression = WalCompression::kSnappy;
  std::map<std::string, std::vector<Sample>> want;
  std::vector<BlockInfo> blocks;
  {
    auto db = DB::Open(dir.str(), o);
    REQUIRE(db.ok());
    want = WriteData(**db, 12, 8);
    REQUIRE((*db)->Compact().ok());
    blocks = (*db)->Blocks();
    REQUIRE((*db)->Close().ok());
  }
  REQUIRE(blocks.size() >= 2);
  int rc;
  std::string list = RunCommand("/usr/bin/promtool tsdb list " + dir.str() + " 2>&1", &rc);
  INFO(list);
  REQUIRE(rc == 0);
  for (const auto& b : blocks) CHECK(list.find(b.ulid) != std::string::npos);

  std::string analyze = RunCommand("/usr/bin/promtool tsdb analyze " + dir.str() + " 2>&1", &rc);
  INFO(analyze);
  REQUIRE(rc == 0);
  CHECK(analyze.find("Series: 12") != std::string::npos);
  CHECK(analyze.find("http_requests_total") != std::string::npos);

  // The dump covers blocks only (promtool reads the head too, but only from
  // its own WAL replay; both must equal what we stored).
  std::string dump = RunCommand("/usr/bin/promtool tsdb dump " + dir.str() + " 2>/dev/null", &rc, 300);
  REQUIRE(rc == 0);
  std::map<std::string, std::vector<Sample>> got;
  std::istringstream in(dump);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    size_t close = line.rfind('}');
    REQUIRE(close != std::string::npos);
    std::string lset = line.substr(0, close + 1);
    std::istringstream rest(line.substr(close + 1));
    double v;
    int64_t t;
    rest >> v >> t;
    Labels l;
    REQUIRE(Labels::Parse(lset, &l).ok());
    got[l.ToString()].push_back({t, v});
  }
  REQUIRE(got.size() == want.size());
  for (auto& [k, v] : got) {
    std::sort(v.begin(), v.end(), [](const Sample& a, const Sample& b) { return a.t < b.t; });
    const auto& w = want[k];
    REQUIRE(v.size() == w.size());
    for (size_t i = 0; i < v.size(); i++) {
      REQUIRE(v[i].t == w[i].t);
      REQUIRE(v[i].v == w[i].v);
    }
  }
}
