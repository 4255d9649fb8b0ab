// The printer: Prometheus' String() forms (printer_test.go) and Prettify
// (prettier_test.go), re-typed as data, plus round trips.
#include <catch2/catch.hpp>

#include <string>

#include "promlite/promql/parser.h"
#include "promlite/promql/printer.h"

namespace promlite::promql {
namespace {

struct FormatCase {
  const char* in;
  const char* out;
};

// clang-format off
const FormatCase kFormatCases[] = {
  {"sum by() (task:errors:rate10s{job=\"s\"})", "sum(task:errors:rate10s{job=\"s\"})"},
  {"sum by(code) (task:errors:rate10s{job=\"s\"})", "sum by (code) (task:errors:rate10s{job=\"s\"})"},
  {"sum without() (task:errors:rate10s{job=\"s\"})", "sum without () (task:errors:rate10s{job=\"s\"})"},
  {"sum without(instance) (task:errors:rate10s{job=\"s\"})", "sum without (instance) (task:errors:rate10s{job=\"s\"})"},
  {"sum by(\"foo.bar\") (task:errors:rate10s{job=\"s\"})", "sum by (\"foo.bar\") (task:errors:rate10s{job=\"s\"})"},
  {"sum without(\"foo.bar\") (task:errors:rate10s{job=\"s\"})", "sum without (\"foo.bar\") (task:errors:rate10s{job=\"s\"})"},
  {"topk(5, task:errors:rate10s{job=\"s\"})", "topk(5, task:errors:rate10s{job=\"s\"})"},
  {"count_values(\"value\", task:errors:rate10s{job=\"s\"})", "count_values(\"value\", task:errors:rate10s{job=\"s\"})"},
  {"a - on() c", "a - on () c"},
  {"a - on(b) c", "a - on (b) c"},
  {"a - on(b) group_left(x) c", "a - on (b) group_left (x) c"},
  {"a - on(b) group_left(x, y) c", "a - on (b) group_left (x, y) c"},
  {"a - on(b) group_left c", "a - on (b) group_left () c"},
  {"a - on(b) group_left() (c)", "a - on (b) group_left () (c)"},
  {"a - ignoring(b) c", "a - ignoring (b) c"},
  {"a - ignoring() c", "a - c"},
  {"a - ignoring() group_left c", "a - ignoring () group_left () c"},
  {"a + fill(-23) b", "a + fill (-23) b"},
  {"a + fill_left(-23) b", "a + fill_left (-23) b"},
  {"a + fill_right(42) b", "a + fill_right (42) b"},
  {"a + fill_left(-23) fill_right(42) b", "a + fill_left (-23) fill_right (42) b"},
  {"a + fill_left(5) fill_right(5) b", "a + fill (5) b"},
  {"a + on(b) group_left fill(-23) c", "a + on (b) group_left () fill (-23) c"},
  {"up > bool 0", "up > bool 0"},
  {"a offset 1m", "a offset 1m"},
  {"a offset -7m", "a offset -7m"},
  {"a{c=\"d\"}[5m] offset 1m", "a{c=\"d\"}[5m] offset 1m"},
  {"a[5m] offset 1m", "a[5m] offset 1m"},
  {"a[12m] offset -3m", "a[12m] offset -3m"},
  {"a[1h:5m] offset 1m", "a[1h:5m] offset 1m"},
  {"a anchored", "a anchored"},
  {"a[5m] anchored", "a[5m] anchored"},
  {"a{b=\"c\"}[5m] anchored", "a{b=\"c\"}[5m] anchored"},
  {"a{b=\"c\"}[5m] anchored offset 1m", "a{b=\"c\"}[5m] anchored offset 1m"},
  {"a{b=\"c\"}[5m] anchored @ start() offset 1m", "a{b=\"c\"}[5m] anchored @ start() offset 1m"},
  {"a smoothed", "a smoothed"},
  {"a[5m] smoothed", "a[5m] smoothed"},
  {"a{b=\"c\"}[5m] smoothed", "a{b=\"c\"}[5m] smoothed"},
  {"a{b=\"c\"}[5m] smoothed offset 1m", "a{b=\"c\"}[5m] smoothed offset 1m"},
  {"a{b=\"c\"}[5m] smoothed @ start() offset 1m", "a{b=\"c\"}[5m] smoothed @ start() offset 1m"},
  {"{__name__=\"a\"}", "{__name__=\"a\"}"},
  {"a{b!=\"c\"}[1m]", "a{b!=\"c\"}[1m]"},
  {"a{b=~\"c\"}[1m]", "a{b=~\"c\"}[1m]"},
  {"a{b!~\"c\"}[1m]", "a{b!~\"c\"}[1m]"},
  {"a @ 10", "a @ 10.000"},
  {"a[1m] @ 10", "a[1m] @ 10.000"},
  {"a @ start()", "a @ start()"},
  {"a @ end()", "a @ end()"},
  {"a[1m] @ start()", "a[1m] @ start()"},
  {"a[1m] @ end()", "a[1m] @ end()"},
  {"{__name__=\"\",a=\"x\"}", "{__name__=\"\",a=\"x\"}"},
  {"{\"a.b\"=\"c\"}", "{\"a.b\"=\"c\"}"},
  {"{\"0\"=\"1\"}", "{\"0\"=\"1\"}"},
  {"{\"_0\"=\"1\"}", "{_0=\"1\"}"},
  {"{\"\"=\"0\"}", "{\"\"=\"0\"}"},
  {"{``=\"0\"}", "{\"\"=\"0\"}"},
  {"1048576", "1048576"},
  {"foo[step()]", "foo[step()]"},
  {"foo[-step()]", "foo[-step()]"},
  {"foo[(step())]", "foo[(step())]"},
  {"foo[-(step())]", "foo[-(step())]"},
  {"foo offset step()", "foo offset step()"},
  {"foo offset -step()", "foo offset -step()"},
  {"foo offset (step())", "foo offset (step())"},
  {"foo offset -(step())", "foo offset -(step())"},
  {"foo offset +(5)", "foo offset (5)"},
  {"foo offset -(5)", "foo offset -(5)"},
  {"foo offset (5)", "foo offset (5)"},
  {"foo offset (5m)", "foo offset (5m)"},
  {"foo[(5s)]", "foo[(5s)]"},
  {"foo[(5m):(1m)]", "foo[(5m):(1m)]"},
  {"foo offset +min_of(10s, 20s)", "foo offset min_of(10s, 20s)"},
  {"foo offset -min_of(10s, 20s)", "foo offset -min_of(10s, 20s)"},
  {"foo offset -min_of(10s, +max_of(step() ^ 2, 2))", "foo offset -min_of(10s, max_of(step() ^ 2, 2))"},
  {"foo[200-min_of(-step()^+step(),1)]", "foo[200 - min_of(-step() ^ step(), 1)]"},
  {"foo[200 - min_of(step() + 10s, -max_of(step() ^ 2, 3))]", "foo[200 - min_of(step() + 10s, -max_of(step() ^ 2, 3))]"},
  {"foo[range()]", "foo[range()]"},
  {"foo[-range()]", "foo[-range()]"},
  {"foo offset range()", "foo offset range()"},
  {"foo offset -range()", "foo offset -range()"},
  {"foo[max_of(range(), 5s)]", "foo[max_of(range(), 5s)]"},
  {"predict_linear(foo[1h], 3000)", "predict_linear(foo[1h], 3000)"},
  {"sum by(\"\303\274\303\274\303\274\") (foo)", "sum by (\"\303\274\303\274\303\274\") (foo)"},
  {"sum without(\"\303\244\303\244\303\244\") (foo)", "sum without (\"\303\244\303\244\303\244\") (foo)"},
  {"count by(\"\303\266\303\266\303\266\", job) (foo)", "count by (\"\303\266\303\266\303\266\", job) (foo)"},
};

struct PrettyCase {
  const char* in;
  const char* out;
  size_t max_line;
};

const PrettyCase kPrettyCases[] = {
  {"sum(foo)", "sum(foo)", 10},  // TestAggregateExprPretty
  {"sum by() (task:errors:rate10s{job=\"s\"})", "sum(\n  task:errors:rate10s{job=\"s\"}\n)", 10},  // TestAggregateExprPretty
  {"sum without(job,foo) (task:errors:rate10s{job=\"s\"})", "sum without (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)", 10},  // TestAggregateExprPretty
  {"sum(task:errors:rate10s{job=\"s\"}) without(job,foo)", "sum without (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)", 10},  // TestAggregateExprPretty
  {"sum by(job,foo) (task:errors:rate10s{job=\"s\"})", "sum by (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)", 10},  // TestAggregateExprPretty
  {"sum (task:errors:rate10s{job=\"s\"}) by(job,foo)", "sum by (job, foo) (\n  task:errors:rate10s{job=\"s\"}\n)", 10},  // TestAggregateExprPretty
  {"topk(10, ask:errors:rate10s{job=\"s\"})", "topk(\n  10,\n  ask:errors:rate10s{job=\"s\"}\n)", 10},  // TestAggregateExprPretty
  {"sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job=\"s\"}))", "sum by (job, foo) (\n  sum by (job, foo) (\n    task:errors:rate10s{job=\"s\"}\n  )\n)", 10},  // TestAggregateExprPretty
  {"sum by(job,foo) (sum by(job,foo) (sum by(job,foo) (task:errors:rate10s{job=\"s\"})))", "sum by (job, foo) (\n  sum by (job, foo) (\n    sum by (job, foo) (\n      task:errors:rate10s{job=\"s\"}\n    )\n  )\n)", 10},  // TestAggregateExprPretty
  {"sum by(job,foo)\n(sum by(job,foo) (task:errors:rate10s{job=\"s\"}))", "sum by (job, foo) (\n  sum by (job, foo) (\n    task:errors:rate10s{job=\"s\"}\n  )\n)", 10},  // TestAggregateExprPretty
  {"sum by(job,foo)\n(sum(task:errors:rate10s{job=\"s\"}) without(job,foo))", "sum by (job, foo) (\n  sum without (job, foo) (\n    task:errors:rate10s{job=\"s\"}\n  )\n)", 10},  // TestAggregateExprPretty
  {"sum by(job,foo) # Comment 1.\n(sum by(job,foo) ( # Comment 2.\ntask:errors:rate10s{job=\"s\"}))", "sum by (job, foo) (\n  sum by (job, foo) (\n    task:errors:rate10s{job=\"s\"}\n  )\n)", 10},  // TestAggregateExprPretty
  {"a+b", "a + b", 10},  // TestBinaryExprPretty
  {"a == bool 1", "  a\n== bool\n  1", 10},  // TestBinaryExprPretty
  {"a + ignoring(job) b", "  a\n+ ignoring (job)\n  b", 10},  // TestBinaryExprPretty
  {"foo_1 + foo_2", "  foo_1\n+\n  foo_2", 10},  // TestBinaryExprPretty
  {"foo_1 + foo_2 + foo_3", "    foo_1\n  +\n    foo_2\n+\n  foo_3", 10},  // TestBinaryExprPretty
  {"foo + baar + foo_3", "  foo + baar\n+\n  foo_3", 10},  // TestBinaryExprPretty
  {"foo_1 + foo_2 + foo_3 + foo_4", "      foo_1\n    +\n      foo_2\n  +\n    foo_3\n+\n  foo_4", 10},  // TestBinaryExprPretty
  {"foo_1 + ignoring(foo) foo_2 + ignoring(job) group_left foo_3 + on(instance) group_right foo_4", "      foo_1\n    + ignoring (foo)\n      foo_2\n  + ignoring (job) group_left ()\n    foo_3\n+ on (instance) group_right ()\n  foo_4", 10},  // TestBinaryExprPretty
  {"rate(foo[1m])", "rate(\n  foo[1m]\n)", 10},  // TestCallExprPretty
  {"sum_over_time(foo[1m])", "sum_over_time(\n  foo[1m]\n)", 10},  // TestCallExprPretty
  {"rate(long_vector_selector[10m:1m] @ start() offset 1m)", "rate(\n  long_vector_selector[10m:1m] @ start() offset 1m\n)", 10},  // TestCallExprPretty
  {"histogram_quantile(0.9, rate(foo[1m]))", "histogram_quantile(\n  0.9,\n  rate(\n    foo[1m]\n  )\n)", 10},  // TestCallExprPretty
  {"max_over_time(rate(demo_api_request_duration_seconds_count[1m])[1m:] @ start() offset 1m)", "max_over_time(\n  rate(\n    demo_api_request_duration_seconds_count[1m]\n  )[1m:] @ start() offset 1m\n)", 10},  // TestCallExprPretty
  {"label_replace(up{job=\"api-server\",service=\"a:c\"}, \"foo\", \"$1\", \"service\", \"(.*):.*\")", "label_replace(\n  up{job=\"api-server\",service=\"a:c\"},\n  \"foo\",\n  \"$1\",\n  \"service\",\n  \"(.*):.*\"\n)", 10},  // TestCallExprPretty
  {"label_replace(label_replace(up{job=\"api-server\",service=\"a:c\"}, \"foo\", \"$1\", \"service\", \"(.*):.*\"), \"foo\", \"$1\", \"service\", \"(.*):.*\")", "label_replace(\n  label_replace(\n    up{job=\"api-server\",service=\"a:c\"},\n    \"foo\",\n    \"$1\",\n    \"service\",\n    \"(.*):.*\"\n  ),\n  \"foo\",\n  \"$1\",\n  \"service\",\n  \"(.*):.*\"\n)", 10},  // TestCallExprPretty
  {"(foo)", "(foo)", 10},  // TestParenExprPretty
  {"(_foo_long_)", "(\n  _foo_long_\n)", 10},  // TestParenExprPretty
  {"((foo_long))", "(\n  (foo_long)\n)", 10},  // TestParenExprPretty
  {"((_foo_long_))", "(\n  (\n    _foo_long_\n  )\n)", 10},  // TestParenExprPretty
  {"(((foo_long)))", "(\n  (\n    (foo_long)\n  )\n)", 10},  // TestParenExprPretty
  {"a @ 1", "a @ 1.000", 10},  // TestStepInvariantExpr
  {"a @ start()", "a @ start()", 10},  // TestStepInvariantExpr
  {"vector_selector @ start()", "vector_selector @ start()", 10},  // TestStepInvariantExpr
  {"(1 + 2)", "(1 + 2)", 10},  // TestExprPretty
  {"(foo + bar)", "(\n  foo + bar\n)", 10},  // TestExprPretty
  {"(foo_long + bar_long)", "(\n    foo_long\n  +\n    bar_long\n)", 10},  // TestExprPretty
  {"(foo_long + bar_long + bar_2_long)", "(\n      foo_long\n    +\n      bar_long\n  +\n    bar_2_long\n)", 10},  // TestExprPretty
  {"((foo_long + bar_long) + bar_2_long)", "(\n    (\n        foo_long\n      +\n        bar_long\n    )\n  +\n    bar_2_long\n)", 10},  // TestExprPretty
  {"(1111 + 2222)", "(\n    1111\n  +\n    2222\n)", 10},  // TestExprPretty
  {"(sum_over_time(foo[1m]))", "(\n  sum_over_time(\n    foo[1m]\n  )\n)", 10},  // TestExprPretty
  {"histogram_quantile(0.9, rate(foo[1m] @ start()))", "histogram_quantile(\n  0.9,\n  rate(\n    foo[1m] @ start()\n  )\n)", 10},  // TestExprPretty
  {"(label_replace(up{job=\"api-server\",service=\"a:c\"}, \"foo\", \"$1\", \"service\", \"(.*):.*\"))", "(\n  label_replace(\n    up{job=\"api-server\",service=\"a:c\"},\n    \"foo\",\n    \"$1\",\n    \"service\",\n    \"(.*):.*\"\n  )\n)", 10},  // TestExprPretty
  {"(label_replace(label_replace(up{job=\"api-server\",service=\"a:c\"}, \"foo\", \"$1\", \"service\", \"(.*):.*\"), \"foo\", \"$1\", \"service\", \"(.*):.*\"))", "(\n  label_replace(\n    label_replace(\n      up{job=\"api-server\",service=\"a:c\"},\n      \"foo\",\n      \"$1\",\n      \"service\",\n      \"(.*):.*\"\n    ),\n    \"foo\",\n    \"$1\",\n    \"service\",\n    \"(.*):.*\"\n  )\n)", 10},  // TestExprPretty
  {"(label_replace(label_replace((up{job=\"api-server\",service=\"a:c\"}), \"foo\", \"$1\", \"service\", \"(.*):.*\"), \"foo\", \"$1\", \"service\", \"(.*):.*\"))", "(\n  label_replace(\n    label_replace(\n      (\n        up{job=\"api-server\",service=\"a:c\"}\n      ),\n      \"foo\",\n      \"$1\",\n      \"service\",\n      \"(.*):.*\"\n    ),\n    \"foo\",\n    \"$1\",\n    \"service\",\n    \"(.*):.*\"\n  )\n)", 10},  // TestExprPretty
  {"(node_filesystem_avail_bytes{job=\"node\",fstype!=\"\"} / node_filesystem_size_bytes{job=\"node\",fstype!=\"\"} * 100 < 40 and predict_linear(node_filesystem_avail_bytes{job=\"node\",fstype!=\"\"}[6h], 24*60*60) < 0 and node_filesystem_readonly{job=\"node\",fstype!=\"\"} == 0)", "(\n            node_filesystem_avail_bytes{fstype!=\"\",job=\"node\"}\n          /\n            node_filesystem_size_bytes{fstype!=\"\",job=\"node\"}\n        *\n          100\n      <\n        40\n    and\n        predict_linear(\n          node_filesystem_avail_bytes{fstype!=\"\",job=\"node\"}[6h],\n            24 * 60\n          *\n            60\n        )\n      <\n        0\n  and\n      node_filesystem_readonly{fstype!=\"\",job=\"node\"}\n    ==\n      0\n)", 10},  // TestExprPretty
  {"(node_filesystem_avail_bytes{job=\"node\",fstype!=\"\"} / node_filesystem_size_bytes{job=\"node\",fstype!=\"\"} * 100 < 20 and predict_linear(node_filesystem_avail_bytes{job=\"node\",fstype!=\"\"}[6h], 4*60*60) < 0 and node_filesystem_readonly{job=\"node\",fstype!=\"\"} == 0)", "(\n            node_filesystem_avail_bytes{fstype!=\"\",job=\"node\"}\n          /\n            node_filesystem_size_bytes{fstype!=\"\",job=\"node\"}\n        *\n          100\n      <\n        20\n    and\n        predict_linear(\n          node_filesystem_avail_bytes{fstype!=\"\",job=\"node\"}[6h],\n            4 * 60\n          *\n            60\n        )\n      <\n        0\n  and\n      node_filesystem_readonly{fstype!=\"\",job=\"node\"}\n    ==\n      0\n)", 10},  // TestExprPretty
  {"(node_timex_offset_seconds > 0.05 and deriv(node_timex_offset_seconds[5m]) >= 0) or (node_timex_offset_seconds < -0.05 and deriv(node_timex_offset_seconds[5m]) <= 0)", "  (\n        node_timex_offset_seconds\n      >\n        0.05\n    and\n        deriv(\n          node_timex_offset_seconds[5m]\n        )\n      >=\n        0\n  )\nor\n  (\n        node_timex_offset_seconds\n      <\n        -0.05\n    and\n        deriv(\n          node_timex_offset_seconds[5m]\n        )\n      <=\n        0\n  )", 10},  // TestExprPretty
  {"1 - ((node_memory_MemAvailable_bytes{job=\"node\"} or (node_memory_Buffers_bytes{job=\"node\"} + node_memory_Cached_bytes{job=\"node\"} + node_memory_MemFree_bytes{job=\"node\"} + node_memory_Slab_bytes{job=\"node\"}) ) / node_memory_MemTotal_bytes{job=\"node\"})", "  1\n-\n  (\n      (\n          node_memory_MemAvailable_bytes{job=\"node\"}\n        or\n          (\n                  node_memory_Buffers_bytes{job=\"node\"}\n                +\n                  node_memory_Cached_bytes{job=\"node\"}\n              +\n                node_memory_MemFree_bytes{job=\"node\"}\n            +\n              node_memory_Slab_bytes{job=\"node\"}\n          )\n      )\n    /\n      node_memory_MemTotal_bytes{job=\"node\"}\n  )", 10},  // TestExprPretty
  {"min by (job, integration) (rate(alertmanager_notifications_failed_total{job=\"alertmanager\", integration=~\".*\"}[5m]) / rate(alertmanager_notifications_total{job=\"alertmanager\", integration=\"~.*\"}[5m])) > 0.01", "  min by (job, integration) (\n      rate(\n        alertmanager_notifications_failed_total{integration=~\".*\",job=\"alertmanager\"}[5m]\n      )\n    /\n      rate(\n        alertmanager_notifications_total{integration=\"~.*\",job=\"alertmanager\"}[5m]\n      )\n  )\n>\n  0.01", 10},  // TestExprPretty
  {"(count by (job) (changes(process_start_time_seconds{job=\"alertmanager\"}[10m]) > 4) / count by (job) (up{job=\"alertmanager\"})) >= 0.5", "  (\n      count by (job) (\n          changes(\n            process_start_time_seconds{job=\"alertmanager\"}[10m]\n          )\n        >\n          4\n      )\n    /\n      count by (job) (\n        up{job=\"alertmanager\"}\n      )\n  )\n>=\n  0.5", 10},  // TestExprPretty
  {"-1", "-1", 10},  // TestUnaryPretty
  {"-vector_selector", "-vector_selector", 10},  // TestUnaryPretty
  {"(-vector_selector)", "(\n  -vector_selector\n)", 10},  // TestUnaryPretty
  {"-histogram_quantile(0.9,rate(foo[1m]))", "-histogram_quantile(\n  0.9,\n  rate(\n    foo[1m]\n  )\n)", 10},  // TestUnaryPretty
  {"-histogram_quantile(0.99, sum by (le) (rate(foo[1m])))", "-histogram_quantile(\n  0.99,\n  sum by (le) (\n    rate(\n      foo[1m]\n    )\n  )\n)", 10},  // TestUnaryPretty
  {"-histogram_quantile(0.9, -rate(foo[1m] @ start()))", "-histogram_quantile(\n  0.9,\n  -rate(\n    foo[1m] @ start()\n  )\n)", 10},  // TestUnaryPretty
  {"(-histogram_quantile(0.9, -rate(foo[1m] @ start())))", "(\n  -histogram_quantile(\n    0.9,\n    -rate(\n      foo[1m] @ start()\n    )\n  )\n)", 10},  // TestUnaryPretty
  {"rate(foo[2*1h])", "rate(\n  foo[2 * 1h]\n)", 10},  // TestDurationExprPretty
  {"rate(foo[2*1h])", "rate(\n  foo[2 * 1h]\n)", 10},  // TestDurationExprPretty
  {"rate(foo[-5m+35m])", "rate(\n  foo[-5m + 35m]\n)", 10},  // TestDurationExprPretty
};
// clang-format on

TEST_CASE("Format matches Prometheus' String()", "[promql][printer]") {
  const ParseOptions opts = ParseOptions::AllEnabled();
  for (const FormatCase& c : kFormatCases) {
    INFO("query: " << c.in);
    auto e = ParseExpr(c.in, opts);
    REQUIRE(e.ok());
    const std::string out = Format(**e);
    CHECK(out == c.out);
    // The printed form is canonical: printing it again changes nothing.
    auto again = ParseExpr(out, opts);
    REQUIRE(again.ok());
    CHECK(Format(**again) == out);
  }
}

TEST_CASE("Prettify matches Prometheus' prettier", "[promql][printer]") {
  const ParseOptions opts = ParseOptions::AllEnabled();
  for (const PrettyCase& c : kPrettyCases) {
    INFO("query: " << c.in);
    auto e = ParseExpr(c.in, opts);
    REQUIRE(e.ok());
    CHECK(Prettify(**e, c.max_line) == c.out);
  }
}

TEST_CASE("printing details", "[promql][printer]") {
  const ParseOptions opts = ParseOptions::AllEnabled();
  struct {
    const char* in;
    const char* out;
  } cases[] = {
      {"sum by (job) (rate(x[5m]))", "sum by (job) (rate(x[5m]))"},
      {"a + on(b) group_left(c) d", "a + on (b) group_left (c) d"},
      {"1e6", "1000000"},
      {"0x1F", "31"},
      {"-Inf", "-Inf"},
      {"NaN", "NaN"},
      {"a + fill(1e6) b", "a + fill (1e+06) b"},
      {"x offset -1h30m", "x offset -1h30m"},
      {"x[90m]", "x[1h30m]"},
      {"x[1d]", "x[1d]"},
      {"x[14d]", "x[2w]"},
      {"x[0.5]", "x[500ms]"},
      {"x @ -1.5", "x @ -1.500"},
      {"\"a\\nb\\u00e4\\x01\"", "\"a\\nbä\\x01\""},
      {"{\"my.metric\", \"a.b\"=\"x\"}", "{\"a.b\"=\"x\",__name__=\"my.metric\"}"},
      {"x{a=~\"b|c\"} unless y", "x{a=~\"b|c\"} unless y"},
      {"a </ b", "a </ b"},
      {"a >/ b", "a >/ b"},
      {"sum without () (x)", "sum without () (x)"},
      {"count_values(\"v\", x) by (a)", "count_values by (a) (\"v\", x)"},
      {"x[5m:] @ end()", "x[5m:] @ end()"},
      {"foo[(5m):(1m)] offset (2m)", "foo[(5m):(1m)] offset (2m)"},
  };
  for (const auto& c : cases) {
    INFO("query: " << c.in);
    auto e = ParseExpr(c.in, opts);
    REQUIRE(e.ok());
    CHECK(Format(**e) == c.out);
  }
}

TEST_CASE("DumpTree shows fields and positions", "[promql][printer]") {
  auto e = ParseExpr("foo + on(a) bar");
  REQUIRE(e.ok());
  CHECK(DumpTree(**e) ==
        "Bin(+ card=one-to-one on match=(a) VS(\"foo\" {__name__=\"foo\"})[0:3] "
        "VS(\"bar\" {__name__=\"bar\"})[12:15])[0:15]");
}

}  // namespace
}  // namespace promlite::promql
