#include "tool/check_metrics.h"

#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>

#include "promlite/scrape/lint.h"
#include "tool/commands.h"

namespace promlite::tool {
namespace {

constexpr int kFailure = 1;
constexpr int kLintProblems = 3;

void Usage(FILE* out, const char* name) {
  std::fprintf(out,
               "usage: promlite-tool %s [--extended] < exposition\n\n"
               "Reads Prometheus text format (or OpenMetrics, when it ends with '# EOF') from stdin\n"
               "and reports parse errors and the lint problems promtool reports.\n\n"
               "  --extended  print the cardinality of each metric\n",
               name);
}

// OpenMetrics expositions end with "# EOF"; everything else is read as the
// text format, as promtool does.
scrape::Format Detect(std::string_view s) {
  while (!s.empty() && (s.back() == '\n')) s.remove_suffix(1);
  if (s.size() >= 5 && s.substr(s.size() - 5) == "# EOF") return scrape::Format::kOpenMetrics;
  return scrape::Format::kPrometheusText;
}

}  // namespace

int RunCheckMetrics(int argc, char** argv) {
  bool extended = false;
  const char* name = argc > 0 ? argv[0] : "check metrics";
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--extended") == 0) {
      extended = true;
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      Usage(stdout, name);
      return 0;
    } else {
      std::fprintf(stderr, "%s: unexpected argument '%s'\n", name, argv[i]);
      Usage(stderr, name);
      return kFailure;
    }
  }
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) {
    std::fprintf(stderr, "error while reading stdin\n");
    return kFailure;
  }
  scrape::Format format = Detect(input);
  absl::StatusOr<std::vector<scrape::LintProblem>> problems = scrape::LintExposition(input, format);
  if (!problems.ok()) {
    std::fprintf(stderr, "error while linting: %s\n", std::string(problems.status().message()).c_str());
    return kFailure;
  }
  for (const auto& p : *problems) std::fprintf(stderr, "%s %s\n", p.metric.c_str(), p.text.c_str());
  if (!problems->empty()) return kLintProblems;
  if (extended) {
    absl::StatusOr<std::vector<scrape::MetricCardinality>> card = scrape::MetricCardinalities(input, format);
    if (!card.ok()) {
      std::fprintf(stderr, "error while counting series: %s\n", std::string(card.status().message()).c_str());
      return kFailure;
    }
    size_t total = 0;
    for (const auto& c : *card) total += c.series;
    size_t width = 6;
    for (const auto& c : *card) width = std::max(width, c.metric.size());
    std::printf("%-*s  %11s  %10s\n", static_cast<int>(width), "Metric", "Cardinality", "Percentage");
    for (const auto& c : *card) {
      std::printf("%-*s  %11zu  %9.2f%%\n", static_cast<int>(width), c.metric.c_str(), c.series,
                  total ? 100.0 * static_cast<double>(c.series) / static_cast<double>(total) : 0.0);
    }
  }
  return 0;
}

namespace {
const Registration kRegistration({"check", "metrics"}, RunCheckMetrics,
                                 "Lint an exposition from stdin like 'promtool check metrics'.");
}  // namespace

}  // namespace promlite::tool
