// Parser behaviour beyond the upstream table: the API, options, error
// formatting, limits, and the 3.x syntax (duration expressions, anchored,
// smoothed, fill modifiers, info()).
#include <catch2/catch.hpp>

#include <string>

#include "promlite/promql/parser.h"
#include "promlite/promql/printer.h"

namespace promlite::promql {
namespace {

std::string Err(std::string_view q, const ParseOptions& o = ParseOptions::AllEnabled()) {
  auto r = ParseExpr(q, o);
  if (r.ok()) return "ok: " + Format(**r);
  return std::string(r.status().message());
}

std::string Tree(std::string_view q, const ParseOptions& o = ParseOptions::AllEnabled()) {
  auto r = ParseExpr(q, o);
  if (!r.ok()) return std::string(r.status().message());
  return DumpTree(**r);
}

TEST_CASE("error strings are Prometheus' (line:col: parse error: msg)", "[promql][parser]") {
  CHECK(Err("1+") == "1:3: parse error: unexpected end of input");
  CHECK(Err("foo{a=b}") == "1:7: parse error: unexpected identifier \"b\" in label matching, expected string");
  CHECK(Err("sum(rate(x[5m])\n  by (job)") == "2:3: parse error: unexpected <by>");
  CHECK(Err("foo\n+\nbar baz") == "3:5: parse error: unexpected identifier \"baz\"");
  CHECK(Err("") == "unknown position: parse error: no expression found in input");
  CHECK(Err("rate(x)") ==
        "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector");
  CHECK(Err("x{a=~\"(\"}") == "1:3: parse error: error parsing regexp: missing closing ): `(`");
  CHECK(Err("sum by (a b) (x)") ==
        "1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\"");
  CHECK(Err("x offset") ==
        "1:9: parse error: unexpected end of input in offset, expected number, duration, step(), or range()");
  CHECK(Err("x @ foo") == "1:5: parse error: unexpected identifier \"foo\" in @, expected timestamp");
  CHECK(Err("x[5m:") == "1:6: parse error: unclosed left bracket");
  CHECK(Err("x[5m:1m") == "1:8: parse error: unclosed left bracket");
  CHECK(Err("x[5m 1m]") == "1:6: parse error: unexpected duration \"1m\" in subquery or range, expected \":\" or \"]\"");
  CHECK(Err("x[5m:1m 1m]") == "1:9: parse error: unexpected duration \"1m\" in subquery selector, expected \"]\"");
  CHECK(Err("x[5m:+]") ==
        "1:7: parse error: unexpected \"]\" in subquery selector, expected number, duration, step(), range(), or \"]\"");
  CHECK(Err("foo bar") == "1:5: parse error: unexpected identifier \"bar\"");
  CHECK(Err("1 99999999999") == "1:3: parse error: unexpected number \"9999999999\"...");
  CHECK(Err("atan2") == "1:1: parse error: unexpected <op:atan2>");
  CHECK(Err("sum(x) by (\"\")") == "1:12: parse error: invalid label name for grouping: \"\"");
}

TEST_CASE("ParseError lists every error with its range", "[promql][parser]") {
  ParseError details;
  auto r = ParseExpr("foo and on(bar) group_left(baz) bar", {}, &details);
  REQUIRE_FALSE(r.ok());
  REQUIRE(details.errors.size() == 2);
  CHECK(details.errors[0].message == "no grouping allowed for \"and\" operation");
  CHECK(details.errors[1].message == "set operations must always be many-to-many");
  CHECK(details.errors[0].range == PositionRange{0, 35});
  CHECK(details.Format(1) == "1:1: parse error: set operations must always be many-to-many");
}

TEST_CASE("error ranges stay inside the query", "[promql][parser]") {
  // Found by fuzzing: a literal reset to 0 after "duration out of range" got
  // a start but no end; Prometheus reports such a range inverted.
  ParseError details;
  const std::string q = "x%o66x[+666.66e6665";
  REQUIRE_FALSE(ParseExpr(q, {}, &details).ok());
  CHECK(details.Format() == "1:20: parse error: unclosed left bracket");
  REQUIRE(details.errors.size() == 4);
  for (const auto& e : details.errors) {
    CHECK(e.range.start <= e.range.end);
    CHECK(e.range.end <= static_cast<int32_t>(q.size()));
  }
}

TEST_CASE("experimental features stay behind their options", "[promql][parser]") {
  const ParseOptions none;
  CHECK(Err("limitk(1, x)", none) ==
        "1:1: parse error: limitk() is experimental and must be enabled with "
        "--enable-feature=promql-experimental-functions");
  CHECK(Err("sort_by_label(x, \"a\")", none) == "1:1: parse error: function \"sort_by_label\" is not enabled");
  CHECK(Err("info(x)", none) == "1:1: parse error: function \"info\" is not enabled");
  CHECK(Err("x[5m+1m]", none) == "1:3: parse error: experimental duration expression is not enabled");
  CHECK(Err("x[step()]", none) == "1:3: parse error: experimental duration expression is not enabled");
  CHECK(Err("x anchored", none) == "1:1: parse error: anchored modifier is experimental and not enabled");
  CHECK(Err("x[5m] smoothed", none) == "1:1: parse error: smoothed modifier is experimental and not enabled");
  CHECK(Err("a + fill(0) b", none) == "1:1: parse error: binop fill modifiers are experimental and not enabled");
  // Plain ranges, offsets and bare numbers as durations need no option.
  CHECK(Err("x[5m] offset 1h", none) == "ok: x[5m] offset 1h");
  CHECK(Err("x[300] offset -60", none) == "ok: x[5m] offset -1m");
  CHECK(Err("foo offset -(5m)", none) == "ok: foo offset -(5m)");
}

TEST_CASE("duration expressions", "[promql][parser]") {
  CHECK(Err("x[26m+4m]") == "ok: x[26m + 4m]");
  CHECK(Err("x[1h30m % 1h]") == "ok: x[1h30m % 1h]");
  CHECK(Err("x[2m*(10+5)]") == "ok: x[2m * (10 + 5)]");
  CHECK(Err("x[29s+1s:5s+5s]") == "ok: x[29s + 1s:5s + 5s]");
  // An offset is a single literal unless it starts with "(".
  CHECK(Tree("x offset 100 + 2") ==
        "Bin(+ VS(\"x\" {__name__=\"x\"} offset=100000)[0:12] Num(2)[15:16])[0:16]");
  CHECK(Tree("x offset -2 ^ 2") ==
        "Bin(^ VS(\"x\" {__name__=\"x\"} offset=-2000)[0:11] Num(2)[14:15])[0:15]");
  CHECK(Err("x offset (2 ^ 2)") == "ok: x offset (2 ^ 2)");
  CHECK(Err("x offset step()*0") == "ok: x offset step() * 0");
  CHECK(Tree("x offset step()*0").rfind("Bin(*", 0) == 0);
  CHECK(Err("x offset -min_of(step(), 1s)+8000") == "ok: x offset -min_of(step(), 1s) + 8000");
  CHECK(Tree("x offset -min_of(step(), 1s)+8000").rfind("Bin(+", 0) == 0);
  CHECK(Err("x[STep()]") == "ok: x[step()]");
  CHECK(Err("x[5s/0]") == "1:5: parse error: division by zero");
  CHECK(Err("x[0]") == "1:3: parse error: duration must be greater than 0");
  CHECK(Err("x[5m:0s]") == "1:6: parse error: duration must be greater than 0");
  CHECK(Err("x[1y1hs]") == "1:3: parse error: unknown unit \"hs\" in duration \"1y1hs\"");
  CHECK(Err("step()") == "ok: step()");
  CHECK(Err("x[5m] offset 1m[5m]") == "1:16: parse error: ranges only allowed for vector selectors");
}

TEST_CASE("anchored, smoothed, fill, info", "[promql][parser]") {
  CHECK(Tree("rate(x[5m] anchored)") ==
        "Call(rate Matrix(range=300000 VS(\"x\" {__name__=\"x\"} anchored)[5:6])[5:10])[0:20]");
  CHECK(Err("x[5m] anchored smoothed") == "1:1: parse error: anchored and smoothed modifiers cannot be used together");
  CHECK(Err("x[5m:] anchored") == "1:1: parse error: anchored modifier is not supported for subqueries");
  CHECK(Err("sum(x) smoothed") == "1:1: parse error: smoothed modifier not implemented");
  CHECK(Tree("a + fill_right(1) fill_left(-2) b") ==
        "Bin(+ card=one-to-one filll=-2 fillr=1 VS(\"a\" {__name__=\"a\"})[0:1] VS(\"b\" {__name__=\"b\"})[32:33])[0:33]");
  CHECK(Err("a and fill(1) b") == "1:1: parse error: filling in missing series not allowed for set operators");
  CHECK(Err("a + fill(1) 2") == "1:1: parse error: filling in missing series only allowed between instant vectors");
  // fill without "(" is a metric name.
  CHECK(Err("fill + fill") == "ok: fill + fill");
  CHECK(Tree("info(x, {a=\"b\"})").find("bypass") != std::string::npos);
  CHECK(Err("info(x, y{a=\"b\"})") ==
        "1:9: parse error: expected label selectors only, got vector selector instead");
}

TEST_CASE("keywords as metric and label names", "[promql][parser]") {
  CHECK(Err("sum + offset + by + without") == "ok: sum + offset + by + without");
  CHECK(Err("sum + on + x") == "1:10: parse error: unexpected <op:+> in grouping opts, expected \"(\"");
  CHECK(Err("and") == "ok: and");
  CHECK(Err("sum by (on, bool, offset) (x)") == "ok: sum by (on, bool, offset) (x)");
  CHECK(Err("sum by (without) (x)") ==
        "1:9: parse error: unexpected <without> in grouping opts, expected label");
  CHECK(Err("start + end") == "ok: start + end");
  CHECK(Err("RATE(x[5m])") == "1:1: parse error: unknown function with name \"RATE\"");
  CHECK(Err("SUM(x) BY (a)") == "ok: sum by (a) (x)");
}

TEST_CASE("precedence and associativity", "[promql][parser]") {
  auto starts = [](const std::string& tree, const std::string& prefix) { return tree.rfind(prefix, 0) == 0; };
  CHECK(starts(Tree("2 ^ 3 ^ 2"), "Bin(^ Num(2)[0:1] Bin(^"));
  CHECK(starts(Tree("-a ^ b"), "Unary(- Bin(^"));
  CHECK(starts(Tree("-a * b"), "Bin(* card=one-to-one Unary(-"));
  CHECK(starts(Tree("a - b - c"), "Bin(- card=one-to-one Bin(-"));
  CHECK(starts(Tree("a or b and c"), "Bin(or card=many-to-many VS"));
  CHECK(starts(Tree("a + b offset 5m"), "Bin(+ card=one-to-one VS(\"a\""));
  CHECK(starts(Tree("-rate(x[5m:])"), "Unary(- Call(rate Subquery"));
  CHECK(Err("-x[5m:]") ==
        "1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "
        "\"range vector\"");
  CHECK(starts(Tree("a atan2 b * c"), "Bin(* card=one-to-one Bin(atan2"));
  CHECK(starts(Tree("a == bool b < c"), "Bin(< card=one-to-one Bin(== bool"));
}

TEST_CASE("nesting limits give parse errors, not stack overflows", "[promql][parser]") {
  const std::string deep_parens = std::string(10000, '(') + "1" + std::string(10000, ')');
  CHECK(Err(deep_parens).find("query is too deeply nested") != std::string::npos);
  CHECK(Err(std::string(100000, '-') + "1").find("query is too deeply nested") != std::string::npos);
  std::string chain = "x";
  for (int i = 0; i < 20000; i++) chain += " + x";
  CHECK(Err(chain).find("query is too deeply nested") != std::string::npos);
  std::string calls;
  for (int i = 0; i < 5000; i++) calls += "abs(";
  calls += "x" + std::string(5000, ')');
  CHECK(Err(calls).find("query is too deeply nested") != std::string::npos);
  std::string subqueries = "x";
  for (int i = 0; i < 3000; i++) subqueries += "[1m:]";
  CHECK(Err(subqueries).find("query is too deeply nested") != std::string::npos);
  std::string dur = "x[" + std::string(5000, '(') + "1" + std::string(5000, ')') + "]";
  CHECK(Err(dur).find("query is too deeply nested") != std::string::npos);
  // Within the limit the same shapes parse.
  std::string ok_chain = "x";
  for (int i = 0; i < 500; i++) ok_chain += " + x";
  CHECK(ParseExpr(ok_chain).ok());
  ParseOptions small;
  small.max_depth = 10;
  CHECK(Err("((((((((((((1))))))))))))", small).find("too deeply nested") != std::string::npos);
}

TEST_CASE("ParseMetricSelector", "[promql][parser]") {
  auto m = ParseMetricSelector("up{job=\"x\", instance=~\"a.*\"}");
  REQUIRE(m.ok());
  REQUIRE(m->size() == 3);
  CHECK((*m)[0].name() == "job");
  CHECK((*m)[1].type() == tsdb::MatchType::kRegexMatch);
  CHECK((*m)[2].name() == "__name__");
  CHECK((*m)[2].value() == "up");
  auto m2 = ParseMetricSelector("{\"my.metric\", \"a.b\"=\"x\"}");
  REQUIRE(m2.ok());
  CHECK((*m2)[0].value() == "my.metric");
  CHECK((*m2)[1].name() == "a.b");
  // No type checks: an all-empty selector is accepted here (the API checks).
  CHECK(ParseMetricSelector("{a=\"\"}").ok());
  CHECK(ParseMetricSelector("sum").ok());
  CHECK(ParseMetricSelector("up + 1").status().message() == "1:4: parse error: unexpected <op:+>");
  CHECK(ParseMetricSelector("").status().message() == "unknown position: parse error: unexpected end of input");
  CHECK(ParseMetricSelector("rate(x[5m])").status().message() == "1:5: parse error: unexpected \"(\"");
}

TEST_CASE("AST types, walk and selectors", "[promql][parser]") {
  auto e = ParseExpr("sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m])) / scalar(up)");
  REQUIRE(e.ok());
  const Expr& root = **e;
  CHECK(root.Type() == ValueType::kVector);
  const auto* bin = root.As<BinaryExpr>();
  REQUIRE(bin != nullptr);
  CHECK_FALSE(bin->matching.has_value());  // vector / scalar: no matching
  const auto* agg = bin->lhs->As<AggregateExpr>();
  REQUIRE(agg != nullptr);
  CHECK(agg->grouping == std::vector<std::string>{"job"});
  const auto* call = agg->expr->As<Call>();
  REQUIRE(call != nullptr);
  CHECK(call->func->name == "rate");
  const auto* ms = call->args[0]->As<MatrixSelector>();
  REQUIRE(ms != nullptr);
  CHECK(ms->range_ms == 300000);
  CHECK(ms->selector().name == "http_requests_total");

  int nodes = 0;
  size_t max_path = 0;
  Inspect(root, [&](const Expr&, const std::vector<const Expr*>& path) {
    nodes++;
    max_path = std::max(max_path, path.size());
    return true;
  });
  CHECK(nodes == 7);
  CHECK(max_path == 4);
  auto sels = ExtractSelectors(root);
  REQUIRE(sels.size() == 2);
  CHECK(sels[0].size() == 2);
  CHECK(sels[1][0].value() == "up");

  auto s = ParseExpr("\"a\"");
  REQUIRE(s.ok());
  CHECK((*s)->Type() == ValueType::kString);
  auto sq = ParseExpr("x[5m:1m] offset 1m @ 100");
  REQUIRE(sq.ok());
  const auto* sub = (*sq)->As<SubqueryExpr>();
  REQUIRE(sub != nullptr);
  CHECK(sub->step_ms == 60000);
  CHECK(sub->offset_ms == 60000);
  CHECK(sub->at_ms == 100000);
  CHECK(sub->Type() == ValueType::kMatrix);
}

TEST_CASE("numbers, strings and comments", "[promql][parser]") {
  CHECK(Err("0x_1F") == "ok: 31");
  CHECK(Err("1_000") == "ok: 1000");
  CHECK(Err("0b101") .find("bad number") != std::string::npos);
  CHECK(Err("1e-400") == "ok: 0");
  CHECK(Err("1e400") == "1:1: parse error: error parsing number: strconv.ParseFloat: parsing \"1e400\": value out of range");
  CHECK(Err("0xee").find("bad number or duration syntax") != std::string::npos);
  CHECK(Err("inf + NaN") == "ok: +Inf + NaN");
  CHECK(Err("`a\\b` + \"c\"").find("ok") == std::string::npos);  // strings cannot be added
  CHECK(Err("\"\\u00e4\"") == "ok: \"ä\"");
  CHECK(Err("'\\''") == "ok: \"'\"");
  CHECK(Err("\"\\'\"") == "1:1: parse error: unknown escape sequence U+0027 '''");
  CHECK(Err("# comment\nup # trailing\n") == "ok: up");
  CHECK(Err("up{# comment\na=\"b\"}") == "ok: up{a=\"b\"}");
  CHECK(Err("\"\\xff\"") == "ok: \"\\xff\"");
  CHECK(Err("\"a\nb\"") == "1:1: parse error: unterminated quoted string");
}

}  // namespace
}  // namespace promlite::promql
