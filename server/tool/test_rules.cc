// promlite-tool test rules FILE...: promtool's rule unit tests. Each file
// names rule files, input series and the alerts and PromQL results expected
// at given times; failures are printed as promtool prints them. Exit code 1
// when any test failed.
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "promlite/promql/rules.h"
#include "tool/commands.h"

namespace promlite::tool {
namespace {

int Run(int argc, char** argv) {
  CLI::App app{"Unit tests for rules.", argv[0]};
  std::vector<std::string> files;
  std::vector<std::string> run;
  bool debug = false;
  bool diff = false;
  bool ignore_unknown = false;
  std::vector<std::string> features;
  app.add_option("test-rule-file", files, "The unit test file.")->required();
  app.add_option("--run", run,
                 "If set, will only run test groups whose names match the regular expression. Can be specified "
                 "multiple times.");
  app.add_flag("--debug", debug, "Enable unit test debugging.");
  app.add_flag("--diff", diff, "[Experimental] Print colored differential output (not supported by promlite-tool).");
  app.add_flag("--ignore-unknown-fields", ignore_unknown, "Ignore unknown fields in the test files.");
  app.add_option("--enable-feature", features, "Comma separated feature names to enable.")->delimiter(',');
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (diff) {
    std::fprintf(stderr, "promlite-tool: --diff is not supported; failures are printed as expected/got lists\n");
    return 2;
  }
  promql::RuleUnitTestOptions opts;
  opts.debug = debug;
  opts.ignore_unknown_fields = ignore_unknown;
  for (size_t i = 0; i < run.size(); i++) opts.run += (i ? "|" : "") + run[i];
  // promtool's parser: duration expressions on, the rest behind feature flags.
  opts.promql = promql::ParseOptions{};
  opts.promql.enable_duration_expressions = true;
  for (const auto& f : features) {
    if (f == "promql-experimental-functions") opts.promql.enable_experimental_functions = true;
    if (f == "promql-extended-range-selectors") opts.promql.enable_extended_range_selectors = true;
    if (f == "promql-binop-fill-modifiers") opts.promql.enable_binop_fill_modifiers = true;
  }
  bool failed = false;
  for (const std::string& f : files) {
    std::printf("Unit Testing:  %s\n", f.c_str());
    std::fflush(stdout);
    promql::RuleUnitTestResult r = promql::RunRuleUnitTestFile(f, opts);
    if (!r.ok()) {
      std::fprintf(stderr, "  FAILED:\n");
      for (const auto& e : r.errors) {
        std::fprintf(stderr, "%s\n", e.c_str());
        std::fflush(stderr);
        std::printf("\n");
        std::fflush(stdout);
      }
      failed = true;
    } else {
      std::printf("  SUCCESS\n");
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return failed ? 1 : 0;
}

Registration reg({"test", "rules"}, Run, "run rule unit tests in promtool's format (rule_files, input_series, alert_rule_test, ...)");

}  // namespace
}  // namespace promlite::tool
