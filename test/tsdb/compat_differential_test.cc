// Differential test: one data directory written by promlite (blocks plus a
// head in the WAL) is served by Prometheus 2.42 and by the promlite server;
// the same PromQL queries (instant and range) are sent to both over HTTP
// and the answers compared with a relative tolerance of 1e-9. Sample
// timestamps sit 7 ms past 15 s steps and query times are off any boundary,
// so Prometheus 3's left-open ranges (promlite) and 2.x's closed ranges
// select the same samples. Also checks that Prometheus' raw samples equal
// what promlite stored. Skipped when a binary is missing.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "block_test_util.h"
#include "compat_util.h"
#include "test_util.h"

using namespace promlite::tsdb;
using namespace promlite::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int64_t kT0 = 1700000000000;

// Counters (with a reset), gauges and a classic histogram over 8 hours.
Data WriteDataset(DB& db) {
  Data want;
  auto app = db.NewAppender();
  auto add = [&](const Labels& l, Timestamp t, double v) {
    REQUIRE(app->Append(0, l, t, v).ok());
    want[l.ToString()].push_back({t, v});
  };
  const double les[] = {0.1, 0.5, 1, INFINITY};
  for (Timestamp t = kT0 + 7; t < kT0 + 8 * kHour; t += 15000) {
    double k = static_cast<double>(t - kT0) / 15000.0;
    for (int i = 0; i < 4; i++) {
      std::string inst = "i" + std::to_string(i);
      for (const char* code : {"200", "500"}) {
        double rate = (code[0] == '2' ? 10.0 : 0.5) * (i + 1);
        double v = k * rate + (i == 2 && t > kT0 + 5 * kHour ? -k * rate * 0.9 : 0);  // a counter reset
        if (v < 0) v = 0;
        add(Labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", inst}, {"code", code}}, t, v);
      }
      add(Labels{{"__name__", "node_load1"}, {"instance", inst}}, t, 1.0 + std::sin(k / 40.0 + i) * (i + 1));
      double cum = 0;
      for (int b = 0; b < 4; b++) {
        cum += k * (b + 1) * (i + 1);
        std::string le = std::isinf(les[b]) ? "+Inf" : (b == 0 ? "0.1" : b == 1 ? "0.5" : "1");
        add(Labels{{"__name__", "http_request_duration_seconds_bucket"}, {"instance", inst}, {"le", le}}, t, cum);
      }
      add(Labels{{"__name__", "http_request_duration_seconds_count"}, {"instance", inst}}, t, cum);
      add(Labels{{"__name__", "http_request_duration_seconds_sum"}, {"instance", inst}}, t, cum * 0.37);
    }
    REQUIRE(app->Commit().ok());
  }
  return want;
}

std::string FindPromlite() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  fs::path p = exe.parent_path().parent_path() / "server" / "promlite";
  return fs::exists(p) ? p.string() : "";
}

std::string Key(const json& metric) {
  std::map<std::string, std::string> m;
  for (auto it = metric.begin(); it != metric.end(); ++it) m[it.key()] = it.value().get<std::string>();
  std::string k;
  for (const auto& [n, v] : m) k += n + "=" + v + ",";
  return k;
}

double Num(const json& v) {
  std::string s = v.get<std::string>();
  if (s == "+Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  if (s == "NaN") return NAN;
  return std::stod(s);
}

bool Close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-9 * std::max(std::fabs(a), std::fabs(b));
}

// Flattens a query answer into key -> [(t, v)].
std::map<std::string, std::vector<std::pair<double, double>>> Flatten(const json& data, std::string* type) {
  std::map<std::string, std::vector<std::pair<double, double>>> out;
  *type = data["resultType"].get<std::string>();
  const json& r = data["result"];
  if (*type == "scalar") {
    out[""].push_back({r[0].get<double>(), Num(r[1])});
    return out;
  }
  for (const auto& s : r) {
    auto& v = out[Key(s["metric"])];
    if (s.contains("value")) v.push_back({s["value"][0].get<double>(), Num(s["value"][1])});
    if (s.contains("values")) {
      for (const auto& p : s["values"]) v.push_back({p[0].get<double>(), Num(p[1])});
    }
  }
  return out;
}

std::string Compare(const std::string& a_body, const std::string& b_body) {
  json a = json::parse(a_body, nullptr, false), b = json::parse(b_body, nullptr, false);
  if (a.is_discarded() || b.is_discarded()) return "unparsable answer";
  if (a["status"] != b["status"]) return "status differs";
  if (a["status"] != "success") return a["errorType"] == b["errorType"] ? "" : "error type differs";
  std::string ta, tb;
  auto fa = Flatten(a["data"], &ta), fb = Flatten(b["data"], &tb);
  if (ta != tb) return "result type " + ta + " vs " + tb;
  if (fa.size() != fb.size()) return "series count " + std::to_string(fa.size()) + " vs " + std::to_string(fb.size());
  for (const auto& [k, va] : fa) {
    auto it = fb.find(k);
    if (it == fb.end()) return "series missing: " + k;
    const auto& vb = it->second;
    if (va.size() != vb.size()) return "point count of " + k;
    for (size_t i = 0; i < va.size(); i++) {
      if (va[i].first != vb[i].first) return "timestamp of " + k;
      if (!Close(va[i].second, vb[i].second)) {
        return "value of " + k + " at " + std::to_string(va[i].first) + ": " + std::to_string(va[i].second) +
               " vs " + std::to_string(vb[i].second);
      }
    }
  }
  return "";
}

}  // namespace

TEST_CASE("Prometheus 2.42 serves a promlite directory with the same samples and PromQL answers", "[compat][prometheus]") {
  if (!HaveBinary("/usr/bin/prometheus")) {
    WARN("skipped: /usr/bin/prometheus not installed");
    return;
  }
  TempDir dir;
  std::string data = dir.str() + "/data";
  Data want;
  {
    Options o = QuietBlockOpts();
    auto db = DB::Open(data, o);
    REQUIRE(db.ok());
    want = WriteDataset(**db);
    REQUIRE((*db)->Compact().ok());
    REQUIRE(!(*db)->Blocks().empty());
    REQUIRE((*db)->Close().ok());
  }
  std::string cfg = dir.str() + "/empty.yml";
  std::ofstream(cfg) << "global:\n  scrape_interval: 1m\nscrape_configs: []\n";
  fs::copy(data, dir.str() + "/prom", fs::copy_options::recursive);
  int pport = FreePort();
  Process prom({"/usr/bin/prometheus", "--config.file=" + cfg, "--storage.tsdb.path=" + dir.str() + "/prom",
                "--storage.tsdb.retention.time=100y", "--web.listen-address=127.0.0.1:" + std::to_string(pport)},
               dir.str() + "/prometheus.log");
  REQUIRE(prom.WaitReady(pport, "/-/ready", 60));

  // Raw samples: a range selector at the end returns everything stored.
  const double end_s = (kT0 + 8 * kHour) / 1000.0;
  std::string raw = HttpGet(pport, "/api/v1/query?query=" + UrlEncode("{__name__=~\".+\"}[9h]") +
                                       "&time=" + std::to_string(end_s));
  json j = json::parse(raw, nullptr, false);
  REQUIRE(!j.is_discarded());
  REQUIRE(j["status"] == "success");
  size_t series = 0, samples = 0, total = 0;
  for (const auto& [_, v] : want) total += v.size();
  for (const auto& s : j["data"]["result"]) {
    Labels l;
    std::string text = "{";
    bool first = true;
    std::map<std::string, std::string> m;
    for (auto it = s["metric"].begin(); it != s["metric"].end(); ++it) m[it.key()] = it.value();
    for (const auto& [n, v] : m) {
      text += (first ? "" : ",") + n + "=\"" + v + "\"";
      first = false;
    }
    REQUIRE(Labels::Parse(text + "}", &l).ok());
    const auto& w = want[l.ToString()];
    REQUIRE(w.size() == s["values"].size());
    for (size_t i = 0; i < w.size(); i++) {
      REQUIRE(static_cast<int64_t>(std::llround(s["values"][i][0].get<double>() * 1000)) == w[i].t);
      REQUIRE(Close(Num(s["values"][i][1]), w[i].v));
    }
    series++;
    samples += w.size();
  }
  CHECK(series == want.size());
  CHECK(samples == total);

  std::string promlite = FindPromlite();
  if (promlite.empty()) {
    WARN("PromQL part skipped: the promlite server binary is not built next to the tests");
    return;
  }
  fs::copy(data, dir.str() + "/ours", fs::copy_options::recursive);
  int lport = FreePort();
  Process ours({promlite, "--config.file=" + cfg, "--storage.tsdb.path=" + dir.str() + "/ours",
                "--storage.tsdb.retention.time=100y", "--web.listen-address=127.0.0.1:" + std::to_string(lport)},
               dir.str() + "/promlite.log");
  REQUIRE(ours.WaitReady(lport, "/-/ready", 60));

  const std::vector<std::string> queries = {
      "http_requests_total",
      "rate(http_requests_total[5m])",
      "irate(http_requests_total[5m])",
      "increase(http_requests_total[1h])",
      "sum by (code) (rate(http_requests_total[5m]))",
      "sum without (instance) (rate(http_requests_total{code=~\"2..\"}[10m]))",
      "topk(2, node_load1)",
      "bottomk(1, rate(http_requests_total[5m]))",
      "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[10m])))",
      "histogram_quantile(0.5, rate(http_request_duration_seconds_bucket[5m]))",
      "rate(http_requests_total{code=\"500\"}[5m]) / ignoring(code) rate(http_requests_total{code=\"200\"}[5m])",
      "node_load1 * on(instance) group_left(code) rate(http_requests_total{code=\"200\"}[5m])",
      "max_over_time(rate(http_requests_total[5m])[30m:1m])",
      "avg_over_time(node_load1[15m:30s])",
      "node_load1{instance=~\"i[0-2]\"}",
      "count({__name__=~\"http_.*\"})",
      "delta(node_load1[30m])",
      "deriv(node_load1[30m])",
      "quantile(0.5, node_load1)",
      "stddev(node_load1)",
      "count_values(\"v\", floor(node_load1))",
      "absent(nonexistent_metric)",
      "resets(http_requests_total[1h])",
      "changes(node_load1[10m])",
      "predict_linear(node_load1[30m], 600)",
      "sum(http_request_duration_seconds_sum) / sum(http_request_duration_seconds_count)",
      "node_load1 > 1.5",
      "node_load1 > bool 1.5",
      "-node_load1 + 2 * node_load1 ^ 2",
  };
  const double t_inst = (kT0 + 7 * kHour + 1234) / 1000.0;
  const double r_start = (kT0 + kHour + 777) / 1000.0, r_end = (kT0 + 7 * kHour + 777) / 1000.0;
  std::vector<std::string> diffs;
  for (const auto& q : queries) {
    std::string inst = "/api/v1/query?query=" + UrlEncode(q) + "&time=" + std::to_string(t_inst);
    std::string rng = "/api/v1/query_range?query=" + UrlEncode(q) + "&start=" + std::to_string(r_start) +
                      "&end=" + std::to_string(r_end) + "&step=60";
    for (const auto& path : {inst, rng}) {
      std::string d = Compare(HttpGet(pport, path), HttpGet(lport, path));
      if (!d.empty()) diffs.push_back(q + (path == inst ? " (instant): " : " (range): ") + d);
    }
  }
  std::string all;
  for (const auto& d : diffs) all += d + "\n";
  INFO(all);
  CHECK(diffs.empty());
}
