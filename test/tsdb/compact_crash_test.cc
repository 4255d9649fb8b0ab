// A SIGKILL at any point of a compaction (head block write, WAL checkpoint,
// block merge, deletion of parents) leaves a directory that opens with
// every sample and no leftovers.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "block_test_util.h"
#include "test_util.h"

using namespace promlite::tsdb;
using namespace promlite::testing;
namespace fs = std::filesystem;

TEST_CASE("SIGKILL during compaction loses nothing and leaves no temporary directories", "[compact][crash]") {
  TempDir dir;
  Data want;
  {
    auto db = DB::Open(dir.str(), QuietBlockOpts());
    REQUIRE(db.ok());
    want = WriteSeries(**db, 300, 0, 16);
    REQUIRE((*db)->Close().ok());
  }
  // Measure how long a full compaction takes, on a copy.
  double full_ms;
  {
    TempDir copy;
    fs::copy(dir.path(), copy.path(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    auto db = DB::Open(copy.str(), QuietBlockOpts());
    REQUIRE(db.ok());
    auto t0 = std::chrono::steady_clock::now();
    REQUIRE((*db)->Compact().ok());
    full_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(SameData(ReadAllData(**db), want));
  }
  std::mt19937 rng(42);
  for (int round = 0; round < 8; round++) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      auto db = DB::Open(dir.str(), QuietBlockOpts());
      if (!db.ok()) _exit(3);
      (void)(*db)->Compact();
      _exit(0);
    }
    // Kill somewhere between open and the end of the compaction.
    int delay_ms = static_cast<int>(std::uniform_real_distribution<double>(0, full_ms * 1.3 + 20)(rng));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int st;
    waitpid(pid, &st, 0);
    auto db = DB::Open(dir.str(), QuietBlockOpts());
    REQUIRE(db.ok());
    INFO("round " << round << " killed after " << delay_ms << " ms of ~" << full_ms);
    for (const auto& e : fs::directory_iterator(dir.path())) {
      std::string n = e.path().filename().string();
      CHECK(n.find(".tmp") == std::string::npos);
    }
    REQUIRE(SameData(ReadAllData(**db), want));
    REQUIRE((*db)->Close().ok());
  }
  // And a final, uninterrupted compaction still gives the same data.
  auto db = DB::Open(dir.str(), QuietBlockOpts());
  REQUIRE(db.ok());
  REQUIRE((*db)->Compact().ok());
  REQUIRE(SameData(ReadAllData(**db), want));
}
