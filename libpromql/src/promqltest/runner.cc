// Running a whole script: a fresh in-memory DB per `clear`, one appender per
// `load`, each eval with its hidden re-checks. Evals that need what the
// storage cannot hold yet (native histograms, start timestamps) are skipped
// and say why; everything else runs.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <variant>

#include "absl/strings/str_cat.h"
#include "promlite/promql/parser.h"
#include "promlite/promql/promqltest.h"
#include "promlite/tsdb/db.h"
#include "promlite/tsdb/logger.h"
#include "promqltest/exec.h"
#include "promqltest/recheck.h"
#include "promqltest/script.h"
#include "promqltest/text.h"

namespace promlite::promql::promqltest {
namespace {

// Prometheus' test storage uses a one-day block range, which sets how far
// back a load may write after later samples (the out-of-bounds window).
constexpr int64_t kTestBlockRangeMs = 24 * 3600 * 1000;

EngineOptions TestEngineOptions(const TestRunOptions& o) {
  EngineOptions e = EngineOptions::ForTests();
  e.max_samples = o.max_samples;
  e.lookback_delta_ms = o.lookback_delta_ms;
  e.timeout = o.query_timeout;
  e.logger = tsdb::NewNopLogger();
  return e;
}

// The series a classic histogram series of a load_with_nhcb block is folded
// into: X_bucket{le=...}, X_sum, X_count -> X. Empty when it is none.
std::optional<tsdb::Labels> NhcbSeries(const tsdb::Labels& l) {
  const std::string_view name = l.MetricName();
  for (std::string_view suffix : {"_bucket", "_count", "_sum"}) {
    if (name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix) {
      return tsdb::LabelsBuilder(l)
          .Del("le")
          .Set(tsdb::kMetricName, name.substr(0, name.size() - suffix.size()))
          .Build();
    }
  }
  return std::nullopt;
}

class Runner {
 public:
  Runner(const Script& s, const TestRunOptions& o) : script_(s), opts_(o), engine_(TestEngineOptions(o)) {
    result_.file = s.name;
  }

  TestFileResult Run() {
    Clear();
    for (const Command& c : script_.commands) {
      if (std::holds_alternative<ClearCommand>(c)) {
        Clear();
      } else if (const auto* load = std::get_if<LoadCommand>(&c)) {
        Load(*load);
      } else {
        result_.evals.push_back(Eval(std::get<EvalCommand>(c)));
      }
    }
    return std::move(result_);
  }

 private:
  // A series the storage could not take, and what an eval reading it needs.
  struct Unsupported {
    tsdb::Labels labels;
    std::string_view cause;
    std::string why;  // for the skip message
  };

  void Clear() {
    tsdb::Options o;
    o.block_range_ms = kTestBlockRangeMs;
    o.logger = tsdb::NewNopLogger();
    db_ = tsdb::DB::OpenInMemory(o);
    unsupported_.clear();
  }

  void AddUnsupported(const tsdb::Labels& l, std::string_view cause, std::string why) {
    for (const auto& u : unsupported_) {
      if (u.labels == l && u.cause == cause) return;
    }
    unsupported_.push_back({l, cause, std::move(why)});
  }

  void Load(const LoadCommand& cmd) {
    for (const LoadedSeries& s : cmd.series) {
      if (s.has_histograms) {
        AddUnsupported(s.metric, kSkipNativeHistograms,
                       absl::StrCat("has native histogram samples (line ", s.line, ")"));
      } else if (s.has_start_timestamps) {
        // The float samples are stored (without their start timestamps).
        AddUnsupported(s.metric, kSkipStartTimestamps, absl::StrCat("has start timestamps (line ", s.line, ")"));
      }
      if (cmd.with_nhcb && !s.has_histograms) {
        if (auto h = NhcbSeries(s.metric)) {
          AddUnsupported(*h, kSkipNativeHistograms,
                         absl::StrCat("is the native histogram load_with_nhcb builds from ", s.metric.ToString(),
                                      " (line ", s.line, ")"));
        }
      }
    }
    auto st = AppendLoad(*db_, cmd, 0, [](const LoadedSeries& s) { return s.has_histograms; });
    if (!st.ok()) result_.errors.push_back({script_.name, cmd.line, absl::StrCat("load failed: ", st.message())});
  }

  // Why the eval cannot run yet, as (cause, explanation); nullopt if it can.
  std::optional<std::pair<std::string, std::string>> SkipReason(const EvalCommand& cmd, const Expr& e) const {
    if (cmd.expects_histograms) {
      return std::make_pair(std::string(kSkipNativeHistograms), "the expected result has native histograms");
    }
    if (unsupported_.empty()) return std::nullopt;
    for (const auto& sel : ExtractSelectors(e)) {
      for (const auto& u : unsupported_) {
        if (tsdb::MatchesAll(u.labels, sel)) {
          return std::make_pair(std::string(u.cause),
                                absl::StrCat("the query reads ", u.labels.ToString(), ", which ", u.why));
        }
      }
    }
    return std::nullopt;
  }

  EvalOutcome Eval(const EvalCommand& cmd) {
    EvalOutcome o;
    o.file = script_.name;
    o.line = cmd.line;
    o.query = cmd.expr;
    o.expected = ExpectedText(cmd);
    auto fail = [&](const RunFailure& f) {
      o.status = EvalStatus::kFailed;
      o.check = f.check;
      o.run_query = f.run_query;
      o.message = f.message;
      o.actual = f.actual;
      return o;
    };
    if (!cmd.parse_error.empty()) {
      return fail({"parse", cmd.expr, absl::StrCat("the query does not parse: ", cmd.parse_error), "(not run)"});
    }
    auto parsed = ParseExpr(cmd.expr, ParseOptions::AllEnabled());
    if (!parsed.ok()) {
      return fail({"parse", cmd.expr, absl::StrCat("the query does not parse: ", parsed.status().message()),
                   "(not run)"});
    }
    if (auto why = SkipReason(cmd, **parsed)) {
      o.status = EvalStatus::kSkipped;
      o.skip_cause = why->first;
      o.message = why->second;
      return o;
    }
    QueryRunner r{engine_, *db_, &o.queries};
    if (cmd.is_range) {
      if (auto f = RunRange(r, cmd)) return fail(*f);
      return o;
    }
    const std::string check = absl::StrCat("instant query at ", FormatTime(cmd.eval_time));
    if (auto f = RunInstant(r, cmd, cmd.expr, cmd.eval_time, check, opts_.hidden_checks)) return fail(*f);
    if (!opts_.hidden_checks) return o;
    for (const AtRun& run : AtModifierRuns(parsed->get(), cmd.eval_time)) {
      const std::string at_check =
          absl::StrCat("@ re-check at ", run.label, " (instant query at ", FormatTime(run.time), ")");
      if (auto f = RunInstant(r, cmd, run.expr, run.time, at_check, true)) return fail(*f);
    }
    return o;
  }

  const Script& script_;
  TestRunOptions opts_;
  Engine engine_;
  std::unique_ptr<tsdb::DB> db_;
  std::vector<Unsupported> unsupported_;
  TestFileResult result_;
};

}  // namespace

absl::StatusOr<TestFileResult> RunTestScript(std::string_view script, std::string_view name,
                                             const TestRunOptions& opts) {
  auto parsed = ParseScript(script, name);
  if (!parsed.ok()) return parsed.status();
  return Runner(*parsed, opts).Run();
}

absl::StatusOr<TestFileResult> RunTestFile(const std::string& path, const TestRunOptions& opts) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    const std::string msg = absl::StrCat(path, ": cannot open: ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(msg);
    if (err == EACCES) return absl::PermissionDeniedError(msg);
    return absl::UnavailableError(msg);
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat(path, ": read error"));
  return RunTestScript(text.str(), path, opts);
}

}  // namespace promlite::promql::promqltest
