// Damaged blocks and faults: a corrupt or truncated index, a bit flip in a
// chunk, a missing meta.json, foreign directories and a full disk during
// compaction. The DB opens, skips or isolates the damage with a clear log
// line, and serves everything else.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <mutex>
#include "block_test_util.h"
#include "test_util.h"

using namespace promlite::tsdb;
using namespace promlite::testing;
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

// Three 2h blocks (series 0..9) and a head; returns the blocks, oldest first.
std::vector<BlockInfo> MakeBlocks(const std::string& dir, Data* want) {
  auto db = DB::Open(dir, QuietBlockOpts());
  REQUIRE(db.ok());
  *want = WriteSeries(**db, 10, 0, 9);
  // Keep 2h blocks (no leveled compaction): compact only the head.
  Options o = QuietBlockOpts();
  REQUIRE((*db)->Compact().ok());
  auto blocks = (*db)->Blocks();
  REQUIRE((*db)->Close().ok());
  return blocks;
}

void FlipByte(const std::string& path, uint64_t off) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(off));
  char c;
  f.read(&c, 1);
  c ^= 0x5a;
  f.seekp(static_cast<std::streamoff>(off));
  f.write(&c, 1);
}

// Samples of `want` outside [mint, maxt).
Data Without(const Data& want, Timestamp mint, Timestamp maxt) {
  Data out;
  for (const auto& [k, v] : want) {
    for (const auto& s : v) {
      if (s.t < mint || s.t >= maxt) out[k].push_back(s);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("A block with a corrupt or truncated index is skipped with a log line; the rest is served", "[block][fault]") {
  for (int mode = 0; mode < 3; mode++) {
    TempDir dir;
    Data want;
    auto blocks = MakeBlocks(dir.str(), &want);
    REQUIRE(blocks.size() >= 2);
    const BlockInfo& bad = blocks[0];
    std::string index = bad.dir + "/index";
    uint64_t size = fs::file_size(index);
    if (mode == 0) FlipByte(index, size - 10);      // TOC
    if (mode == 1) FlipByte(index, 12);             // symbol table
    if (mode == 2) fs::resize_file(index, size / 2);  // truncated
    auto logger = std::make_shared<CaptureLogger>();
    Options o = QuietBlockOpts();
    o.logger = logger;
    auto db = DB::Open(dir.str(), o);
    REQUIRE(db.ok());
    CHECK(logger->Contains("Skipping block that cannot be opened"));
    CHECK(logger->Contains(bad.ulid));
    CHECK((*db)->Stats().damaged_blocks == 1);
    CHECK(SameData(ReadAllData(**db), Without(want, bad.min_time, bad.max_time)));
    // Compaction leaves the damaged block alone.
    REQUIRE((*db)->Compact().ok());
    CHECK(fs::exists(bad.dir));
  }
}

TEST_CASE("A bit flip in a chunk drops that chunk with a warning, nothing else", "[block][fault]") {
  TempDir dir;
  Data want;
  auto blocks = MakeBlocks(dir.str(), &want);
  // Flip a byte in the middle of the first block's chunks.
  std::string seg = blocks[0].dir + "/chunks/000001";
  FlipByte(seg, fs::file_size(seg) / 2);
  auto db = DB::Open(dir.str(), QuietBlockOpts());
  REQUIRE(db.ok());
  auto q = (*db)->NewQuerier(kMinTime, kMaxTime);
  auto ss = (*q)->Select(true, nullptr, {});
  size_t series = 0, samples = 0;
  while (ss->Next()) {
    series++;
    auto it = ss->At().Iterator();
    while (it->Next()) samples++;
  }
  CHECK(ss->Err().ok());
  CHECK(series == want.size());
  auto warnings = ss->Warnings();
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("checksum mismatch") != std::string::npos);
  size_t total = 0;
  for (const auto& [_, v] : want) total += v.size();
  // One chunk holds at most 240 samples.
  CHECK(samples < total);
  CHECK(samples + 240 >= total);
}

TEST_CASE("Missing meta.json and foreign directories are skipped", "[block][fault]") {
  TempDir dir;
  Data want;
  auto blocks = MakeBlocks(dir.str(), &want);
  fs::remove(blocks[0].dir + "/meta.json");
  fs::create_directories(dir.str() + "/not-a-block");
  std::ofstream(dir.str() + "/not-a-block/file") << "hello";
  fs::create_directories(dir.str() + "/01ARZ3NDEKTSV4RRFFQ69G5FAV");  // a ULID, but no block
  std::ofstream(dir.str() + "/01ARZ3NDEKTSV4RRFFQ69G5FAV/meta.json") << "{not json";
  std::ofstream(dir.str() + "/stray-file") << "x";
  auto logger = std::make_shared<CaptureLogger>();
  Options o = QuietBlockOpts();
  o.logger = logger;
  auto db = DB::Open(dir.str(), o);
  REQUIRE(db.ok());
  CHECK(logger->Contains(blocks[0].ulid));
  CHECK(logger->Contains("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
  CHECK(SameData(ReadAllData(**db), Without(want, blocks[0].min_time, blocks[0].max_time)));
  CHECK(fs::exists(dir.str() + "/not-a-block/file"));
}

TEST_CASE("A full disk during compaction fails it cleanly; nothing is lost", "[block][fault]") {
  TempDir dir;
  Data want;
  {
    auto db = DB::Open(dir.str(), QuietBlockOpts());
    REQUIRE(db.ok());
    want = WriteSeries(**db, 50, 0, 9);
    REQUIRE((*db)->Close().ok());
  }
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);
    auto db = DB::Open(dir.str(), QuietBlockOpts());
    if (!db.ok()) _exit(10);
    // Files can no longer grow past 2 KiB: the first block write fails.
    struct rlimit rl;
    rl.rlim_cur = rl.rlim_max = 2048;
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(11);
    absl::Status st = (*db)->Compact();
    if (st.ok()) _exit(12);
    if (!(*db)->Blocks().empty()) _exit(13);
    // Still serving everything from the head.
    auto q = (*db)->NewQuerier(kMinTime, kMaxTime);
    auto ss = (*q)->Select(false, nullptr, {});
    size_t n = 0;
    while (ss->Next()) n++;
    if (n != 50) _exit(14);
    _exit(0);
  }
  int status;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  INFO("child exit " << WEXITSTATUS(status));
  CHECK(WEXITSTATUS(status) == 0);
  for (const auto& e : fs::directory_iterator(dir.path())) {
    CHECK(e.path().filename().string().find(".tmp") == std::string::npos);
  }
  auto db = DB::Open(dir.str(), QuietBlockOpts());
  REQUIRE(db.ok());
  {
    Data got = ReadAllData(**db);
    size_t g = 0, w = 0;
    for (const auto& [_, v] : got) g += v.size();
    for (const auto& [_, v] : want) w += v.size();
    INFO("series " << got.size() << "/" << want.size() << " samples " << g << "/" << w);
    CHECK(SameData(got, want));
  }
  REQUIRE((*db)->Compact().ok());
  CHECK(!(*db)->Blocks().empty());
  CHECK(SameData(ReadAllData(**db), want));
}
