// Embedding promlite's storage: open a database, append a few series, query
// them with label matchers, close, reopen and show the data survived.
//
//   embed_tsdb [DATA_DIR]        (default ./data/embed-example)
#include <chrono>
#include <cstdio>
#include <string>

#include "promlite/tsdb/db.h"

using promlite::tsdb::DB;
using promlite::tsdb::Labels;
using promlite::tsdb::Matcher;
using promlite::tsdb::MatchType;

namespace {

int Fail(const char* what, const absl::Status& st) {
  std::fprintf(stderr, "%s: %s\n", what, std::string(st.message()).c_str());
  return 1;
}

// Prints every series matching `matchers` with its samples.
int PrintQuery(DB& db, const std::vector<Matcher>& matchers) {
  auto querier = db.NewQuerier(promlite::tsdb::kMinTime, promlite::tsdb::kMaxTime);
  if (!querier.ok()) return Fail("querier", querier.status());
  auto set = (*querier)->Select(/*sorted=*/true, nullptr, matchers);
  while (set->Next()) {
    const auto& series = set->At();
    auto it = series.Iterator();
    int n = 0;
    double last = 0;
    while (it->Next()) {
      n++;
      last = it->AtV();
    }
    std::printf("  %s: %d samples, last value %g\n", series.labels().ToString().c_str(), n, last);
  }
  if (!set->Err().ok()) return Fail("select", set->Err());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = argc > 1 ? argv[1] : "./data/embed-example";
  promlite::tsdb::Options opts;
  opts.logger = promlite::tsdb::NewStderrLogger(promlite::tsdb::LogLevel::kWarn);

  auto db = DB::Open(dir, opts);
  if (!db.ok()) return Fail("open", db.status());

  // Append 10 samples, 15s apart and ending now, for three hosts, in one batch.
  int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto app = (*db)->NewAppender();
  for (const char* host : {"a", "b", "c"}) {
    Labels series{{"__name__", "cpu_seconds_total"}, {"host", host}, {"job", "embed"}};
    promlite::tsdb::SeriesRef ref = 0;  // returned refs skip the label lookup next time
    for (int i = 0; i < 10; i++) {
      auto r = app->Append(ref, series, now - (9 - i) * 15000, i * 1.5);
      if (!r.ok()) return Fail("append", r.status());
      ref = *r;
    }
  }
  if (auto st = app->Commit(); !st.ok()) return Fail("commit", st);

  auto host_ab = Matcher::Make(MatchType::kRegexMatch, "host", "a|b");
  std::printf("after commit, cpu_seconds_total{host=~\"a|b\"}:\n");
  if (PrintQuery(**db, {Matcher::MustMake(MatchType::kEqual, "__name__", "cpu_seconds_total"), *host_ab})) return 1;
  if (auto st = (*db)->Close(); !st.ok()) return Fail("close", st);

  // Reopen: the WAL is replayed and every committed sample is back.
  auto again = DB::Open(dir, opts);
  if (!again.ok()) return Fail("reopen", again.status());
  std::printf("after reopen (%llu samples replayed from the WAL), {job=\"embed\"}:\n",
              static_cast<unsigned long long>((*again)->Stats().replayed_samples));
  if (PrintQuery(**again, {Matcher::MustMake(MatchType::kEqual, "job", "embed")})) return 1;
  return (*again)->Close().ok() ? 0 : 1;
}
