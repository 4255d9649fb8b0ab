// Compaction, head truncation and series garbage collection while a writer
// appends (with series churn) and readers query: no sample is lost, readers
// always see sorted series and increasing timestamps.
#include <atomic>
#include <thread>

#include "block_test_util.h"
#include "test_util.h"

using namespace promlite::tsdb;
using namespace promlite::testing;

TEST_CASE("Compaction and head GC run safely under concurrent appends and queries", "[compact][concurrency]") {
  TempDir dir;
  Options o = QuietBlockOpts();
  o.block_range_ms = 60 * 1000;  // 1 min blocks: many compactions in a short run
  auto db_or = DB::Open(dir.str(), o);
  REQUIRE(db_or.ok());
  DB& db = **db_or;
  std::atomic<bool> stop{false};
  std::atomic<int> query_errors{0};
  Data want;
  std::thread writer([&] {
    auto app = db.NewAppender();
    // 200 live series at a time; series k lives from round k*4 for 200 rounds.
    for (int round = 0; round < 2000; round++) {
      Timestamp t = 1000 + static_cast<Timestamp>(round) * 1000;
      for (int k = round / 4; k < round / 4 + 50; k++) {
        if (round - k * 4 >= 200 || round < k * 4) continue;
        Labels l{{"__name__", "churn"}, {"k", std::to_string(k)}};
        if (app->Append(0, l, t, round).ok()) want[l.ToString()].push_back({t, static_cast<double>(round)});
      }
      if (!app->Commit().ok()) query_errors++;
    }
    stop = true;
  });
  std::thread compactor([&] {
    while (!stop) {
      if (!db.Compact().ok()) query_errors++;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::thread reader([&] {
    while (!stop) {
      auto q = db.NewQuerier(kMinTime, kMaxTime);
      if (!q.ok()) continue;
      auto ss = (*q)->Select(true, nullptr, {});
      std::string prev;
      while (ss->Next()) {
        std::string k = ss->At().labels().ToString();
        if (!(prev < k)) query_errors++;
        prev = k;
        auto it = ss->At().Iterator();
        Timestamp last = kMinTime;
        while (it->Next()) {
          if (it->AtT() <= last) query_errors++;
          last = it->AtT();
        }
      }
      if (!ss->Err().ok()) query_errors++;
    }
  });
  writer.join();
  compactor.join();
  reader.join();
  CHECK(query_errors == 0);
  CHECK(!db.Blocks().empty());
  CHECK(SameData(ReadAllData(db), want));
}
