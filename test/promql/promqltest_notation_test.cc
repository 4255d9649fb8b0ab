// The series notation of promqltest scripts: value expansion, label sets,
// histogram items (recognised, not stored), @st sequences and the errors for
// malformed lines.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "promlite/tsdb/sample.h"
#include "promqltest/series_desc.h"

using promlite::promql::promqltest::IsStartTimestampLine;
using promlite::promql::promqltest::kMaxValuesPerLine;
using promlite::promql::promqltest::ParseScalarLine;
using promlite::promql::promqltest::ParseSeriesDesc;
using promlite::promql::promqltest::ParseStartTimestampLine;
using promlite::promql::promqltest::SeqValue;
using promlite::promql::promqltest::SeriesDesc;
using Kind = SeqValue::Kind;

namespace {

SeriesDesc MustParse(std::string_view line) {
  auto d = ParseSeriesDesc(line);
  INFO(line << " -> " << d.status().ToString());
  REQUIRE(d.ok());
  return *d;
}

// The values as text: numbers, "_" for gaps, "H" for histograms.
std::string Values(const SeriesDesc& d) {
  std::string out;
  for (const auto& v : d.values) {
    if (!out.empty()) out += " ";
    if (v.kind == Kind::kOmitted) {
      out += "_";
    } else if (v.kind == Kind::kHistogram) {
      out += "H";
    } else if (promlite::tsdb::IsStaleNaN(v.value)) {
      out += "stale";
    } else {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", v.value);
      out += buf;
    }
  }
  return out;
}

std::string ParseError(std::string_view line) {
  auto d = ParseSeriesDesc(line);
  INFO(line);
  REQUIRE_FALSE(d.ok());
  return std::string(d.status().message());
}

}  // namespace

TEST_CASE("promqltest notation: value items expand as the README says", "[promqltest]") {
  CHECK(Values(MustParse("a 5 -1.5 2e3")) == "5 -1.5 2000");
  CHECK(Values(MustParse("a 0+10x4")) == "0 10 20 30 40");
  CHECK(Values(MustParse("a 10-2x3")) == "10 8 6 4");
  CHECK(Values(MustParse("a -1+0.5x2")) == "-1 -0.5 0");
  CHECK(Values(MustParse("a 1x2 _x2 3")) == "1 1 1 _ _ 3");
  CHECK(Values(MustParse("a _ 60 stale")) == "_ 60 stale");
  CHECK(Values(MustParse("a 7x0")) == "7");
  CHECK(Values(MustParse("a .5 1_000 1e+2 1E-1")) == "0.5 1000 100 0.1");
  CHECK(Values(MustParse("a Inf -Inf +Inf inf")) == "inf -inf inf inf");
}

TEST_CASE("promqltest notation: stale and NaN are different values", "[promqltest]") {
  auto d = MustParse("a NaN stale nan");
  REQUIRE(d.values.size() == 3);
  CHECK(std::isnan(d.values[0].value));
  CHECK_FALSE(promlite::tsdb::IsStaleNaN(d.values[0].value));
  CHECK(promlite::tsdb::IsStaleNaN(d.values[1].value));
  CHECK(std::isnan(d.values[2].value));
}

TEST_CASE("promqltest notation: A+BxN is built by repeated addition", "[promqltest]") {
  auto d = MustParse("a 0+0.1x10");
  REQUIRE(d.values.size() == 11);
  double v = 0;
  for (const auto& got : d.values) {
    CHECK(got.value == v);  // exact: the expectations were computed this way
    v += 0.1;
  }
  CHECK(d.values[10].value == 0.9999999999999999);  // not 10 * 0.1 == 1
}

TEST_CASE("promqltest notation: label sets", "[promqltest]") {
  CHECK(MustParse("up 1").metric.ToString() == "up");
  CHECK(MustParse("up{job=\"a\", instance='b'} 1").metric.ToString() == "up{instance=\"b\", job=\"a\"}");
  CHECK(MustParse("{job=\"a\"} 1").metric.ToString() == "{job=\"a\"}");
  CHECK(MustParse("{} 1").metric.ToString() == "{}");
  CHECK(MustParse("{\"my.metric\", a=`x\\y`} 1").metric.ToString() == "{\"my.metric\", a=\"x\\\\y\"}");
  CHECK(MustParse("up{job=\"a\",} 1").metric.ToString() == "up{job=\"a\"}");
  CHECK(MustParse("a:b:c{x=\"1\\n\"} 1").metric.Get("x") == "1\n");
  CHECK(MustParse("up").values.empty());
  CHECK(MustParse("up{a=\"}\"}   1   2  ").values.size() == 2);
}

TEST_CASE("promqltest notation: native histogram items are recognised", "[promqltest]") {
  auto d = MustParse("h {{schema:0 sum:5 count:4 z_bucket:1 z_bucket_w:0.001 buckets:[1 2 1] offset:-1 "
                     "n_buckets:[1] n_offset:2 counter_reset_hint:gauge}} 3");
  CHECK(d.has_histograms);
  CHECK(Values(d) == "H 3");
  CHECK(Values(MustParse("h {{sum:1}}x2")) == "H H H");
  CHECK(Values(MustParse("h {{schema:-53 custom_values:[0.1 0.2] buckets:[1 2 3]}}+{{buckets:[1 1 1]}}x3 _")) ==
        "H H H H _");
  CHECK(Values(MustParse("h {{}} {{ }}")) == "H H");
  CHECK_FALSE(MustParse("h 1 2").has_histograms);
}

TEST_CASE("promqltest notation: malformed lines are errors with a column", "[promqltest]") {
  CHECK(ParseError("up 1x") == "column 6: expected a repetition count after \"x\", found end of line");
  CHECK(ParseError("up 1 2x1.5").find("column 8: invalid repetition") == 0);
  CHECK(ParseError("up foo") == "column 4: unexpected identifier \"foo\" in series values, expected a number or \"stale\"");
  CHECK(ParseError("up 1+2").find("column 7: expected \"x\"") == 0);
  CHECK(ParseError("up 1,2").find("column 5:") == 0);
  CHECK(ParseError("up{job=\"a\" 1").find("column 12: unexpected '1' in label set") == 0);
  CHECK(ParseError("up{job=~\"a\"} 1") == "column 7: unexpected \"=~\" in label set, expected \"=\"");
  CHECK(ParseError("up{job=\"a} 1") == "column 8: unterminated quoted string");
  CHECK(ParseError("up{a=\"b\",a=\"c\"} 1") == "column 1: duplicate label name \"a\"");
  CHECK(ParseError("up {a=\"b\"} 1").find("column 4:") == 0);
  CHECK(ParseError("up 1 {{schema:0").find("histogram description incomplete") != std::string::npos);
  CHECK(ParseError("up {{foo:1}}") == "column 6: bad histogram descriptor found: \"foo\"");
  CHECK(ParseError("up {{counter_reset_hint:maybe}}").find("invalid counter_reset_hint") != std::string::npos);
  CHECK(ParseError("up 1e").find("bad number syntax") != std::string::npos);
  CHECK(ParseError("up 1..2").find("bad number syntax") != std::string::npos);
  CHECK(ParseError("up \"x\"").find("column 4:") == 0);
  CHECK(ParseError("up stalex1").find("unexpected identifier \"stalex1\"") != std::string::npos);
  CHECK(ParseError("1 2").find("column 1: expected a metric name") == 0);
  CHECK(ParseError("").find("column 1:") == 0);
}

TEST_CASE("promqltest notation: huge repetitions are refused, not allocated", "[promqltest]") {
  CHECK(ParseError("up 1x99999999999999999999").find("out of range") != std::string::npos);
  CHECK(ParseError("up 1x100000000000").find("too large") != std::string::npos);
  CHECK(ParseError("up _x100000000000").find("too large") != std::string::npos);
  std::string many = "up";
  for (int i = 0; i < 3; i++) many += " 0+1x" + std::to_string(kMaxValuesPerLine / 2);
  CHECK(ParseError(many).find("too many values") != std::string::npos);
}

TEST_CASE("promqltest notation: start-timestamp lines", "[promqltest]") {
  CHECK(IsStartTimestampLine("a{b=\"c\"}@st _ -1m"));
  CHECK(IsStartTimestampLine("  series@st  _ _ -1m"));
  CHECK_FALSE(IsStartTimestampLine("a{b=\"c\"} 1 2"));
  CHECK_FALSE(IsStartTimestampLine("a@st"));
  auto d = ParseStartTimestampLine("c{type=\"x\"}@st  _ -30s-1mx2 -1msx1 0 1ms _x2 -1m+30sx1");
  REQUIRE(d.ok());
  CHECK(d->metric.ToString() == "c{type=\"x\"}");
  std::string got;
  for (const auto& v : d->values) got += (v.kind == Kind::kOmitted ? std::string("_") : std::to_string(static_cast<int>(v.value))) + " ";
  CHECK(got == "_ -30000 -90000 -150000 -1 -1 0 1 _ _ -60000 -30000 ");
  CHECK_FALSE(ParseStartTimestampLine("c@st 5").ok());       // a duration needs a unit
  CHECK_FALSE(ParseStartTimestampLine("c@st _x0").ok());     // _x needs a positive count
  CHECK_FALSE(ParseStartTimestampLine("c@st 1m+1m").ok());   // a step needs xN
  CHECK_FALSE(ParseStartTimestampLine("c{@st 1m").ok());
  CHECK(std::string(ParseStartTimestampLine("c@st 0+1000yx9000000").status().message()).find("offset out of range") !=
        std::string::npos);
  CHECK(std::string(ParseStartTimestampLine("c@st 1m?").status().message()).find("invalid ST item \"1m?\"") !=
        std::string::npos);
}

TEST_CASE("promqltest notation: a lone number is a scalar expectation", "[promqltest]") {
  double v = 0;
  CHECK(ParseScalarLine("42", &v));
  CHECK(v == 42);
  CHECK(ParseScalarLine("-1.5e3", &v));
  CHECK(v == -1500);
  CHECK(ParseScalarLine("010", &v));  // Go's ParseInt(s, 0, 64) first: octal
  CHECK(v == 8);
  CHECK(ParseScalarLine("NaN", &v));
  CHECK(std::isnan(v));
  CHECK(ParseScalarLine("-Inf", &v));
  CHECK(std::isinf(v));
  CHECK_FALSE(ParseScalarLine("{} 1", &v));
  CHECK_FALSE(ParseScalarLine("up", &v));
}
