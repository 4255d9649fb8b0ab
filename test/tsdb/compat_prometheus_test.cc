// Directories written by Prometheus, opened by promlite: blocks made by
// promtool tsdb create-blocks-from openmetrics, and the WAL of a real
// Prometheus 2.42 run. Also the reverse: Prometheus 2.42 serving a directory
// written by promlite answers like promlite. Skipped with a message when the
// binaries are absent. Servers listen on 127.0.0.1 only and are always
// stopped (SIGTERM, then SIGKILL).
#include <filesystem>
#include <fstream>
#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "compat_util.h"
#include "promlite/tsdb/db.h"
#include "test_util.h"

using namespace promlite::tsdb;
using namespace promlite::testing;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kHour = 3600 * 1000;

using Data = std::map<std::string, std::vector<Sample>>;

Data ReadAll(DB& db, const std::vector<Matcher>& ms = {}) {
  Data out;
  auto q = db.NewQuerier(kMinTime, kMaxTime);
  REQUIRE(q.ok());
  auto ss = (*q)->Select(true, nullptr, ms);
  while (ss->Next()) {
    auto& v = out[ss->At().labels().ToString()];
    auto it = ss->At().Iterator();
    while (it->Next()) v.push_back({it->AtT(), it->AtV()});
  }
  REQUIRE(ss->Err().ok());
  return out;
}

Options Quiet() {
  Options o;
  o.logger = NewNopLogger();
  o.compaction_interval_ms = 0;
  o.wal_compression = WalCompression::kSnappy;
  return o;
}

}  // namespace

TEST_CASE("Blocks from promtool create-blocks-from openmetrics open in promlite with every sample",
          "[compat][promtool]") {
  if (!HaveBinary("/usr/bin/promtool")) {
    WARN("skipped: /usr/bin/promtool not installed");
    return;
  }
  TempDir dir;
  std::string om = dir.str() + "/data.om";
  Data want;
  {
    std::ofstream f(om);
    const int64_t t0 = 1700000000000;
    f << "# HELP node_load1 load\n# TYPE node_load1 gauge\n";
    for (int s = 0; s < 5; s++) {
      for (int64_t t = t0 + 311; t < t0 + 5 * kHour; t += 30000) {
        double v = 0.125 * s + static_cast<double>((t - t0) % 7000) / 1000.0;
        f << "node_load1{instance=\"h" << s << "\"} " << v << " " << t / 1000 << "." << std::setw(3)
          << std::setfill('0') << t % 1000 << "\n";
        Labels l{{"__name__", "node_load1"}, {"instance", "h" + std::to_string(s)}};
        want[l.ToString()].push_back({t, v});
      }
    }
    f << "# HELP reqs requests\n# TYPE reqs counter\n";
    for (int64_t t = t0 + 311; t < t0 + 5 * kHour; t += 30000) {
      double v = static_cast<double>((t - t0) / 1000);
      f << "reqs_total{code=\"200\"} " << v << " " << t / 1000 << "." << std::setw(3) << std::setfill('0') << t % 1000
        << "\n";
      want[Labels{{"__name__", "reqs_total"}, {"code", "200"}}.ToString()].push_back({t, v});
    }
    f << "# EOF\n";
  }
  std::string out_dir = dir.str() + "/data";
  int rc;
  std::string log = RunCommand("/usr/bin/promtool tsdb create-blocks-from openmetrics " + om + " " + out_dir + " 2>&1", &rc);
  INFO(log);
  REQUIRE(rc == 0);
  auto db = DB::Open(out_dir, Quiet());
  REQUIRE(db.ok());
  CHECK((*db)->Blocks().size() >= 3);
  Data got = ReadAll(**db);
  REQUIRE(got.size() == want.size());
  for (const auto& [k, v] : want) {
    const auto& g = got[k];
    REQUIRE(g.size() == v.size());
    for (size_t i = 0; i < v.size(); i++) {
      REQUIRE(g[i].t == v[i].t);
      REQUIRE(g[i].v == Approx(v[i].v).epsilon(1e-12));
    }
  }
  // Their blocks compact with ours.
  REQUIRE((*db)->Compact().ok());
  CHECK(ReadAll(**db).size() == want.size());
}

TEST_CASE("The WAL of a real Prometheus 2.42 run opens in promlite with every sample", "[compat][prometheus]") {
  if (!HaveBinary("/usr/bin/prometheus")) {
    WARN("skipped: /usr/bin/prometheus not installed");
    return;
  }
  TempDir dir;
  int port = FreePort();
  std::string cfg = dir.str() + "/prometheus.yml";
  {
    std::ofstream f(cfg);
    f << "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n"
      << "  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:" << port << "']\n";
  }
  std::string data = dir.str() + "/data";
  std::string answer;
  {
    Process p({"/usr/bin/prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + data,
               "--web.listen-address=127.0.0.1:" + std::to_string(port)},
              dir.str() + "/prometheus.log");
    REQUIRE(p.WaitReady(port, "/-/ready", 30));
    // Scraping starts a few seconds after readiness (discovery is throttled
    // to 5s): wait for at least 3 samples, at most 30s.
    for (int i = 0; i < 60; i++) {
      answer = HttpGet(port, "/api/v1/query?query=" + UrlEncode("up[1h]"));
      auto j = nlohmann::json::parse(answer, nullptr, false);
      if (!j.is_discarded() && j["data"]["result"].size() == 1 && j["data"]["result"][0]["values"].size() >= 3) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    p.Stop();
  }
  auto j = nlohmann::json::parse(answer, nullptr, false);
  int rc;
  INFO(answer << "\n" << RunCommand("tail -20 " + dir.str() + "/prometheus.log", &rc));
  REQUIRE(!j.is_discarded());
  REQUIRE(j["data"]["result"].size() == 1);
  std::vector<int64_t> want_ts;
  for (const auto& v : j["data"]["result"][0]["values"]) {
    want_ts.push_back(static_cast<int64_t>(std::llround(v[0].get<double>() * 1000)));
  }
  REQUIRE(want_ts.size() >= 3);
  auto db = DB::Open(data, Quiet());
  REQUIRE(db.ok());
  CHECK((*db)->Stats().replayed_series > 100);
  Data got = ReadAll(**db, {Matcher::MustMake(MatchType::kEqual, "__name__", "up")});
  REQUIRE(got.size() == 1);
  const auto& ups = got.begin()->second;
  // Everything Prometheus answered is there (it may have scraped once more
  // before stopping).
  REQUIRE(ups.size() >= want_ts.size());
  for (size_t i = 0; i < want_ts.size(); i++) {
    CHECK(ups[i].t == want_ts[i]);
    CHECK(ups[i].v == 1);
  }
}
