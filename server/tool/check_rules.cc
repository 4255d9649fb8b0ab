// promlite-tool check rules [FILE...]: promtool's `check rules`. Each file
// (or stdin without files) is parsed strictly and validated; problems are
// printed with promtool's texts. The duplicate-rules lint runs by default.
// Exit codes as promtool: 0 ok (lint findings only warn), 1 invalid rules,
// 3 lint findings with --lint-fatal.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_split.h"
#include "promlite/promql/rules.h"
#include "tool/commands.h"

namespace promlite::tool {
namespace {

constexpr int kSuccess = 0;
constexpr int kFailure = 1;
constexpr int kLintFailure = 3;

struct Outcome {
  bool failed = false;
  bool has_errors = false;
};

// One file (or stdin): parse errors are fatal, lint findings are not.
void CheckOne(const std::string& name, const absl::StatusOr<promql::RuleFileSpec>& spec,
              const std::vector<std::string>& errors, bool lint_duplicates, Outcome* out) {
  if (!spec.ok()) {
    out->failed = true;
    out->has_errors = true;
    std::fprintf(stderr, "  FAILED:\n");
    for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
    if (errors.empty()) std::fprintf(stderr, "%s\n", std::string(spec.status().message()).c_str());
    return;
  }
  std::string dups = lint_duplicates ? promql::LintDuplicateRules(*spec) : "";
  if (!dups.empty()) {
    out->failed = true;
    std::fprintf(stderr, "  FAILED:\nlint error %s\n", dups.c_str());
  } else {
    std::printf("  SUCCESS: %zu rules found\n", spec->RuleCount());
  }
  std::printf("\n");
  (void)name;
}

int Run(int argc, char** argv) {
  CLI::App app{"Check if the rule files are valid or not.", argv[0]};
  std::vector<std::string> files;
  std::string lint = "duplicate-rules";
  bool lint_fatal = false;
  bool ignore_unknown = false;
  std::vector<std::string> features;
  app.add_option("rule-files", files, "The rule files to check, default is read from standard input.");
  app.add_option("--lint", lint,
                 "Linting checks to apply. Available options are: all, duplicate-rules, none. Use --lint=none to "
                 "disable linting");
  app.add_flag("--lint-fatal", lint_fatal, "Make lint errors exit with exit code 3.");
  app.add_flag("--ignore-unknown-fields", ignore_unknown,
               "Ignore unknown fields in the rule files. This is useful when you want to extend rule files with "
               "custom metadata.");
  app.add_option("--enable-feature", features, "Comma separated feature names to enable.")->delimiter(',');
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  bool lint_duplicates = false;
  for (absl::string_view s : absl::StrSplit(lint, ',')) {
    if (s == "all" || s == "duplicate-rules") {
      lint_duplicates = true;
    } else if (s != "none" && !s.empty()) {
      std::printf("WARNING: unknown lint option: \"%s\"\n", std::string(s).c_str());
    }
  }
  promql::RuleFileOptions opts;
  opts.ignore_unknown_fields = ignore_unknown;
  // promtool parses with duration expressions enabled.
  opts.promql.enable_duration_expressions = true;
  for (const auto& f : features) {
    if (f == "promql-experimental-functions") opts.promql.enable_experimental_functions = true;
    if (f == "promql-extended-range-selectors") opts.promql.enable_extended_range_selectors = true;
    if (f == "promql-binop-fill-modifiers") opts.promql.enable_binop_fill_modifiers = true;
  }

  Outcome out;
  if (files.empty()) {
    std::printf("Checking standard input\n");
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::vector<std::string> errors;
    auto spec = promql::ParseRuleFile(text, "", opts, &errors);
    // Standard input has no file name to prefix.
    for (auto& e : errors) {
      if (e.rfind(": ", 0) == 0) e.erase(0, 2);
    }
    CheckOne("standard input", spec, errors, lint_duplicates, &out);
  } else {
    for (const std::string& f : files) {
      std::printf("Checking %s\n", f.c_str());
      std::fflush(stdout);
      std::vector<std::string> errors;
      auto spec = promql::LoadRuleFile(f, opts, &errors);
      CheckOne(f, spec, errors, lint_duplicates, &out);
      std::fflush(stdout);
    }
  }
  if (out.failed && out.has_errors) return kFailure;
  if (out.failed && lint_fatal) return kLintFailure;
  return kSuccess;
}

Registration reg({"check", "rules"}, Run, "check rule files like promtool check rules (exit 1 invalid, 3 lint with --lint-fatal)");

}  // namespace
}  // namespace promlite::tool
