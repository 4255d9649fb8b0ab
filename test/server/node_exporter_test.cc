// The server scrapes a real node_exporter (Debian's prometheus-node-exporter)
// and answers queries over what it scraped.
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "server_fixture.h"

using promlite::testing::Eventually;
using promlite::testing::FreePort;
using promlite::testing::TestServer;
using nlohmann::json;

TEST_CASE("Scraping a real node_exporter", "[server][integration]") {
  const char* bin = "/usr/bin/prometheus-node-exporter";
  if (!std::filesystem::exists(bin)) {
    WARN("prometheus-node-exporter is not installed; skipping");
    return;
  }
  int ne_port = FreePort();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // Its collectors complain about the container (no systemd, no udev).
    freopen("/dev/null", "w", stderr);
    std::string addr = "--web.listen-address=127.0.0.1:" + std::to_string(ne_port);
    execl(bin, bin, addr.c_str(), "--log.level=error", static_cast<char*>(nullptr));
    _exit(127);
  }
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      kill(pid, SIGTERM);
      int st;
      waitpid(pid, &st, 0);
    }
  } reaper{pid};

  TestServer s("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: node\n"
               "    static_configs:\n      - targets: ['127.0.0.1:" +
               std::to_string(ne_port) + "']\n");
  REQUIRE(s.Start().ok());
  REQUIRE(Eventually([&] {
    json j = s.GetJson("/api/v1/query?query=up%7Bjob%3D%22node%22%7D");
    return !j["data"]["result"].empty() && j["data"]["result"][0]["value"][1] == "1";
  }, 30));
  // Two scrapes give a rate.
  REQUIRE(Eventually([&] {
    json j = s.GetJson("/api/v1/query?query=sum(rate(node_cpu_seconds_total%5B10s%5D))");
    return !j["data"]["result"].empty();
  }, 30));
  json names = s.GetJson("/api/v1/label/__name__/values");
  CHECK(names["data"].size() > 100);
  json series = s.GetJson("/api/v1/series?match[]=node_cpu_seconds_total");
  CHECK(!series["data"].empty());
  json targets = s.GetJson("/api/v1/targets");
  CHECK(targets["data"]["activeTargets"][0]["health"] == "up");
  json meta = s.GetJson("/api/v1/metadata?metric=node_cpu_seconds_total");
  CHECK(meta["data"]["node_cpu_seconds_total"][0]["type"] == "counter");
}
