// Every query of Prometheus' PromQL conformance scripts (shared/promql-tests)
// must parse, except those whose eval block expects a failure: those may fail
// to parse (or parse and fail later, in the engine).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "promlite/promql/parser.h"
#include "promlite/promql/printer.h"

namespace promlite::promql {
namespace {

struct EvalQuery {
  std::string file;
  int line = 0;
  std::string query;
  bool expect_fail = false;
};

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t z = s.find_last_not_of(" \t\r");
  return s.substr(a, z - a + 1);
}

// Skips `n` blank-separated words and returns the rest of the line.
bool RestAfterWords(const std::string& line, int n, std::string* rest) {
  size_t i = 0;
  for (int w = 0; w < n; w++) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
    if (i == line.size()) return false;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') i++;
  }
  *rest = Trim(line.substr(i));
  return !rest->empty();
}

std::vector<EvalQuery> ReadQueries(const std::filesystem::path& file) {
  std::vector<EvalQuery> out;
  std::ifstream in(file);
  std::string raw;
  int lineno = 0;
  EvalQuery* current = nullptr;
  while (std::getline(in, raw)) {
    lineno++;
    const std::string line = Trim(raw);
    if (line.empty() || line[0] == '#') {
      current = nullptr;  // a comment or blank line ends the block
      continue;
    }
    std::string rest;
    bool is_eval = false;
    bool fail = false;
    if (line.rfind("eval instant at ", 0) == 0 || line.rfind("eval_fail instant at ", 0) == 0) {
      // eval instant at <time> <query>
      is_eval = RestAfterWords(line, 4, &rest);
      fail = line.rfind("eval_fail", 0) == 0;
    } else if (line.rfind("eval range from ", 0) == 0 || line.rfind("eval_fail range from ", 0) == 0) {
      // eval range from <s> to <e> step <d> <query>
      is_eval = RestAfterWords(line, 8, &rest);
      fail = line.rfind("eval_fail", 0) == 0;
    }
    if (is_eval) {
      out.push_back({file.filename().string(), lineno, rest, fail});
      current = &out.back();
      continue;
    }
    if (current != nullptr && line.rfind("expect fail", 0) == 0) current->expect_fail = true;
    if (line.rfind("load", 0) == 0 || line == "clear") current = nullptr;
  }
  return out;
}

// DumpTree without positions. Printing sorts matchers and drops a unary
// plus, so the tree of a printed query equals the original up to those; from
// then on printing and parsing must be a fixed point.
std::string Shape(const Expr& e) {
  static const std::regex kPos(R"(\[-?[0-9]+:-?[0-9]+\])");
  return std::regex_replace(DumpTree(e), kPos, "");
}

std::filesystem::path TestsDir() {
  if (const char* env = std::getenv("PROMLITE_PROMQL_TESTS_DIR")) return env;
  // The checkout lives next to shared/: walk up from this source file.
  for (std::filesystem::path p = std::filesystem::path(__FILE__).parent_path(); !p.empty() && p != p.root_path();
       p = p.parent_path()) {
    for (const char* cand : {"shared/promql-tests", "../shared/promql-tests"}) {
      if (std::filesystem::is_directory(p / cand)) return p / cand;
    }
  }
  return "/work/shared/promql-tests";
}

TEST_CASE("every query of the PromQL test scripts parses", "[promql][parser]") {
  const std::filesystem::path dir = TestsDir();
  if (!std::filesystem::is_directory(dir)) {
    WARN("no promql-tests directory at " << dir.string() << "; skipped");
    return;
  }
  std::vector<std::filesystem::path> files;
  for (const auto& ent : std::filesystem::directory_iterator(dir)) {
    if (ent.path().extension() == ".test") files.push_back(ent.path());
  }
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 16);

  const ParseOptions opts = ParseOptions::AllEnabled();
  int total = 0, parsed = 0, failed_as_expected = 0;
  for (const auto& f : files) {
    for (const EvalQuery& q : ReadQueries(f)) {
      total++;
      auto res = ParseExpr(q.query, opts);
      INFO(q.file << ":" << q.line << ": " << q.query);
      if (res.ok()) {
        parsed++;
        // The printed form parses back to the same tree.
        const std::string printed = Format(**res);
        auto again = ParseExpr(printed, opts);
        INFO("printed: " << printed);
        REQUIRE(again.ok());
        CHECK(Format(**again) == printed);
        auto third = ParseExpr(Format(**again), opts);
        REQUIRE(third.ok());
        CHECK(Shape(**third) == Shape(**again));
      } else if (q.expect_fail) {
        failed_as_expected++;
      } else {
        FAIL_CHECK("parse error: " << res.status().message());
      }
    }
  }
  // 1558 evals in the 16 files (README of promql-tests).
  CHECK(total >= 1558);
  WARN("promql-tests: " << total << " queries, " << parsed << " parsed, " << failed_as_expected
                        << " rejected where the script expects a failure");
}

}  // namespace
}  // namespace promlite::promql
