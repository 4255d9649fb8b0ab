#include <catch2/catch.hpp>

#include "promlite/tsdb/duration.h"
#include "promlite/tsdb/logger.h"

using namespace promlite::tsdb;

TEST_CASE("ParseDuration accepts Prometheus durations", "[duration]") {
  CHECK(*ParseDuration("0") == 0);
  CHECK(*ParseDuration("0s") == 0);
  CHECK(*ParseDuration("15s") == 15000);
  CHECK(*ParseDuration("1h30m") == 5400000);
  CHECK(*ParseDuration("2d") == 2 * 86400000LL);
  CHECK(*ParseDuration("1w") == 7 * 86400000LL);
  CHECK(*ParseDuration("1y") == 365 * 86400000LL);
  CHECK(*ParseDuration("500ms") == 500);
  CHECK(*ParseDuration("1m30s500ms") == 90500);
}

TEST_CASE("ParseDuration rejects bad input", "[duration]") {
  CHECK(ParseDuration("").status().message() == "empty duration string");
  CHECK(ParseDuration("1x").status().message() == "not a valid duration string: \"1x\"");
  CHECK(!ParseDuration("30m1h").ok());  // wrong order
  CHECK(!ParseDuration("1h1h").ok());   // repeated unit
  CHECK(!ParseDuration("h").ok());
  CHECK(!ParseDuration("-1s").ok());
  CHECK(!ParseDuration("1.5h").ok());
  CHECK(!ParseDuration("99999999999999999999s").ok());
  CHECK(!ParseDuration("9999999999999999y").ok());
}

TEST_CASE("FormatDuration prints like Prometheus", "[duration]") {
  CHECK(FormatDuration(0) == "0s");
  CHECK(FormatDuration(5400000) == "1h30m");
  CHECK(FormatDuration(90 * 86400000LL) == "90d");
  CHECK(FormatDuration(14 * 86400000LL) == "2w");
  CHECK(FormatDuration(365 * 86400000LL) == "1y");
  CHECK(FormatDuration(1500) == "1s500ms");
  CHECK(FormatDuration(-300000) == "-5m");
}

TEST_CASE("logfmt lines quote what needs quoting", "[logger]") {
  std::string line = FormatLogLine(LogFormat::kLogfmt, LogLevel::kWarn, "wal", "repaired segment",
                                   {{"segment", "3"}, {"err", "crc mismatch \"x\""}});
  CHECK(line.find(" level=warn component=wal msg=\"repaired segment\" segment=3 err=\"crc mismatch \\\"x\\\"\"") !=
        std::string::npos);
  std::string js = FormatLogLine(LogFormat::kJson, LogLevel::kInfo, "tsdb", "ok", {{"a", "b"}});
  CHECK(js.find("\"level\":\"info\",\"component\":\"tsdb\",\"msg\":\"ok\",\"a\":\"b\"}") != std::string::npos);
}
