// The promqltest script format: blocks, commands, eval bodies, deprecated
// headers, and precise errors (file:line, what is wrong) for malformed
// scripts, never a crash.
#include <catch2/catch.hpp>

#include <limits>
#include <random>
#include <string>
#include <variant>

#include "promlite/promql/promqltest.h"
#include "promqltest/script.h"

namespace pt = promlite::promql::promqltest;

namespace {

pt::Script MustParse(std::string_view text) {
  auto s = pt::ParseScript(text, "t.test");
  INFO(s.status().ToString());
  REQUIRE(s.ok());
  return std::move(*s);
}

std::string Errors(std::string_view text) {
  auto s = pt::ParseScript(text, "t.test");
  INFO(text);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(s.status().message());
}

const pt::EvalCommand& EvalAt(const pt::Script& s, size_t i) { return std::get<pt::EvalCommand>(s.commands.at(i)); }

}  // namespace

TEST_CASE("promqltest script: a well-formed script", "[promqltest]") {
  auto s = MustParse(R"(
# a comment
load 1m
  up{job="a"} 0+1x3
  up{job="b"} 1 _ 3
	up{job="a"} 5 5

eval instant at 2m up
  up{job="a"} 5
  up{job="b"} _
# a comment ends the block
clear
load_with_nhcb 5m
  h_bucket{le="1"} 1

eval range from 0 to 10m step 1m rate(up[5m])
  expect no_warn
  {job="a"} 1 2 _ 4
)");
  REQUIRE(s.commands.size() == 5);
  const auto& load = std::get<pt::LoadCommand>(s.commands[0]);
  CHECK(load.line == 3);
  CHECK(load.interval_ms == 60000);
  CHECK_FALSE(load.with_nhcb);
  REQUIRE(load.series.size() == 2);  // the repeated line replaced the first
  CHECK(load.series[0].metric.ToString() == "up{job=\"a\"}");
  CHECK(load.series[0].values.size() == 2);
  CHECK(load.series[0].line == 6);
  const auto& e = EvalAt(s, 1);
  CHECK(e.line == 8);
  CHECK(e.expr == "up");
  CHECK_FALSE(e.is_range);
  CHECK(e.eval_time == 120000);
  CHECK(e.expectation.series.size() == 2);
  CHECK(e.expectation.start == 120000);
  CHECK(e.body == std::vector<std::string>{"up{job=\"a\"} 5", "up{job=\"b\"} _"});
  CHECK(std::holds_alternative<pt::ClearCommand>(s.commands[2]));
  CHECK(std::get<pt::LoadCommand>(s.commands[3]).with_nhcb);
  const auto& r = EvalAt(s, 4);
  CHECK(r.is_range);
  CHECK(r.start == 0);
  CHECK(r.end == 600000);
  CHECK(r.step == 60000);
  CHECK(r.expectation.end == 600000);
  CHECK(r.annotations.expects[pt::kExpectNoWarn].size() == 1);
  CHECK(r.expectation.series.at(0).pos == 1);  // expect lines do not count
}

TEST_CASE("promqltest script: expect lines and special expectations", "[promqltest]") {
  auto s = MustParse(R"(
eval instant at 1m foo
  expect fail msg: something bad

eval instant at 1m foo
  expect warn regex: PromQL warning: .* \(1:1\)
  expect info
  expect ordered
  {a="2"} 1
  {a="1"} 2

eval instant at 1m "x"
  expect string "a \"quoted\" string"

eval instant at 0 1.5
  1.5

eval instant at 5m foo[1m]
  expect range vector from 4m to 5m step 30s
  foo 1 2 3

eval_fail instant at 0 foo
  expected_fail_message the message

eval_fail instant at 0 foo
  expected_fail_regexp mess.ge

eval_ordered instant at 0 foo

eval_warn range from 0 to 1m step 30s foo

eval_info instant at 0 foo
)");
  REQUIRE(s.commands.size() == 10);
  const auto& fail = EvalAt(s, 0);
  CHECK(fail.fail);
  REQUIRE(fail.annotations.expects[pt::kExpectFail].size() == 1);
  CHECK(fail.annotations.expects[pt::kExpectFail][0].Matches("something bad"));
  CHECK_FALSE(fail.annotations.expects[pt::kExpectFail][0].Matches("something bad!"));
  const auto& warn = EvalAt(s, 1);
  CHECK(warn.annotations.expects[pt::kExpectWarn][0].Matches("PromQL warning: foo (1:1)"));
  CHECK_FALSE(warn.annotations.expects[pt::kExpectWarn][0].Matches("PromQL warning: foo (1:2)"));
  CHECK(warn.annotations.expects[pt::kExpectInfo][0].Matches("anything"));
  CHECK(warn.expectation.ordered);
  CHECK(warn.expectation.series.at(0).pos == 1);
  CHECK(warn.expectation.series.at(1).pos == 2);
  const auto& str = EvalAt(s, 2);
  CHECK(str.expectation.string_value == "a \"quoted\" string");
  CHECK(str.exclude_from_range_query);
  const auto& scalar = EvalAt(s, 3);
  CHECK(scalar.expectation.expect_scalar);
  CHECK(scalar.expectation.scalar.value == 1.5);
  const auto& rv = EvalAt(s, 4);
  CHECK(rv.expect_range_vector);
  CHECK(rv.exclude_from_range_query);
  CHECK(rv.eval_time == 300000);  // the query runs at the range vector's end
  CHECK(rv.expectation.start == 240000);
  CHECK(rv.expectation.step == 30000);
  CHECK(EvalAt(s, 5).fail);
  CHECK(EvalAt(s, 5).expected_fail_message == "the message");
  CHECK(EvalAt(s, 6).expected_fail_regexp->Matches("a message"));
  CHECK(EvalAt(s, 7).expectation.ordered);
  CHECK(EvalAt(s, 8).annotations.require_warn);
  CHECK(EvalAt(s, 9).annotations.require_info);
}

TEST_CASE("promqltest script: an instant eval without a range vector matches no matrix points", "[promqltest]") {
  auto s = MustParse("eval instant at 1m foo\n  foo 1\n");
  CHECK(EvalAt(s, 0).expectation.end == std::numeric_limits<int64_t>::min());
}

TEST_CASE("promqltest script: query parse errors fail the eval, not the script", "[promqltest]") {
  const char* text = "load 1m\n  a 1\n\neval instant at 0 sum(\n  {} 1\n";
  auto s = MustParse(text);
  CHECK(EvalAt(s, 1).parse_error.find("parse error") != std::string::npos);
  auto st = pt::ValidateTestScript(text, "v.test");
  CHECK(st.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(st.message()).find("v.test:4: 1:5: parse error") == 0);
  CHECK(pt::ValidateTestScript("eval instant at 0 1\n  1\n", "v.test").ok());
}

TEST_CASE("promqltest script: errors name the file, the line and the problem", "[promqltest]") {
  CHECK(Errors("frobnicate\n") == "t.test:1: invalid command \"frobnicate\"");
  CHECK(Errors("\n\nload\n") == "t.test:3: invalid load command. (load[_with_nhcb] <step:duration>)");
  // Commands are recognised in any case, but headers are lower case (as upstream).
  CHECK(Errors("LOAD 1m\n") == "t.test:1: invalid load command. (load[_with_nhcb] <step:duration>)");
  CHECK(Errors("load 1x\n") == "t.test:1: invalid step definition \"1x\": not a valid duration string: \"1x\"");
  CHECK(Errors("load 1m\n  a 1\n  b 1x\n").find("t.test:3: column 5: expected a repetition count") == 0);
  CHECK(Errors("eval foo\n").find("t.test:1: invalid evaluation command.") == 0);
  CHECK(Errors("eval instant at foo bar\n") == "t.test:1: invalid timestamp definition \"foo\": not a valid duration string: \"foo\"");
  // "at" is optional in the header pattern, the time is not.
  CHECK(Errors("eval instant  bar\n") == "t.test:1: invalid timestamp definition \"\": empty duration string");
  CHECK(Errors("eval instant foo bar\n").find("t.test:1: invalid evaluation command.") == 0);
  CHECK(Errors("eval range from 2m to 1m step 1m foo\n") ==
        "t.test:1: invalid test definition, end timestamp (1m) is before start timestamp (2m)");
  CHECK(Errors("eval range from 0 to 1m step x foo\n").find("t.test:1: invalid step definition \"x\"") == 0);
  CHECK(Errors("eval instant at 0 foo\n  expect nothing\n") ==
        "t.test:2: invalid expect statement, must match `expect <type> <match_type>: <string>` format");
  CHECK(Errors("eval instant at 0 foo\n  expect warn\n  expect no_warn\n") ==
        "t.test:3: invalid expect lines, warn and no_warn cannot be used together");
  CHECK(Errors("eval instant at 0 foo\n  expect info\n  expect no_info\n") ==
        "t.test:3: invalid expect lines, info and no_info cannot be used together");
  CHECK(Errors("eval instant at 0 foo\n  expect fail\n  expect fail\n") ==
        "t.test:3: invalid expect lines, multiple expect fail lines are not allowed");
  CHECK(Errors("eval instant at 0 foo\n  expect fail regex: (\n").find("t.test:2: invalid regex ( for fail") == 0);
  CHECK(Errors("eval instant at 0 foo\n  foo 1 2\n").find("t.test:2: expecting multiple values in instant evaluation") == 0);
  CHECK(Errors("eval instant at 0 foo\n  expect string foo\n") ==
        "t.test:2: expected string literal not valid - check that the string is correctly quoted");
  CHECK(Errors("eval instant at 0 foo\n  expect string\n") ==
        "t.test:2: expected string literal not valid - a quoted string literal is required");
  CHECK(Errors("eval instant at 0 foo\n  expect range vector from 1m to 0 step 1m\n") ==
        "t.test:2: invalid test definition, end timestamp (0) is before start timestamp (1m)");
  CHECK(Errors("eval instant at 0 foo\n  expect range vector 1m\n") ==
        "t.test:2: invalid range vector definition \"expect range vector 1m\"");
  CHECK(Errors("eval instant at 0 1\n  1\n  2\n") == "t.test:3: invalid command \"2\"");
  CHECK(Errors("load 1m\n  a@st _ 1m\n") == "t.test:2: @st line has no following sample line");
  CHECK(Errors("load 1m\n  a@st _ 1m\n  b 1 2\n") == "t.test:2: @st metric does not match the following sample line metric");
  CHECK(Errors("load 1m\n  a@st _\n  a 1 2\n") == "t.test:2: @st line has 1 values but sample line has 2");
  CHECK(Errors("load 1m\n  a@st _\n  a@st _\n  a 1\n") == "t.test:2: @st line has no following sample line");
}

TEST_CASE("promqltest script: every malformed block is reported", "[promqltest]") {
  const std::string msg = Errors("load 1m\n  a x\n\neval instant at 0 a\n  a 1\n\nbogus\n  more\n\nload 5\n");
  CHECK(msg ==
        "t.test:2: column 3: unexpected identifier \"x\" in series values, expected a number or \"stale\"\n"
        "t.test:7: invalid command \"bogus\"\n"
        "t.test:10: invalid step definition \"5\": not a valid duration string: \"5\"");
}

TEST_CASE("promqltest script: load blocks only, for LoadSeries", "[promqltest]") {
  auto loads = pt::ParseLoadScript("load 1m\n a 1\n\nload 5m\n b 2\n", "load");
  REQUIRE(loads.ok());
  CHECK(loads->size() == 2);
  auto bad = pt::ParseLoadScript("load 1m\n a 1\n\neval instant at 0 a\n", "load");
  CHECK(bad.status().message() == "load:4: only load commands are allowed here, found \"eval instant at 0 a\"");
}

TEST_CASE("promqltest script: an eval body on its own", "[promqltest]") {
  auto b = pt::ParseEvalBody("\n  {a=\"b\"} 1\n\n  expect ordered\n  {a=\"c\"} 2\n", false, "expected");
  REQUIRE(b.ok());
  CHECK(b->expectation.series.size() == 2);
  CHECK(b->expectation.ordered);
  auto bad = pt::ParseEvalBody("{a=\"b\"} 1\n\n{a=\"c\"} x\n", false, "expected");
  CHECK(bad.status().message() ==
        "expected:3: column 9: unexpected identifier \"x\" in series values, expected a number or \"stale\"");
  CHECK(pt::ParseEvalBody("1\n2\n", false, "expected").status().message() ==
        "expected:2: unexpected line after the expected scalar: \"2\"");
}

TEST_CASE("promqltest script: junk never crashes the parser", "[promqltest]") {
  const std::string alphabet = "load eval instant range at from to step clear expect fail warn info ordered "
                               "string vector msg: regex: {}[]()\"'`=~,_x+-.0123456789eEmsh@st#\n\t ";
  std::mt19937 rng(42);
  for (int i = 0; i < 3000; i++) {
    std::string text;
    const int n = static_cast<int>(rng() % 200);
    for (int k = 0; k < n; k++) text.push_back(alphabet[rng() % alphabet.size()]);
    if (i % 3 == 0) text = "load 1m\n  a " + text;
    if (i % 3 == 1) text = "eval instant at 1m a\n  " + text;
    auto s = pt::ParseScript(text, "fuzz");
    if (!s.ok()) CHECK(std::string(s.status().message()).find("fuzz:") == 0);
  }
}
