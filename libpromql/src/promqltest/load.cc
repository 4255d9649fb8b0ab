// Appending `load` blocks to a storage: the script runner's loads and
// LoadSeries of promqltest.h. Kept apart from the query code so that a
// program that only loads series does not link the engine.
#include "absl/strings/str_cat.h"
#include "promlite/promql/promqltest.h"
#include "promqltest/exec.h"
#include "promqltest/script.h"

namespace promlite::promql::promqltest {

absl::Status AppendLoad(tsdb::Appendable& storage, const LoadCommand& cmd, int64_t start_ms,
                        const std::function<bool(const LoadedSeries&)>& skip) {
  auto app = storage.NewAppender();
  for (const LoadedSeries& s : cmd.series) {
    if (skip && skip(s)) continue;
    tsdb::SeriesRef ref = 0;
    for (size_t k = 0; k < s.values.size(); k++) {
      const SeqValue& v = s.values[k];
      if (v.kind != SeqValue::Kind::kFloat) continue;
      int64_t off, t;
      if (__builtin_mul_overflow(static_cast<int64_t>(k), cmd.interval_ms, &off) ||
          __builtin_add_overflow(start_ms, off, &t)) {
        (void)app->Rollback();
        return absl::OutOfRangeError(
            absl::StrCat("line ", s.line, ": sample ", k, " of ", s.metric.ToString(), " is beyond the int64 time range"));
      }
      auto r = app->Append(ref, s.metric, t, v.value);
      if (!r.ok()) {
        (void)app->Rollback();
        return absl::Status(r.status().code(), absl::StrCat("line ", s.line, ": appending ", s.metric.ToString(),
                                                            " at ", FormatTime(t), ": ", r.status().message()));
      }
      ref = *r;
    }
  }
  return app->Commit();
}

absl::Status LoadSeries(tsdb::Appendable& storage, std::string_view load_script, int64_t start_ms) {
  auto loads = ParseLoadScript(load_script, "load");
  if (!loads.ok()) return loads.status();
  for (const LoadCommand& cmd : *loads) {
    for (const LoadedSeries& s : cmd.series) {
      if (s.has_histograms) {
        return absl::UnimplementedError(absl::StrCat("load:", s.line, ": ", s.metric.ToString(),
                                                     ": native histograms are not supported by the storage yet"));
      }
      if (s.has_start_timestamps) {
        return absl::UnimplementedError(absl::StrCat("load:", s.line, ": ", s.metric.ToString(),
                                                     ": start timestamps are not supported by the storage yet"));
      }
    }
    if (cmd.with_nhcb) {
      return absl::UnimplementedError(absl::StrCat(
          "load:", cmd.line, ": load_with_nhcb needs native histograms, which the storage does not support yet"));
    }
    if (auto st = AppendLoad(storage, cmd, start_ms, nullptr); !st.ok()) return st;
  }
  return absl::OkStatus();
}

}  // namespace promlite::promql::promqltest
