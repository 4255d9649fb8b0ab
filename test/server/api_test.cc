// End-to-end tests of the server's HTTP API: real server, real HTTP.
#include <regex>

#include "server_fixture.h"

using promlite::testing::Eventually;
using promlite::testing::FreePort;
using promlite::testing::TempDir;
using promlite::testing::TestServer;
using nlohmann::json;

namespace {

std::string SelfScrapeConfig(int port, const std::string& interval = "1s") {
  return "global:\n  scrape_interval: " + interval + "\n  scrape_timeout: " + interval +
         "\nscrape_configs:\n  - job_name: self\n    static_configs:\n      - targets: ['127.0.0.1:" +
         std::to_string(port) + "']\n";
}

struct Server {
  int port = FreePort();
  TestServer s;
  explicit Server(std::vector<std::string> flags = {}) : s(SelfScrapeConfig(port), std::move(flags)) {
    s.flags().web_listen_address = "127.0.0.1:" + std::to_string(port);
    REQUIRE(s.Start().ok());
  }
};

bool UpIsOne(TestServer& s) {
  auto r = s.Get("/api/v1/query?query=up");
  if (!r || r->status != 200) return false;
  json j = json::parse(r->body);
  return !j["data"]["result"].empty() && j["data"]["result"][0]["value"][1] == "1";
}

}  // namespace

TEST_CASE("The server answers health, readiness and its own metrics", "[server]") {
  Server srv;
  auto h = srv.s.Get("/-/healthy");
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(h->body == "Prometheus Server is Healthy.\n");
  auto r = srv.s.Get("/-/ready");
  REQUIRE(r);
  CHECK(r->body == "Prometheus Server is Ready.\n");
  auto m = srv.s.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("# TYPE prometheus_tsdb_head_series gauge") != std::string::npos);
  CHECK(m->body.find("process_resident_memory_bytes ") != std::string::npos);
  auto nf = srv.s.Get("/api/v1/nonexistent");
  REQUIRE(nf);
  CHECK(nf->status == 404);
}

TEST_CASE("The server scrapes itself and answers PromQL queries", "[server]") {
  Server srv;
  REQUIRE(Eventually([&] { return UpIsOne(srv.s); }, 20));
  json j = srv.s.GetJson("/api/v1/query?query=up");
  CHECK(j["status"] == "success");
  CHECK(j["data"]["resultType"] == "vector");
  auto& e = j["data"]["result"][0];
  CHECK(e["metric"]["job"] == "self");
  CHECK(e["metric"]["instance"] == "127.0.0.1:" + std::to_string(srv.port));
  CHECK(e["value"][0].is_number());
  CHECK(e["value"][1].is_string());

  // A range query over the self-scraped counters.
  REQUIRE(Eventually([&] {
    json r = srv.s.GetJson("/api/v1/query?query=count(prometheus_http_requests_total)");
    return !r["data"]["result"].empty();
  }, 20));
  auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  // End one second ahead: `now` is truncated and the first scrape may be newer.
  json rr = srv.s.GetJson("/api/v1/query_range?query=up&start=" + std::to_string(now - 60) +
                          "&end=" + std::to_string(now + 1) + "&step=1");
  CHECK(rr["data"]["resultType"] == "matrix");
  INFO(rr.dump());
  REQUIRE(!rr["data"]["result"].empty());
  CHECK(rr["data"]["result"][0]["values"].size() >= 1);

  json sc = srv.s.GetJson("/api/v1/query?query=1%2B1");
  CHECK(sc["data"]["resultType"] == "scalar");
  CHECK(sc["data"]["result"][1] == "2");
  json st = srv.s.GetJson("/api/v1/query?query=%22hello%22");
  CHECK(st["data"]["resultType"] == "string");
  CHECK(st["data"]["result"][1] == "hello");
}

TEST_CASE("Series, labels and label values", "[server]") {
  Server srv;
  REQUIRE(Eventually([&] { return UpIsOne(srv.s); }, 20));
  json s = srv.s.GetJson("/api/v1/series?match[]=up");
  REQUIRE(s["data"].size() == 1);
  CHECK(s["data"][0]["__name__"] == "up");
  json l = srv.s.GetJson("/api/v1/labels");
  CHECK(std::find(l["data"].begin(), l["data"].end(), "job") != l["data"].end());
  json v = srv.s.GetJson("/api/v1/label/job/values");
  CHECK(v["data"] == json::array({"self"}));
  json lim = srv.s.GetJson("/api/v1/label/__name__/values?limit=2");
  CHECK(lim["data"].size() == 2);
  CHECK(lim["warnings"][0] == "results truncated due to limit");
  json vm = srv.s.GetJson("/api/v1/label/__name__/values?match[]=up");
  CHECK(vm["data"] == json::array({"up"}));
  json targets = srv.s.GetJson("/api/v1/targets");
  REQUIRE(targets["data"]["activeTargets"].size() == 1);
  auto& t = targets["data"]["activeTargets"][0];
  CHECK(t["health"] == "up");
  CHECK(t["scrapePool"] == "self");
  CHECK(t["scrapeInterval"] == "1s");
  CHECK(t["labels"]["job"] == "self");
}

TEST_CASE("Bad requests get Prometheus' error types, texts and codes", "[server]") {
  Server srv;
  json e = srv.s.GetJson("/api/v1/query?query=up&time=abc", 400);
  CHECK(e["status"] == "error");
  CHECK(e["errorType"] == "bad_data");
  CHECK(e["error"] == "invalid parameter \"time\": cannot parse \"abc\" to a valid timestamp");

  e = srv.s.GetJson("/api/v1/query?query=sum(", 400);
  CHECK(e["errorType"] == "bad_data");
  CHECK(e["error"].get<std::string>().rfind("invalid parameter \"query\": 1:5: parse error", 0) == 0);

  e = srv.s.GetJson("/api/v1/query_range?query=up&start=100&end=50&step=1", 400);
  CHECK(e["error"] == "invalid parameter \"end\": end timestamp must not be before start time");
  e = srv.s.GetJson("/api/v1/query_range?query=up&start=0&end=100&step=0", 400);
  CHECK(e["error"] ==
        "invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive "
        "integer");
  e = srv.s.GetJson("/api/v1/query_range?query=up&start=0&end=100&step=abc", 400);
  CHECK(e["error"] == "invalid parameter \"step\": cannot parse \"abc\" to a valid duration");
  e = srv.s.GetJson("/api/v1/query_range?query=up&start=0&end=100000&step=1", 400);
  CHECK(e["error"] ==
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
  e = srv.s.GetJson("/api/v1/query_range?query=up[5m]&start=0&end=100&step=1", 400);
  CHECK(e["error"] ==
        "invalid parameter \"query\": invalid expression type \"range vector\" for range query, must be Scalar or "
        "instant Vector");
  e = srv.s.GetJson("/api/v1/series", 400);
  CHECK(e["error"] == "no match[] parameter provided");
  e = srv.s.GetJson("/api/v1/series?match[]={job=~\".*\"}", 400);
  CHECK(e["errorType"] == "bad_data");
  // Execution errors are 422.
  e = srv.s.GetJson("/api/v1/query?query=label_replace(vector(1),\"x\",\"y\",\"z\",\"(\")", 422);
  CHECK(e["errorType"] == "execution");
}

TEST_CASE("Long queries POSTed as forms work (Grafana)", "[server]") {
  Server srv;
  REQUIRE(Eventually([&] { return UpIsOne(srv.s); }, 20));
  // A dashboard variable with many values expands to a long regex: 20 KB,
  // far over httplib's 8 KiB form-body limit.
  std::string re = "self";
  for (int i = 0; re.size() < 20000; i++) re += "|job-" + std::to_string(i);
  auto r = srv.s.PostForm("/api/v1/query", {{"query", "up{job=~\"" + re + "\"}"}});
  REQUIRE(r);
  INFO(r->body.substr(0, 300));
  REQUIRE(r->status == 200);
  json j = json::parse(r->body);
  CHECK(j["data"]["resultType"] == "vector");
  REQUIRE(j["data"]["result"].size() == 1);
  CHECK(j["data"]["result"][0]["metric"]["job"] == "self");
}

TEST_CASE("An oversized GET is refused, not crashed on", "[server]") {
  Server srv;
  std::string q(100000, 'a');
  auto r = srv.s.Get("/api/v1/query?query=" + q);
  REQUIRE(r);
  CHECK(r->status == 414);
  CHECK(srv.s.Get("/-/healthy")->status == 200);
}

TEST_CASE("format_query, parse_query and status endpoints", "[server]") {
  Server srv;
  json f = srv.s.GetJson("/api/v1/format_query?query=sum%20by(job)(rate(x%5B5m%5D))");
  CHECK(f["data"] == "sum by (job) (rate(x[5m]))");
  json p = srv.s.GetJson("/api/v1/parse_query?query=up%7Bjob%3D%22a%22%7D");
  CHECK(p["data"]["type"] == "vectorSelector");
  CHECK(p["data"]["name"] == "up");
  json b = srv.s.GetJson("/api/v1/status/buildinfo");
  CHECK(b["data"]["version"].is_string());
  json fl = srv.s.GetJson("/api/v1/status/flags");
  CHECK(fl["data"]["web.listen-address"] == "127.0.0.1:" + std::to_string(srv.port));
  json rt = srv.s.GetJson("/api/v1/status/runtimeinfo");
  CHECK(rt["data"]["reloadConfigSuccess"] == true);
  json cfg = srv.s.GetJson("/api/v1/status/config");
  CHECK(cfg["data"]["yaml"].get<std::string>().find("job_name: self") != std::string::npos);
  REQUIRE(Eventually([&] { return UpIsOne(srv.s); }, 20));
  json ts = srv.s.GetJson("/api/v1/status/tsdb");
  CHECK(ts["data"]["headStats"]["numSeries"].get<int>() > 0);
  CHECK(!ts["data"]["seriesCountByMetricName"].empty());
}

TEST_CASE("Reload keeps the old config when the new one is bad", "[server]") {
  Server srv({"--web.enable-lifecycle"});
  // Discovery hands targets to the scrape pools in batches (every 5 s, as in
  // Prometheus): the target may not be listed yet right after the start.
  REQUIRE(Eventually([&] { return srv.s.GetJson("/api/v1/targets")["data"]["activeTargets"].size() == 1; }, 20));
  srv.s.WriteConfig("scrape_configs:\n  - job_name: x\n    bogus_field: 1\n");
  auto r = srv.s.PostForm("/-/reload", {});
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(r->body.find("bogus_field") != std::string::npos);
  json rt = srv.s.GetJson("/api/v1/status/runtimeinfo");
  CHECK(rt["data"]["reloadConfigSuccess"] == false);
  json t = srv.s.GetJson("/api/v1/targets");
  REQUIRE(t["data"]["activeTargets"].size() == 1);
  CHECK(t["data"]["activeTargets"][0]["scrapePool"] == "self");

  // A good config replaces it.
  std::string good = SelfScrapeConfig(srv.port);
  good.replace(good.find("job_name: self"), 14, "job_name: again");
  srv.s.WriteConfig(good);
  r = srv.s.PostForm("/-/reload", {});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(srv.s.GetJson("/api/v1/status/runtimeinfo")["data"]["reloadConfigSuccess"] == true);
  REQUIRE(Eventually([&] {
    json tt = srv.s.GetJson("/api/v1/targets");
    return tt["data"]["activeTargets"].size() == 1 && tt["data"]["activeTargets"][0]["scrapePool"] == "again";
  }, 20));
}

TEST_CASE("Lifecycle endpoints are off unless enabled", "[server]") {
  Server srv;
  auto r = srv.s.PostForm("/-/reload", {});
  REQUIRE(r);
  CHECK(r->status == 403);
}

TEST_CASE("A restart on the same directory finds every sample", "[server]") {
  TempDir dir;
  int port = FreePort();
  double before = 0;
  {
    TestServer s(SelfScrapeConfig(port), {}, &dir);
    s.flags().web_listen_address = "127.0.0.1:" + std::to_string(port);
    REQUIRE(s.Start().ok());
    REQUIRE(Eventually([&] {
      json j = s.GetJson("/api/v1/query?query=count_over_time(up[1h])");
      if (j["data"]["result"].empty()) return false;
      before = std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
      return before >= 3;
    }, 30));
    s.Stop();
  }
  TestServer s(SelfScrapeConfig(port, "1h"), {}, &dir);
  s.flags().web_listen_address = "127.0.0.1:" + std::to_string(port);
  REQUIRE(s.Start().ok());
  json j = s.GetJson("/api/v1/query?query=count_over_time(up[1h])");
  REQUIRE(!j["data"]["result"].empty());
  CHECK(std::stod(j["data"]["result"][0]["value"][1].get<std::string>()) >= before);
}

TEST_CASE("A second server on the same data directory refuses to start", "[server]") {
  TempDir dir;
  TestServer a("", {}, &dir);
  REQUIRE(a.Start().ok());
  TestServer b("", {}, &dir);
  auto st = b.Start();
  REQUIRE(!st.ok());
  CHECK(st.message().find("lock DB directory") != std::string::npos);
}

TEST_CASE("Federation exposes the latest samples in the text format", "[server]") {
  Server srv;
  REQUIRE(Eventually([&] { return UpIsOne(srv.s); }, 20));
  auto r = srv.s.Get("/federate?match[]=up");
  REQUIRE(r);
  CHECK(r->status == 200);
  std::regex line(R"(^# TYPE up untyped\nup\{instance="127\.0\.0\.1:\d+",job="self"\} 1 \d+\n$)");
  INFO(r->body);
  CHECK(std::regex_match(r->body, line));
}
