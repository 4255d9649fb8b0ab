#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <catch2/catch.hpp>

#include <mutex>
#include "promlite/tsdb/db.h"
#include "test_util.h"

using namespace promlite::tsdb;
using promlite::testing::TempDir;
namespace fs = std::filesystem;

namespace {

class CaptureLogger : public Logger {
 public:
  void Log(LogLevel level, std::string_view component, std::string_view msg,
           std::initializer_list<LogField> fields) override {
    std::unique_lock l(mu_);
    lines_.push_back(FormatLogLine(LogFormat::kLogfmt, level, component, msg, fields));
  }
  bool Contains(std::string_view s) {
    std::unique_lock l(mu_);
    for (const auto& line : lines_) {
      if (line.find(s) != std::string::npos) return true;
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

Options Quiet(WalCompression c = WalCompression::kZstd) {
  Options o;
  o.wal_compression = c;
  o.logger = NewNopLogger();
  o.stripe_size = 64;
  return o;
}

Labels SeriesLabels(int i) {
  return Labels{{"__name__", "metric_" + std::to_string(i % 7)}, {"instance", "host-" + std::to_string(i)},
                {"job", "node"}};
}

// All samples, keyed by series text.
std::map<std::string, std::vector<Sample>> ReadAll(DB& db) {
  std::map<std::string, std::vector<Sample>> out;
  auto q = db.NewQuerier(kMinTime, kMaxTime);
  REQUIRE(q.ok());
  auto ss = (*q)->Select(true, nullptr, {});
  while (ss->Next()) {
    auto& v = out[ss->At().labels().ToString()];
    auto it = ss->At().Iterator();
    while (it->Next()) v.push_back({it->AtT(), it->AtV()});
  }
  REQUIRE(ss->Err().ok());
  return out;
}

// Writes `batches` commits of one sample for each of `nseries` series.
void WriteBatches(DB& db, int batches, int nseries) {
  auto app = db.NewAppender();
  for (int b = 1; b <= batches; b++) {
    for (int i = 0; i < nseries; i++) REQUIRE(app->Append(0, SeriesLabels(i), b * 1000, b + i * 0.5).ok());
    REQUIRE(app->Commit().ok());
  }
}

// Every series has batches 1..k for one common k: batches are all or nothing.
int CheckBatchPrefix(DB& db, int nseries) {
  auto all = ReadAll(db);
  if (all.empty()) return 0;
  REQUIRE(all.size() == static_cast<size_t>(nseries));
  size_t k = all.begin()->second.size();
  for (const auto& [name, samples] : all) {
    INFO(name);
    REQUIRE(samples.size() == k);
    for (size_t j = 0; j < k; j++) REQUIRE(samples[j].t == static_cast<Timestamp>((j + 1) * 1000));
  }
  return static_cast<int>(k);
}

}  // namespace

TEST_CASE("DB survives close and reopen with every WAL compression", "[db]") {
  for (WalCompression c : {WalCompression::kNone, WalCompression::kSnappy, WalCompression::kZstd}) {
    TempDir dir;
    {
      auto db = DB::Open(dir.str(), Quiet(c));
      REQUIRE(db.ok());
      WriteBatches(**db, 50, 40);
      REQUIRE((*db)->Close().ok());
    }
    auto db = DB::Open(dir.str(), Quiet(c));
    REQUIRE(db.ok());
    CHECK(CheckBatchPrefix(**db, 40) == 50);
    CHECK((*db)->Stats().replayed_samples == 2000);
    // Appending continues after replay, and survives a second reopen.
    WriteBatches(**db, 0, 40);
    auto app = (*db)->NewAppender();
    REQUIRE(app->Append(0, SeriesLabels(0), 51000, 1).ok());
    REQUIRE(app->Commit().ok());
    REQUIRE((*db)->Close().ok());
    auto db2 = DB::Open(dir.str(), Quiet(c));
    REQUIRE(db2.ok());
    CHECK(ReadAll(**db2)[SeriesLabels(0).ToString()].size() == 51);
  }
}

TEST_CASE("A second DB on the same directory is refused", "[db]") {
  TempDir dir;
  auto db = DB::Open(dir.str(), Quiet());
  REQUIRE(db.ok());
  auto second = DB::Open(dir.str(), Quiet());
  REQUIRE(!second.ok());
  CHECK(second.status().message().find("lock DB directory") != std::string::npos);
  REQUIRE((*db)->Close().ok());
  CHECK(DB::Open(dir.str(), Quiet()).ok());
}

TEST_CASE("Appends and queries after Close fail cleanly", "[db]") {
  TempDir dir;
  auto db = DB::Open(dir.str(), Quiet());
  REQUIRE(db.ok());
  auto app = (*db)->NewAppender();
  REQUIRE(app->Append(0, SeriesLabels(1), 1, 1).ok());
  REQUIRE((*db)->Close().ok());
  CHECK((*db)->Close().ok());  // idempotent
  CHECK(app->Commit().message() == "DB is closed");
  CHECK(app->Append(0, SeriesLabels(1), 2, 1).status().message() == "DB is closed");
  CHECK((*db)->NewAppender()->Append(0, SeriesLabels(2), 1, 1).status().message() == "DB is closed");
  CHECK(!(*db)->NewQuerier(0, 10).ok());
}

TEST_CASE("A data directory that is a file, or a WAL that is not ours, is an error", "[db]") {
  TempDir dir;
  std::string file = dir.str() + "/afile";
  std::ofstream(file) << "x";
  auto db = DB::Open(file, Quiet());
  REQUIRE(!db.ok());
  CHECK(db.status().message().find("not a directory") != std::string::npos);

  std::string d2 = dir.str() + "/d2";
  fs::create_directories(d2 + "/wal");
  std::ofstream(d2 + "/wal/notes.txt") << "hello";
  auto db2 = DB::Open(d2, Quiet());
  REQUIRE(!db2.ok());
  INFO(db2.status().message());
  CHECK(db2.status().message().find("notes.txt") != std::string::npos);
}

TEST_CASE("Invalid label sets are rejected with Prometheus-style errors", "[db]") {
  TempDir dir;
  auto db = DB::Open(dir.str(), Quiet());
  REQUIRE(db.ok());
  auto app = (*db)->NewAppender();
  CHECK(app->Append(0, Labels(), 1, 1).status().message() == "empty label set");
  CHECK(app->Append(0, Labels::FromPairs({{"a", "1"}, {"a", "2"}}), 1, 1).status().message().find(
            "duplicate label name") != std::string::npos);
  CHECK(!app->Append(0, Labels::FromPairs({{"", "1"}}), 1, 1).ok());
  REQUIRE(app->Commit().ok());
  CHECK((*db)->Stats().head_series == 0);
}

TEST_CASE("A torn or bit-flipped WAL is repaired and keeps every batch before the damage", "[db][wal-fault]") {
  TempDir base;
  std::string pristine = base.str() + "/pristine";
  {
    auto db = DB::Open(pristine, Quiet(WalCompression::kNone));
    REQUIRE(db.ok());
    WriteBatches(**db, 60, 30);
    REQUIRE((*db)->Close().ok());
  }
  // The segment holding the data (an empty one follows nothing: Close pads).
  std::string seg;
  for (const auto& e : fs::directory_iterator(pristine + "/wal")) {
    if (fs::file_size(e.path()) > 0) seg = e.path().filename();
  }
  REQUIRE(!seg.empty());
  auto size = fs::file_size(pristine + "/wal/" + seg);
  int repaired = 0, lost_some = 0;
  for (uint32_t seed = 1; seed <= 60; seed++) {
    std::mt19937 rng(seed);
    std::string d = base.str() + "/case" + std::to_string(seed);
    fs::copy(pristine, d, fs::copy_options::recursive);
    fs::remove(d + "/lock");
    std::string path = d + "/wal/" + seg;
    uint64_t off = rng() % size;
    if (seed % 2 == 0) {
      fs::resize_file(path, off);  // torn tail
    } else {
      std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(static_cast<std::streamoff>(off));
      char c;
      f.get(c);
      f.seekp(static_cast<std::streamoff>(off));
      f.put(static_cast<char>(c ^ (1 << (rng() % 8))));
    }
    auto logger = std::make_shared<CaptureLogger>();
    Options o = Quiet(WalCompression::kNone);
    o.logger = logger;
    int kept;
    {
      auto db = DB::Open(d, o);
      INFO("seed " << seed << " offset " << off);
      REQUIRE(db.ok());
      kept = CheckBatchPrefix(**db, 30);
      CHECK(kept <= 60);
      if ((*db)->Stats().wal_repaired) {
        repaired++;
        CHECK(logger->Contains("repairing"));
      }
      if (kept < 60) lost_some++;
      // The repaired DB takes new writes, and they survive a reopen.
      auto app = (*db)->NewAppender();
      REQUIRE(app->Append(0, SeriesLabels(1000), 1000, 1).ok());
      REQUIRE(app->Commit().ok());
      REQUIRE((*db)->Close().ok());
    }
    auto again = DB::Open(d, o);
    REQUIRE(again.ok());
    CHECK(ReadAll(**again).count(SeriesLabels(1000).ToString()) == 1);
    fs::remove_all(d);
  }
  // The damage was real: most cases needed a repair, and many lost a tail
  // (a flip in the zero padding after the last record loses nothing).
  CHECK(repaired > 40);
  CHECK(lost_some > 25);
}

TEST_CASE("Committed batches survive SIGKILL; uncommitted ones never appear", "[db][crash]") {
  constexpr int kSeries = 25;
  for (int round = 0; round < 6; round++) {
    TempDir dir;
    int pipefd[2];
    REQUIRE(pipe(pipefd) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(pipefd[0]);
      auto db = DB::Open(dir.str(), Quiet(round % 2 ? WalCompression::kSnappy : WalCompression::kZstd));
      if (!db.ok()) _exit(3);
      auto app = (*db)->NewAppender();
      for (int b = 1; b <= 100000; b++) {
        for (int i = 0; i < kSeries; i++) {
          if (!app->Append(0, SeriesLabels(i), b * 1000, b).ok()) _exit(4);
        }
        if (!app->Commit().ok()) _exit(5);
        // Report each commit only after it returned.
        if (write(pipefd[1], &b, sizeof b) != sizeof b) _exit(6);
      }
      _exit(0);
    }
    close(pipefd[1]);
    std::mt19937 rng(static_cast<uint32_t>(round) + 11);
    int target = 50 + static_cast<int>(rng() % 2000);
    int last = 0, b;
    while (last < target && read(pipefd[0], &b, sizeof b) == sizeof b) last = b;
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    // Drain what the child reported before it died.
    while (read(pipefd[0], &b, sizeof b) == sizeof b) last = b;
    close(pipefd[0]);
    REQUIRE(WIFSIGNALED(status));

    auto db = DB::Open(dir.str(), Quiet());
    REQUIRE(db.ok());
    int kept = CheckBatchPrefix(**db, kSeries);
    INFO("round " << round << ": reported " << last << ", kept " << kept);
    // Every reported commit is there; at most the one in flight is extra.
    CHECK(kept >= last);
    CHECK(kept <= last + 1);
  }
}

TEST_CASE("A failing disk write fails the commit and leaves nothing half-visible", "[db][wal-fault]") {
  TempDir dir;
  // Run in a child: RLIMIT_FSIZE makes writes past the limit fail with EFBIG,
  // which stands in for a full disk (and works when tests run as root).
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    Options o = Quiet(WalCompression::kNone);
    auto db = DB::Open(dir.str(), o);
    if (!db.ok()) _exit(10);
    auto app = (*db)->NewAppender();
    for (int i = 0; i < 10; i++) {
      if (!app->Append(0, SeriesLabels(i), 1000, 1).ok()) _exit(11);
    }
    if (!app->Commit().ok()) _exit(12);
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = 40 * 1024;
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(13);
    // A batch far larger than the limit.
    for (int i = 0; i < 5000; i++) {
      if (!app->Append(0, SeriesLabels(i), 2000, 2).ok()) _exit(14);
    }
    absl::Status st = app->Commit();
    if (st.ok()) _exit(15);
    // Nothing of the failed batch is visible.
    auto q = (*db)->NewQuerier(kMinTime, kMaxTime);
    auto ss = (*q)->Select(false, nullptr, {});
    int n = 0;
    while (ss->Next()) {
      auto it = ss->At().Iterator();
      while (it->Next()) {
        if (it->AtT() != 1000) _exit(16);
        n++;
      }
    }
    if (n != 10) _exit(17);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  // What was committed before the failure is still there.
  auto db = DB::Open(dir.str(), Quiet());
  REQUIRE(db.ok());
  auto all = ReadAll(**db);
  size_t samples = 0;
  for (const auto& [_, v] : all) samples += v.size();
  CHECK(samples == 10);
}

TEST_CASE("An in-memory DB needs no directory", "[db]") {
  auto db = DB::OpenInMemory(Quiet());
  WriteBatches(*db, 5, 3);
  CHECK(CheckBatchPrefix(*db, 3) == 5);
  CHECK(db->dir().empty());
  REQUIRE(db->Close().ok());
  CHECK(db->NewAppender()->Append(0, SeriesLabels(1), 1, 1).status().message() == "DB is closed");
}
