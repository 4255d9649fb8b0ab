// Scrape loops against local HTTP targets: staleness, targets going away,
// timeouts, errors, body limits, truncated bodies, compression, auth,
// reloads and many targets on few threads.
#include <atomic>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "fake_storage.h"
#include "promlite/scrape/scrape_manager.h"
#include "promlite/tsdb/sample.h"
#include "test_http_server.h"
#include "test_util.h"

using namespace promlite::scrape;
using namespace std::chrono_literals;
using promlite::scrape::testing::FakeStorage;
using promlite::scrape::testing::TestHttpServer;

namespace {

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 8000ms) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

ScrapeManager::Options FastOptions() {
  ScrapeManager::Options o;
  o.logger = promlite::tsdb::NewNopLogger();
  o.worker_threads = 4;
  o.discovery_update_interval = 10ms;
  o.skip_offset = true;
  return o;
}

Config MustLoad(const std::string& yaml) {
  auto c = LoadConfig(yaml);
  INFO(yaml);
  REQUIRE(c.ok());
  return *c;
}

std::string Job(const std::string& name, const std::string& address, const std::string& extra = "",
                const std::string& interval = "100ms", const std::string& timeout = "90ms") {
  return "- job_name: " + name + "\n  scrape_interval: " + interval + "\n  scrape_timeout: " + timeout +
         "\n  static_configs: [{targets: ['" + address + "']}]\n" + extra;
}

std::optional<TargetStatus> Status(const ScrapeManager& m, const std::string& pool) {
  for (auto& t : m.ActiveTargets()) {
    if (t.scrape_pool == pool) return t;
  }
  return std::nullopt;
}

int StaleCount(const std::vector<promlite::tsdb::Sample>& s) {
  int n = 0;
  for (const auto& x : s) n += promlite::tsdb::IsStaleNaN(x.v) ? 1 : 0;
  return n;
}

// Waits for the first finished scrape of `pool` and returns its status.
TargetStatus FirstResult(const ScrapeManager& m, const std::string& pool) {
  std::optional<TargetStatus> st;
  REQUIRE(WaitUntil([&] {
    st = Status(m, pool);
    return st && st->health != TargetHealth::kUnknown;
  }));
  return *st;
}

}  // namespace

TEST_CASE("scrape loop: changed series get stale markers, so does a target that goes away", "[loop][concurrency]") {
  TestHttpServer srv;
  std::atomic<int> requests{0};
  std::mutex hmu;
  std::string accept, timeout_hdr, encoding;
  srv.server().Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
    int n = requests++;
    {
      std::lock_guard<std::mutex> l(hmu);
      accept = req.get_header_value("Accept");
      timeout_hdr = req.get_header_value("X-Prometheus-Scrape-Timeout-Seconds");
      encoding = req.get_header_value("Accept-Encoding");
    }
    res.set_content(n < 2 ? "a 1\nb 2\nc 3\n" : "a 1\nb 2\nd 4\n", "text/plain; version=0.0.4");
  });
  srv.Start();
  FakeStorage store;
  ScrapeManager m(store, FastOptions());
  REQUIRE(m.ApplyConfig(MustLoad("scrape_configs:\n" + Job("j", srv.address()))).ok());
  const std::string lbl = "{instance=\"" + srv.address() + "\", job=\"j\"}";
  REQUIRE(WaitUntil([&] { return store.Samples("d" + lbl).size() >= 2; }));
  auto c = store.Samples("c" + lbl);
  REQUIRE(c.size() == 3);
  CHECK(promlite::tsdb::IsStaleNaN(c[2].v));
  CHECK(store.Last("up" + lbl) == 1);
  CHECK(store.Last("scrape_samples_scraped" + lbl) == 3);
  {
    std::lock_guard<std::mutex> l(hmu);
    CHECK(accept ==
          "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
          "application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
          "text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
    CHECK(timeout_hdr == "0.09");
    CHECK(encoding == "gzip");
  }
  auto st = Status(m, "j");
  REQUIRE(st);
  CHECK(st->health == TargetHealth::kUp);
  CHECK(st->labels.ToString() == lbl);
  CHECK(st->discovered_labels.Get("__address__") == srv.address());
  CHECK(st->scrape_url == "http://" + srv.address() + "/metrics");

  // The target disappears from discovery: after about two intervals every
  // series, including the synthetic ones, gets a stale marker.
  m.SyncTargets("j", {});
  CHECK(m.ActiveTargets().empty());
  REQUIRE(WaitUntil([&] { return StaleCount(store.Samples("up" + lbl)) == 1; }, 3000ms));
  CHECK(StaleCount(store.Samples("a" + lbl)) == 1);
  CHECK(StaleCount(store.Samples("d" + lbl)) == 1);
  CHECK(StaleCount(store.Samples("scrape_duration_seconds" + lbl)) == 1);
  m.Stop();
}

TEST_CASE("scrape loop: failures (timeout, HTTP 500, body limit, truncated body)", "[loop][concurrency]") {
  TestHttpServer srv;
  std::atomic<bool> release{false};
  srv.server().Get("/hang", [&](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 300 && !release; i++) std::this_thread::sleep_for(10ms);
    res.set_content("a 1\n", "text/plain");
  });
  srv.server().Get("/500", [](const httplib::Request&, httplib::Response& res) {
    res.status = 500;
    res.set_content("boom", "text/plain");
  });
  srv.server().Get("/big", [](const httplib::Request&, httplib::Response& res) {
    // 50 MB of valid exposition, produced as it is sent.
    auto sent = std::make_shared<size_t>(0);
    res.set_chunked_content_provider("text/plain; version=0.0.4", [sent](size_t, httplib::DataSink& sink) {
      static const std::string line = "some_metric_with_a_long_name{label=\"value\",other=\"thing\"} 12345\n";
      std::string chunk;
      for (int i = 0; i < 1000; i++) chunk += line;
      if (*sent >= 50u * 1024 * 1024) {
        sink.done();
        return true;
      }
      *sent += chunk.size();
      return sink.write(chunk.data(), chunk.size());
    });
  });
  srv.server().Get("/cut", [](const httplib::Request&, httplib::Response& res) {
    // Promises 100000 bytes, sends 10 and hangs up.
    res.set_content_provider(100000, "text/plain", [](size_t offset, size_t, httplib::DataSink& sink) {
      if (offset > 0) return false;
      sink.write("a 1\nb 2\nc ", 10);
      return false;
    });
  });
  srv.Start();
  FakeStorage store;
  ScrapeManager m(store, FastOptions());
  std::string a = srv.address();
  REQUIRE(m.ApplyConfig(MustLoad(
                            "scrape_configs:\n" + Job("hang", a, "  metrics_path: /hang\n", "2s", "300ms") +
                            Job("e500", a, "  metrics_path: /500\n", "2s", "1s") +
                            Job("big", a, "  metrics_path: /big\n  body_size_limit: 1MB\n  extra_scrape_metrics: true\n",
                                "5s", "4s") +
                            Job("cut", a, "  metrics_path: /cut\n", "2s", "1s")))
              .ok());

  TargetStatus hang = FirstResult(m, "hang");
  CHECK(hang.health == TargetHealth::kDown);
  CHECK(hang.last_error == "Get \"http://" + a + "/hang\": context deadline exceeded");
  CHECK(hang.last_scrape_duration_seconds >= 0.25);
  CHECK(hang.last_scrape_duration_seconds < 1.0);
  release = true;

  TargetStatus e500 = FirstResult(m, "e500");
  CHECK(e500.health == TargetHealth::kDown);
  CHECK(e500.last_error == "server returned HTTP status 500 Internal Server Error");

  TargetStatus big = FirstResult(m, "big");
  CHECK(big.health == TargetHealth::kDown);
  CHECK(big.last_error == "body size limit exceeded");
  CHECK(store.Last("scrape_body_size_bytes{instance=\"" + a + "\", job=\"big\"}") == -1);
  CHECK(store.Last("up{instance=\"" + a + "\", job=\"big\"}") == 0);

  TargetStatus cut = FirstResult(m, "cut");
  CHECK(cut.health == TargetHealth::kDown);
  CHECK_THAT(cut.last_error, Catch::StartsWith("Get \"http://" + a + "/cut\""));
  CHECK(store.Samples("a{instance=\"" + a + "\", job=\"cut\"}").empty());
  m.Stop();
}

TEST_CASE("scrape loop: auth headers, compression off, params and OpenMetrics", "[loop][concurrency]") {
  promlite::testing::TempDir dir;
  {
    std::ofstream f(dir.path() / "token");
    f << "s3cret\n";
  }
  TestHttpServer srv;
  std::mutex mu;
  std::map<std::string, std::string> seen;
  srv.server().Get("/om", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> l(mu);
    seen["auth"] = req.get_header_value("Authorization");
    seen["enc"] = req.get_header_value("Accept-Encoding");
    seen["module"] = req.get_param_value("module");
    res.set_content("# TYPE x gauge\nx 1\n# EOF\n", "application/openmetrics-text; version=1.0.0; charset=utf-8");
  });
  srv.server().Get("/basic", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> l(mu);
    seen["basic"] = req.get_header_value("Authorization");
    res.set_content("y 1\n", "text/plain");
  });
  srv.Start();
  FakeStorage store;
  ScrapeManager m(store, FastOptions());
  std::string a = srv.address();
  REQUIRE(m.ApplyConfig(MustLoad("scrape_configs:\n" +
                                 Job("om", a,
                                     "  metrics_path: /om\n  enable_compression: false\n  params: {module: [m1]}\n"
                                     "  authorization: {credentials_file: " +
                                         (dir.path() / "token").string() + "}\n") +
                                 Job("basic", a, "  metrics_path: /basic\n  basic_auth: {username: u, password: p}\n")))
              .ok());
  REQUIRE(WaitUntil([&] {
    return store.Samples("x{instance=\"" + a + "\", job=\"om\"}").size() >= 1 &&
           store.Samples("y{instance=\"" + a + "\", job=\"basic\"}").size() >= 1;
  }));
  std::lock_guard<std::mutex> l(mu);
  CHECK(seen["auth"] == "Bearer s3cret");
  CHECK(seen["enc"] == "identity");
  CHECK(seen["module"] == "m1");
  CHECK(seen["basic"] == "Basic dTpw");
  auto st = Status(m, "om");
  REQUIRE(st);
  CHECK(st->scrape_url == "http://" + a + "/om?module=m1");
  m.Stop();
}

TEST_CASE("scrape loop: reload keeps unchanged jobs running and reuses caches", "[loop][concurrency]") {
  TestHttpServer srv;
  std::atomic<int> ra{0}, rb{0};
  srv.server().Get("/a", [&](const httplib::Request&, httplib::Response& res) {
    ra++;
    res.set_content("ma 1\n", "text/plain");
  });
  srv.server().Get("/b", [&](const httplib::Request&, httplib::Response& res) {
    rb++;
    res.set_content("mb 1\n", "text/plain");
  });
  srv.Start();
  FakeStorage store;
  ScrapeManager m(store, FastOptions());
  std::string a = srv.address();
  std::string cfg1 = "scrape_configs:\n" + Job("A", a, "  metrics_path: /a\n") + Job("B", a, "  metrics_path: /b\n");
  REQUIRE(m.ApplyConfig(MustLoad(cfg1)).ok());
  REQUIRE(WaitUntil([&] { return ra >= 2 && rb >= 2; }));
  auto before = Status(m, "A");
  REQUIRE(before);
  CHECK(before->health == TargetHealth::kUp);

  // Only B changes (its interval): A keeps its loop, B restarts with its cache.
  std::string cfg2 =
      "scrape_configs:\n" + Job("A", a, "  metrics_path: /a\n") + Job("B", a, "  metrics_path: /b\n", "150ms", "90ms");
  REQUIRE(m.ApplyConfig(MustLoad(cfg2)).ok());
  auto a_after = Status(m, "A");
  auto b_after = Status(m, "B");
  REQUIRE(a_after);
  REQUIRE(b_after);
  CHECK(a_after->health == TargetHealth::kUp);  // the same target object, still reporting
  CHECK(b_after->scrape_interval_ms == 150);
  int rb_at_reload = rb;
  REQUIRE(WaitUntil([&] { return rb >= rb_at_reload + 2; }));
  // The reused cache means no stale markers for B's series across the restart.
  CHECK(StaleCount(store.Samples("mb{instance=\"" + a + "\", job=\"B\"}")) == 0);
  CHECK(StaleCount(store.Samples("up{instance=\"" + a + "\", job=\"B\"}")) == 0);

  // Removing job B stale-marks its series after two intervals.
  REQUIRE(m.ApplyConfig(MustLoad("scrape_configs:\n" + Job("A", a, "  metrics_path: /a\n"))).ok());
  CHECK(m.ScrapePools() == std::vector<std::string>{"A"});
  REQUIRE(WaitUntil([&] { return StaleCount(store.Samples("mb{instance=\"" + a + "\", job=\"B\"}")) == 1; }, 3000ms));
  m.Stop();
}

TEST_CASE("scrape loop: hundreds of targets share a few worker threads", "[loop][concurrency]") {
  TestHttpServer srv;
  // httplib serves one connection per thread; 300 idle keep-alive
  // connections would starve its pool (real targets are separate servers).
  srv.server().set_keep_alive_max_count(1);
  std::atomic<int> requests{0};
  srv.server().Get("/metrics", [&](const httplib::Request& req, httplib::Response& res) {
    requests++;
    res.set_content("m{id=\"" + req.get_param_value("id") + "\"} 1\n", "text/plain");
  });
  srv.Start();
  FakeStorage store;
  ScrapeManager::Options o = FastOptions();
  o.skip_offset = false;  // spread over the interval, as in production
  ScrapeManager m(store, o);
  // 300 targets: one address, 300 distinct __param_id values.
  std::string yaml = "scrape_configs:\n- job_name: many\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n  static_configs:\n";
  for (int i = 0; i < 300; i++) {
    yaml += "  - targets: ['" + srv.address() + "']\n    labels: {__param_id: 'x" + std::to_string(i) + "'}\n";
  }
  REQUIRE(m.ApplyConfig(MustLoad(yaml)).ok());
  REQUIRE(WaitUntil([&] { return m.ActiveTargets().size() == 300; }));
  REQUIRE(WaitUntil([&] {
    for (const auto& t : m.ActiveTargets()) {
      if (t.health != TargetHealth::kUp) return false;
    }
    return true;
  }, 5000ms));
  // Threads: the scheduler's 4 workers and timer, the watchdog, discovery,
  // the test server's pool: far fewer than the 300 targets.
  std::ifstream status("/proc/self/status");
  std::string line;
  int threads = 0;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) threads = std::stoi(line.substr(8));
  }
  CHECK(threads > 0);
  CHECK(threads < 40);
  m.Stop();
}

TEST_CASE("scrape loop: target_limit fails every target of the job", "[loop][concurrency]") {
  TestHttpServer srv;
  srv.server().Get("/metrics", [](const httplib::Request&, httplib::Response& res) { res.set_content("m 1\n", "text/plain"); });
  srv.Start();
  FakeStorage store;
  ScrapeManager m(store, FastOptions());
  std::string a = srv.address();
  REQUIRE(m.ApplyConfig(MustLoad("scrape_configs:\n- job_name: t\n  scrape_interval: 100ms\n  scrape_timeout: 90ms\n"
                                 "  target_limit: 2\n  static_configs:\n  - targets: ['" +
                                 a + "']\n    labels: {__param_a: '1'}\n  - targets: ['" + a +
                                 "']\n    labels: {__param_a: '2'}\n  - targets: ['" + a +
                                 "']\n    labels: {__param_a: '3'}\n"))
              .ok());
  REQUIRE(WaitUntil([&] {
    auto ts = m.ActiveTargets();
    if (ts.size() != 3) return false;
    for (const auto& t : ts) {
      if (t.health != TargetHealth::kDown) return false;
    }
    return true;
  }));
  CHECK(m.ActiveTargets()[0].last_error == "target_limit exceeded (number of targets: 3, limit: 2)");
  m.Stop();
}
