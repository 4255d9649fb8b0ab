// promlite-tool tsdb bench write: a synthetic write workload against a data
// directory, for users to measure storage on their own hardware.
//
// Phases: (1) create N series with node_exporter-like labels (memory per
// series from RSS growth, without sample chunks); (2) append M rounds of one
// sample per series by ref, committing in scrape-sized batches (samples/s,
// WAL included); (3) close and measure bytes on disk per sample; (4) reopen
// and time the WAL replay.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "promlite/tsdb/db.h"
#include "promlite/tsdb/duration.h"
#include "tool/commands.h"

namespace promlite::tool {
namespace {

using tsdb::DB;
using tsdb::Labels;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Resident set size in bytes, from /proc/self/statm.
uint64_t RssBytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

// Label sets shaped like a fleet of node_exporters: 10 labels per series,
// metric names and per-host labels repeating as they do in practice.
std::vector<Labels> MakeSeries(size_t n, uint32_t seed) {
  static const char* kMetrics[] = {"node_cpu_seconds_total", "node_network_receive_bytes_total",
                                   "node_filesystem_avail_bytes", "node_disk_read_bytes_total",
                                   "node_memory_MemAvailable_bytes", "node_netstat_Tcp_InSegs"};
  static const char* kModes[] = {"idle", "user", "system", "iowait", "irq", "softirq", "steal", "nice"};
  std::mt19937 rng(seed);
  std::vector<Labels> out;
  out.reserve(n);
  const size_t per_host = 400;
  for (size_t i = 0; i < n; i++) {
    size_t host = i / per_host, k = i % per_host;
    std::string instance = "10." + std::to_string(host / 65536 % 256) + "." + std::to_string(host / 256 % 256) +
                           "." + std::to_string(host % 256) + ":9100";
    const char* metric = kMetrics[k % 6];
    std::string cpu = std::to_string(k / 8 % 64);
    out.push_back(Labels{{"__name__", metric},
                         {"instance", instance},
                         {"job", "node"},
                         {"cpu", cpu},
                         {"mode", kModes[k % 8]},
                         {"device", "dev" + std::to_string(k / 48)},
                         {"env", host % 3 == 0 ? "prod" : "staging"},
                         {"region", host % 2 ? "eu-west-1" : "us-east-1"},
                         {"cluster", "cluster-" + std::to_string(host % 20)},
                         {"team", "team-" + std::to_string(rng() % 10)}});
  }
  return out;
}

int Run(int argc, char** argv) {
  CLI::App app{"Run a synthetic write workload against a data directory and print samples/s, bytes per "
               "sample and memory per series.",
               argv[0]};
  std::string dir = "./benchout";
  size_t series = 1000000;
  int rounds = 120;
  size_t batch = 1000;
  std::string interval = "15s";
  std::string compression = "zstd";
  bool keep = false;
  app.add_option("--out", dir, "data directory to write (deleted first unless it is not empty and --keep)");
  app.add_option("--series", series, "number of series")->check(CLI::Range(size_t{1}, size_t{100000000}));
  app.add_option("--samples", rounds, "samples per series")->check(CLI::Range(1, 100000));
  app.add_option("--batch", batch, "samples per commit (a scrape's worth)")->check(CLI::Range(size_t{1}, size_t{10000000}));
  app.add_option("--interval", interval, "time between a series' samples");
  app.add_option("--wal-compression", compression, "none, snappy or zstd")
      ->check(CLI::IsMember({"none", "snappy", "zstd"}));
  app.add_flag("--keep", keep, "keep the data directory afterwards");
  bool reopen_only = false;
  app.add_flag("--reopen-only", reopen_only,
               "only time opening the existing data directory --out (WAL replay, startup after a crash)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto step = tsdb::ParseDuration(interval);
  if (!step.ok() || *step <= 0) {
    std::fprintf(stderr, "invalid --interval %s\n", interval.c_str());
    return 2;
  }
  std::error_code ec;
  if (reopen_only) {
    tsdb::Options ro;
    ro.logger = tsdb::NewStderrLogger(tsdb::LogLevel::kWarn);
    double a = Now();
    auto db = DB::Open(dir, ro);
    double b = Now();
    if (!db.ok()) {
      std::fprintf(stderr, "open: %s\n", std::string(db.status().message()).c_str());
      return 1;
    }
    auto st = (*db)->Stats();
    std::printf("open:              %.2fs (%llu series, %llu samples replayed from the WAL, %.2fM samples/s)\n", b - a,
                static_cast<unsigned long long>(st.head_series), static_cast<unsigned long long>(st.replayed_samples),
                static_cast<double>(st.replayed_samples) / (b - a) / 1e6);
    return (*db)->Close().ok() ? 0 : 1;
  }
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec) &&
      !std::filesystem::exists(dir + "/wal", ec)) {
    std::fprintf(stderr, "refusing to delete %s: it exists and does not look like a data directory\n", dir.c_str());
    return 2;
  }
  std::filesystem::remove_all(dir, ec);

  tsdb::Options opts;
  opts.logger = tsdb::NewStderrLogger(tsdb::LogLevel::kWarn);
  opts.wal_compression = compression == "none"     ? tsdb::WalCompression::kNone
                         : compression == "snappy" ? tsdb::WalCompression::kSnappy
                                                   : tsdb::WalCompression::kZstd;
  std::printf("promlite tsdb bench write: %zu series x %d samples, batch %zu, wal compression %s, %ld CPUs\n",
              series, rounds, batch, compression.c_str(), sysconf(_SC_NPROCESSORS_ONLN));

  std::vector<Labels> lsets = MakeSeries(series, 1);
  auto db = DB::Open(dir, opts);
  if (!db.ok()) {
    std::fprintf(stderr, "open: %s\n", std::string(db.status().message()).c_str());
    return 1;
  }

  // Phase 1: series without samples (an appender that rolls back leaves the
  // series in the head but no chunks).
  uint64_t rss0 = RssBytes();
  std::vector<tsdb::SeriesRef> refs(series);
  double t0 = Now();
  {
    auto a = (*db)->NewAppender();
    for (size_t i = 0; i < series; i++) {
      auto r = a->Append(0, lsets[i], 0, 0);
      if (!r.ok()) {
        std::fprintf(stderr, "append: %s\n", std::string(r.status().message()).c_str());
        return 1;
      }
      refs[i] = *r;
    }
    a->Rollback().IgnoreError();
  }
  double t1 = Now();
  uint64_t rss1 = RssBytes();
  lsets.clear();
  lsets.shrink_to_fit();
  auto stats = (*db)->Stats();
  std::printf("series creation:   %.0f series/s\n", static_cast<double>(series) / (t1 - t0));
  std::printf("memory per series: %.0f bytes (RSS growth over %zu series; head's own estimate %.0f bytes)\n",
              static_cast<double>(rss1 - rss0) / static_cast<double>(series), series,
              static_cast<double>(stats.head_index_bytes) / static_cast<double>(series));

  // Phase 2: appends by ref, commit per batch.
  int64_t base = 1700000000000;
  uint64_t total = 0;
  double t2 = Now();
  {
    auto a = (*db)->NewAppender();
    size_t in_batch = 0;
    for (int r = 0; r < rounds; r++) {
      int64_t ts = base + r * *step;
      for (size_t i = 0; i < series; i++) {
        double v = static_cast<double>(r * 10 + static_cast<int>(i % 7));
        auto res = a->Append(refs[i], Labels(), ts, v);
        if (!res.ok()) {
          std::fprintf(stderr, "append: %s\n", std::string(res.status().message()).c_str());
          return 1;
        }
        if (++in_batch == batch) {
          if (auto st = a->Commit(); !st.ok()) {
            std::fprintf(stderr, "commit: %s\n", std::string(st.message()).c_str());
            return 1;
          }
          in_batch = 0;
        }
      }
      total += series;
    }
    if (auto st = a->Commit(); !st.ok()) {
      std::fprintf(stderr, "commit: %s\n", std::string(st.message()).c_str());
      return 1;
    }
  }
  double t3 = Now();
  uint64_t rss3 = RssBytes();
  std::printf("append:            %.2fM samples/s (%llu samples in %.2fs, commit + WAL included, one thread)\n",
              static_cast<double>(total) / (t3 - t2) / 1e6, static_cast<unsigned long long>(total), t3 - t2);
  std::printf("memory with data:  %.2f bytes per sample in the head (RSS)\n",
              static_cast<double>(rss3 - rss1) / static_cast<double>(total));
  if (auto st = (*db)->Close(); !st.ok()) {
    std::fprintf(stderr, "close: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  db->reset();
  uint64_t bytes = DirBytes(dir);
  std::printf("on disk:           %.2f bytes per sample (%.1f MiB, WAL only until blocks are cut)\n",
              static_cast<double>(bytes) / static_cast<double>(total), static_cast<double>(bytes) / 1048576.0);

  // Phase 4: replay.
  double t4 = Now();
  auto again = DB::Open(dir, opts);
  double t5 = Now();
  if (!again.ok()) {
    std::fprintf(stderr, "reopen: %s\n", std::string(again.status().message()).c_str());
    return 1;
  }
  auto rs = (*again)->Stats();
  std::printf("WAL replay:        %.2fM samples/s (%llu samples, %llu series in %.2fs)\n",
              static_cast<double>(rs.replayed_samples) / (t5 - t4) / 1e6,
              static_cast<unsigned long long>(rs.replayed_samples), static_cast<unsigned long long>(rs.replayed_series),
              t5 - t4);
  int rc = 0;
  if (rs.replayed_samples != total) {
    std::fprintf(stderr, "replayed %llu samples, wrote %llu\n", static_cast<unsigned long long>(rs.replayed_samples),
                 static_cast<unsigned long long>(total));
    rc = 1;
  }
  (*again)->Close().IgnoreError();
  if (!keep) std::filesystem::remove_all(dir, ec);
  return rc;
}

Registration reg({"tsdb", "bench", "write"}, Run,
                 "synthetic write workload: samples/s, bytes per sample, memory per series");

}  // namespace
}  // namespace promlite::tool
