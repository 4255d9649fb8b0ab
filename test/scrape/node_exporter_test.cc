// Real expositions: starts Debian's prometheus-node-exporter on a free
// 127.0.0.1 port, parses its output with both parsers and scrapes it through
// the scrape manager. Skipped (with a message) when the binary is missing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "fake_storage.h"
#include "http/client.h"
#include "textparse/convert.h"
#include "promlite/scrape/lint.h"
#include "promlite/scrape/scrape_manager.h"
#include "promlite/scrape/textparse.h"

using namespace promlite::scrape;
using namespace std::chrono_literals;

extern char** environ;

namespace {

constexpr const char* kNodeExporter = "/usr/bin/prometheus-node-exporter";

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

// Runs node_exporter for the test's duration; kills exactly the process it started.
class NodeExporter {
 public:
  bool Start() {
    port_ = FreePort();
    std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args = {kNodeExporter, listen, "--log.level=error"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Its collectors complain about what a container lacks (udev, dbus).
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    int rc = posix_spawn(&pid_, kNodeExporter, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) return false;
    for (int i = 0; i < 500; i++) {
      if (CanConnect(port_)) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  ~NodeExporter() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

size_t CountSamples(Parser& p, std::vector<std::string>* labels) {
  size_t n = 0;
  for (;;) {
    auto e = p.Next();
    REQUIRE(e.ok());
    if (*e == EntryType::kEOF) break;
    if (*e != EntryType::kSeries) continue;
    n++;
    labels->push_back(p.Labels().ToString());
  }
  return n;
}

}  // namespace

TEST_CASE("node_exporter: parse its real output in both formats and scrape it", "[node_exporter][concurrency]") {
  if (!std::filesystem::exists(kNodeExporter)) {
    WARN("skipping: " << kNodeExporter << " is not installed (apt-get install prometheus-node-exporter)");
    return;
  }
  NodeExporter ne;
  REQUIRE(ne.Start());

  // Fetch one exposition over HTTP like a scrape does.
  auto client = http::Client::Make("http", ne.address(), HTTPClientConfig{});
  REQUIRE(client.ok());
  http::GetOptions get;
  get.path_query = "/metrics";
  get.timeout = 5000ms;
  http::Response resp;
  std::string body;
  REQUIRE((*client)->Get(get, &resp, &body).ok());
  CHECK_THAT(resp.content_type, Catch::StartsWith("text/plain"));
  REQUIRE(body.size() > 10000);

  auto text = NewParserForContentType(body, resp.content_type, "");
  REQUIRE(text.ok());
  std::vector<std::string> text_labels;
  size_t n = CountSamples(**text, &text_labels);
  CHECK(n > 200);
  // Summaries' quantiles are normalised like Prometheus 3 does.
  CHECK(std::find(text_labels.begin(), text_labels.end(), "go_gc_duration_seconds{quantile=\"0.0\"}") != text_labels.end());
  CHECK(std::find_if(text_labels.begin(), text_labels.end(), [](const std::string& s) {
          return s.rfind("node_cpu_seconds_total{cpu=\"0\", mode=\"idle\"}", 0) == 0;
        }) != text_labels.end());

  // The same exposition as OpenMetrics parses to the same samples.
  std::string om = TextToOpenMetrics(body);
  auto omp = NewOpenMetricsParser(om);
  std::vector<std::string> om_labels;
  CHECK(CountSamples(*omp, &om_labels) == n);
  CHECK(om_labels == text_labels);

  // node_exporter's own output is lint-clean except for what promtool also reports.
  auto problems = LintExposition(body, Format::kPrometheusText);
  REQUIRE(problems.ok());

  // And a real scrape through the manager.
  testing::FakeStorage store;
  ScrapeManager::Options o;
  o.logger = promlite::tsdb::NewNopLogger();
  o.worker_threads = 2;
  o.discovery_update_interval = 10ms;
  o.skip_offset = true;
  ScrapeManager m(store, o);
  auto cfg = LoadConfig("scrape_configs:\n- job_name: node\n  scrape_interval: 200ms\n  scrape_timeout: 190ms\n"
                        "  static_configs: [{targets: ['" +
                        ne.address() + "']}]\n");
  REQUIRE(cfg.ok());
  REQUIRE(m.ApplyConfig(*cfg).ok());
  const std::string lbl = "{instance=\"" + ne.address() + "\", job=\"node\"}";
  bool scraped = false;
  for (int i = 0; i < 500 && !scraped; i++) {
    scraped = store.Samples("up" + lbl).size() >= 2;
    std::this_thread::sleep_for(10ms);
  }
  REQUIRE(scraped);
  CHECK(store.Last("up" + lbl) == 1);
  CHECK(store.Last("scrape_samples_scraped" + lbl) > 200);
  auto md = m.Metadata();
  bool found = false;
  for (const auto& t : md) {
    if (t.metadata.metric_family == "node_cpu_seconds_total") {
      found = true;
      CHECK(t.metadata.type == MetricType::kCounter);
      CHECK(!t.metadata.help.empty());
    }
  }
  CHECK(found);
  m.Stop();
}
