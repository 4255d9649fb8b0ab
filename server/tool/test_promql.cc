// promlite-tool test promql FILE...: runs Prometheus' PromQL test scripts
// (load / clear / eval ... with expectations) against promlite's engine.
//
// Per file it prints every failing eval (file:line, query, which check,
// expected and actual) and a summary line with passed / failed / skipped
// counts, skips counted by cause. The last line is the total,
// "N passed, M failed, K skipped"; the exit code is 1 when any eval failed,
// a load was refused or a file could not be read or parsed.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "promlite/promql/promqltest.h"
#include "tool/commands.h"

namespace promlite::tool {
namespace {

namespace pt = promql::promqltest;

int Run(int argc, char** argv) {
  CLI::App app{"Run PromQL test scripts (Prometheus' promqltest format) and report passed, failed and skipped evals.",
               argv[0]};
  std::vector<std::string> files;
  bool no_hidden = false;
  bool verbose = false;
  app.add_option("files", files, "test script files")->required();
  app.add_flag("--no-hidden-checks", no_hidden,
               "do not re-run instant evals as range queries and with @ fixed (more lenient than Prometheus)");
  app.add_flag("-v,--verbose", verbose, "also list passed and skipped evals");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  pt::TestRunOptions opts;
  opts.hidden_checks = !no_hidden;

  int passed = 0, failed = 0, skipped = 0, not_run = 0;
  bool error = false;
  std::map<std::string, int> causes;
  for (const std::string& file : files) {
    auto r = pt::RunTestFile(file, opts);
    if (!r.ok()) {
      std::printf("%s\nFAIL %s: not run\n\n", std::string(r.status().message()).c_str(), file.c_str());
      error = true;
      not_run++;
      continue;
    }
    for (const auto& e : r->errors) std::printf("%s:%d: %s\n", e.file.c_str(), e.line, e.message.c_str());
    for (const auto& o : r->evals) {
      if (o.status == pt::EvalStatus::kFailed || verbose) std::printf("%s\n", pt::FormatOutcome(o).c_str());
    }
    std::printf("%s %s\n\n", r->ok() ? "ok  " : "FAIL", pt::FormatFileSummary(*r).c_str());
    std::fflush(stdout);
    passed += r->passed();
    failed += r->failed();
    skipped += r->skipped();
    error = error || !r->errors.empty();
    for (const auto& [cause, n] : r->SkippedByCause()) causes[cause] += n;
  }
  if (!causes.empty()) {
    std::string line;
    for (const auto& [cause, n] : causes) line += (line.empty() ? "" : ", ") + cause + " " + std::to_string(n);
    std::printf("skipped by cause: %s\n", line.c_str());
  }
  if (not_run > 0) std::printf("%d file%s not run\n", not_run, not_run == 1 ? "" : "s");
  std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed > 0 || error ? 1 : 0;
}

Registration reg({"test", "promql"}, Run,
                 "run PromQL test scripts (load/eval format of Prometheus' promqltest)");

}  // namespace
}  // namespace promlite::tool
