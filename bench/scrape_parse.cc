// Parse speed of the text format and OpenMetrics parsers on real
// node_exporter output (MB/s and samples/s).
//
// The exposition is captured when the benchmark starts: Debian's
// /usr/bin/prometheus-node-exporter is run on a free 127.0.0.1 port and
// scraped once; its text output is also rewritten as OpenMetrics. Without
// the binary a synthetic exposition of the same shape is used (and said so).
//
//   build/bench/bench_scrape_parse --benchmark_min_time=1
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

#include "http/client.h"
#include "promlite/scrape/textparse.h"
#include "textparse/convert.h"

extern char** environ;

namespace {

using namespace promlite::scrape;

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

std::string CaptureNodeExporter() {
  const char* bin = "/usr/bin/prometheus-node-exporter";
  if (!std::filesystem::exists(bin)) return "";
  int port = FreePort();
  std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port);
  std::vector<std::string> args = {bin, listen};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, bin, &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return "";
  std::string body;
  auto client = http::Client::Make("http", "127.0.0.1:" + std::to_string(port), HTTPClientConfig{});
  for (int i = 0; i < 300 && client.ok(); i++) {
    http::GetOptions g;
    g.path_query = "/metrics";
    g.timeout = std::chrono::milliseconds(2000);
    http::Response resp;
    if ((*client)->Get(g, &resp, &body).ok()) break;
    body.clear();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGTERM);
  int status;
  ::waitpid(pid, &status, 0);
  return body;
}

// node_exporter-shaped data for machines without it.
std::string Synthetic() {
  std::string s;
  for (int f = 0; f < 60; f++) {
    std::string name = "node_synthetic_family_" + std::to_string(f) + "_seconds_total";
    s += "# HELP " + name + " Synthetic counter family number " + std::to_string(f) + ".\n";
    s += "# TYPE " + name + " counter\n";
    for (int i = 0; i < 10; i++) {
      s += name + "{cpu=\"" + std::to_string(i) + "\",mode=\"user\"} " + std::to_string(123456.78 + i * f) + "\n";
    }
  }
  return s;
}

const std::string& Text() {
  static const std::string* t = [] {
    std::string body = CaptureNodeExporter();
    if (body.empty()) {
      std::fprintf(stderr, "note: prometheus-node-exporter not available, using a synthetic exposition\n");
      body = Synthetic();
    }
    return new std::string(std::move(body));
  }();
  return *t;
}

const std::string& OpenMetrics() {
  static const std::string* om = new std::string(TextToOpenMetrics(Text()));
  return *om;
}

// The scrape loop's steady path: walk every entry and read series text and
// value (cache hits need nothing else).
void Walk(benchmark::State& state, const std::string& body, bool om) {
  int64_t samples = 0;
  for (auto _ : state) {
    std::unique_ptr<Parser> p = om ? NewOpenMetricsParser(body) : NewPromTextParser(body);
    int64_t n = 0;
    double sum = 0;
    for (;;) {
      auto e = p->Next();
      if (!e.ok()) state.SkipWithError("parse error");
      if (!e.ok() || *e == EntryType::kEOF) break;
      if (*e == EntryType::kSeries) {
        n++;
        sum += p->Value() + static_cast<double>(p->Series().size());
      }
    }
    benchmark::DoNotOptimize(sum);
    samples = n;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * samples);
  state.counters["bytes"] = static_cast<double>(body.size());
  state.counters["samples"] = static_cast<double>(samples);
}

// The cold path of a first scrape: labels built for every sample.
void WalkWithLabels(benchmark::State& state, const std::string& body, bool om) {
  int64_t samples = 0;
  for (auto _ : state) {
    std::unique_ptr<Parser> p = om ? NewOpenMetricsParser(body) : NewPromTextParser(body);
    int64_t n = 0;
    for (;;) {
      auto e = p->Next();
      if (!e.ok() || *e == EntryType::kEOF) break;
      if (*e == EntryType::kSeries) {
        n++;
        benchmark::DoNotOptimize(p->Labels());
      }
    }
    samples = n;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(body.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * samples);
}

void BM_ParseText(benchmark::State& s) { Walk(s, Text(), false); }
void BM_ParseOpenMetrics(benchmark::State& s) { Walk(s, OpenMetrics(), true); }
void BM_ParseTextWithLabels(benchmark::State& s) { WalkWithLabels(s, Text(), false); }
void BM_ParseOpenMetricsWithLabels(benchmark::State& s) { WalkWithLabels(s, OpenMetrics(), true); }

BENCHMARK(BM_ParseText);
BENCHMARK(BM_ParseOpenMetrics);
BENCHMARK(BM_ParseTextWithLabels);
BENCHMARK(BM_ParseOpenMetricsWithLabels);

}  // namespace

BENCHMARK_MAIN();
