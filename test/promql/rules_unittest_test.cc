// promtool's rule unit tests run by the library: the files under
// test/data/rules pass, and failures print what Debian's promtool 2.42
// prints for the same file.
#include <catch2/catch.hpp>

#include <filesystem>

#include "promlite/promql/rules.h"

namespace promlite::promql {
namespace {

// test/data/rules, found from this source file (compiled with its absolute path).
std::string DataFile(const char* name) {
  return (std::filesystem::path(__FILE__).parent_path().parent_path() / "data" / "rules" / name).string();
}

TEST_CASE("rule unit tests: the promtool-compatible test file passes", "[rules]") {
  RuleUnitTestResult r = RunRuleUnitTestFile(DataFile("rules_test.yml"));
  INFO((r.errors.empty() ? "" : r.errors[0]));
  CHECK(r.ok());
}

TEST_CASE("rule unit tests: failures read like promtool's", "[rules]") {
  RuleUnitTestResult r = RunRuleUnitTestFile(DataFile("failing_unittest.yml"));
  REQUIRE(r.errors.size() == 2);
  CHECK(r.errors[0] ==
        "    alertname: QueueBacklog, time: 5m, \n"
        "        exp:[\n"
        "            0:\n"
        "              Labels:{alertname=\"QueueBacklog\", queue=\"q2\"}\n"
        "              Annotations:{}\n"
        "            ], \n"
        "        got:[\n"
        "            0:\n"
        "              Labels:{alertname=\"QueueBacklog\", queue=\"q1\"}\n"
        "              Annotations:{summary=\"queue q1 holds 200 items\"}\n"
        "            ]");
  CHECK(r.errors[1] ==
        "    expr: \"queue_depth\", time: 1m,\n"
        "        exp: {__name__=\"queue_depth\", queue=\"q1\"} 2.01E+02\n"
        "        got: {__name__=\"queue_depth\", queue=\"q1\"} 2E+02");
}

TEST_CASE("rule unit tests: a missing or broken test file is reported, not thrown", "[rules]") {
  RuleUnitTestResult missing = RunRuleUnitTestFile("/nonexistent/test.yml");
  CHECK_FALSE(missing.ok());
  RuleUnitTestResult broken = RunRuleUnitTestFile(DataFile("rules.yml"));  // not a test file
  CHECK_FALSE(broken.ok());
}

}  // namespace
}  // namespace promlite::promql
