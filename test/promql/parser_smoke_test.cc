#include <catch2/catch.hpp>

#include "promlite/promql/parser.h"
#include "promlite/promql/printer.h"

using namespace promlite::promql;

TEST_CASE("parser smoke", "[promql][parser]") {
  auto e = ParseExpr("sum by (job) (rate(x[5m]))");
  REQUIRE(e.ok());
  CHECK(Format(**e) == "sum by (job) (rate(x[5m]))");
}
