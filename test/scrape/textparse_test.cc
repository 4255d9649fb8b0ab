#include <bit>
#include <charconv>
#include <random>
#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "promlite/scrape/textparse.h"
#include "promlite/tsdb/sample.h"

using namespace promlite::scrape;
using promlite::tsdb::Labels;

namespace {

struct Got {
  EntryType type;
  std::string series;  // raw series text, or family name for metadata
  std::string labels;  // Labels().ToString()
  std::string text;    // help/type/unit/comment text
  double value = 0;
  bool has_ts = false;
  int64_t ts = 0;
  bool has_ex = false;
  ParsedExemplar ex;
  size_t line = 0;
};

std::vector<Got> ParseAll(Parser& p) {
  std::vector<Got> out;
  for (;;) {
    auto e = p.Next();
    REQUIRE(e.ok());
    if (*e == EntryType::kEOF) break;
    Got g;
    g.type = *e;
    g.line = p.Line();
    switch (*e) {
      case EntryType::kSeries:
        g.series = std::string(p.Series());
        g.labels = p.Labels().ToString();
        g.value = p.Value();
        g.has_ts = p.HasTimestamp();
        g.ts = p.Timestamp();
        g.has_ex = p.Exemplar(&g.ex);
        break;
      case EntryType::kHelp:
        g.series = std::string(p.MetricFamily());
        g.text = std::string(p.Help());
        break;
      case EntryType::kType:
        g.series = std::string(p.MetricFamily());
        g.text = std::string(MetricTypeName(p.Type()));
        break;
      case EntryType::kUnit:
        g.series = std::string(p.MetricFamily());
        g.text = std::string(p.Unit());
        break;
      case EntryType::kComment:
        g.text = std::string(p.Comment());
        break;
      case EntryType::kEOF:
        break;
    }
    out.push_back(std::move(g));
  }
  return out;
}

absl::Status FirstError(Parser& p) {
  for (;;) {
    auto e = p.Next();
    if (!e.ok()) return e.status();
    if (*e == EntryType::kEOF) return absl::OkStatus();
    if (*e == EntryType::kSeries) (void)p.Labels();
  }
}

}  // namespace

TEST_CASE("text format: metadata, samples, escapes, timestamps", "[textparse]") {
  const std::string body =
      "# HELP go_gc_duration_seconds A summary of the GC invocation durations.\n"
      "# \tTYPE go_gc_duration_seconds summary\n"
      "go_gc_duration_seconds{quantile=\"0\"} 4.9351e-05\n"
      "go_gc_duration_seconds{quantile=\"0.25\",} 7.424100000000001e-05\n"
      "go_gc_duration_seconds{ quantile = \"1\" } 0.000342\n"
      "go_gc_duration_seconds_sum 1.0 1520879607789\n"
      "\n"
      "  # a free comment\n"
      "#no blank: also a comment\n"
      "# HELP nohelp\n"
      "# HELP esc Help with \\\\ and \\n and \\\" kept.\n"
      "# TYPE hist histogram\n"
      "hist_bucket{le=\"1\"} 2\n"
      "hist_bucket{le=\"+Inf\"} 3\n"
      "with_esc{a=\"x\\\"y\\\\z\\nw\\t\"} -Inf\n"
      "nan_value NaN\n"
      "no_comma{a=\"1\" b=\"2\"} +1e3\n"
      "{\"my.metric\",\"my.label\"=\"v\"} 7\n"
      "utf8{\"ü\"=\"ö\"} 8\n"
      "multi{a=\"line1\nline2\"} 9\n"
      "last 10";  // no final newline
  auto p = NewPromTextParser(body);
  auto got = ParseAll(*p);
  REQUIRE(got.size() == 20);
  CHECK(got[0].type == EntryType::kHelp);
  CHECK(got[0].series == "go_gc_duration_seconds");
  CHECK(got[0].text == "A summary of the GC invocation durations.");
  CHECK(got[1].type == EntryType::kType);
  CHECK(got[1].text == "summary");
  CHECK(got[2].series == "go_gc_duration_seconds{quantile=\"0\"}");
  CHECK(got[2].labels == "go_gc_duration_seconds{quantile=\"0.0\"}");  // normalised
  CHECK(got[2].value == 4.9351e-05);
  CHECK(!got[2].has_ts);
  CHECK(got[3].labels == "go_gc_duration_seconds{quantile=\"0.25\"}");
  CHECK(got[4].labels == "go_gc_duration_seconds{quantile=\"1.0\"}");
  CHECK(got[4].series == "go_gc_duration_seconds{ quantile = \"1\" }");
  CHECK(got[5].has_ts);
  CHECK(got[5].ts == 1520879607789);
  CHECK(got[6].type == EntryType::kComment);
  CHECK(got[6].text == "# a free comment");
  CHECK(got[7].text == "#no blank: also a comment");
  CHECK(got[8].type == EntryType::kHelp);
  CHECK(got[8].series == "nohelp");
  CHECK(got[8].text == "");
  CHECK(got[9].text == "Help with \\ and \n and \\\" kept.");
  CHECK(got[11].labels == "hist_bucket{le=\"1.0\"}");
  CHECK(got[12].labels == "hist_bucket{le=\"+Inf\"}");
  CHECK(got[13].labels == "with_esc{a=\"x\\\"y\\\\z\\nw\\\\t\"}");
  CHECK(std::isinf(got[13].value));
  CHECK(std::bit_cast<uint64_t>(got[14].value) == kNormalNaNBits);
  CHECK(got[15].labels == "no_comma{a=\"1\", b=\"2\"}");
  CHECK(got[15].value == 1000);
  CHECK(got[16].labels == "{\"my.metric\", \"my.label\"=\"v\"}");
  CHECK(got[17].labels == "utf8{\"ü\"=\"ö\"}");
  CHECK(got[18].labels == "multi{a=\"line1\\nline2\"}");
  CHECK(got[19].series == "last");
  CHECK(got[19].value == 10);
  CHECK(got[19].line == 22);
}

TEST_CASE("OpenMetrics: units, exemplars, float timestamps, EOF", "[textparse]") {
  const std::string body =
      "# TYPE foo_seconds counter\n"
      "# UNIT foo_seconds seconds\n"
      "# HELP foo_seconds Some \\\"help\\\".\n"
      "foo_seconds_total{a=\"b\"} 17.0 1520879607.789 # {id=\"counter-test\"} 5\n"
      "foo_seconds_created{a=\"b\"} 1520872607.123\n"
      "# TYPE bar histogram\n"
      "bar_bucket{le=\"0.5\"} 1 # {a=\"b\"} 0.3 123.5\n"
      "bar_bucket{le=\"+Inf\"} 2\n"
      "bar_count 2\n"
      "bar_created 1000\n"
      "# TYPE s stateset\n"
      "s{s=\"a\"} 1\n"
      "{\"dotted.name\",x=\"y\"} 3\n"
      "# EOF\n";
  auto p = NewOpenMetricsParser(body);
  auto got = ParseAll(*p);
  REQUIRE(got.size() == 13);
  CHECK(got[1].type == EntryType::kUnit);
  CHECK(got[1].text == "seconds");
  CHECK(got[2].text == "Some \"help\".");
  CHECK(got[3].labels == "foo_seconds_total{a=\"b\"}");
  CHECK(got[3].has_ts);
  CHECK(got[3].ts == 1520879607789);
  REQUIRE(got[3].has_ex);
  CHECK(got[3].ex.labels.ToString() == "{id=\"counter-test\"}");
  CHECK(got[3].ex.value == 5);
  CHECK(!got[3].ex.has_ts);
  CHECK(got[4].labels == "foo_seconds_created{a=\"b\"}");  // ingested like Prometheus by default
  CHECK(got[6].labels == "bar_bucket{le=\"0.5\"}");
  CHECK(got[6].ex.has_ts);
  CHECK(got[6].ex.ts == 123500);
  CHECK(got[11].labels == "s{s=\"a\"}");
  CHECK(got[12].labels == "{\"dotted.name\", x=\"y\"}");
}

TEST_CASE("OpenMetrics: _created lines give created timestamps and can be skipped", "[textparse]") {
  const std::string body =
      "# TYPE foo counter\n"
      "foo_total{a=\"1\"} 1\n"
      "foo_created{a=\"1\"} 1000.5\n"
      "foo_total{a=\"2\"} 2\n"
      "# TYPE h histogram\n"
      "h_bucket{le=\"1\"} 1\n"
      "h_bucket{le=\"+Inf\"} 1\n"
      "h_count 1\n"
      "h_sum 1\n"
      "h_created 7\n"
      "# EOF";
  ParserOptions opts;
  opts.skip_om_created_series = true;
  auto p = NewOpenMetricsParser(body, opts);
  std::vector<std::pair<std::string, int64_t>> seen;
  for (;;) {
    auto e = p->Next();
    REQUIRE(e.ok());
    if (*e == EntryType::kEOF) break;
    if (*e != EntryType::kSeries) continue;
    seen.emplace_back(std::string(p->Series()), p->CreatedTimestamp());
  }
  std::vector<std::pair<std::string, int64_t>> want = {
      {"foo_total{a=\"1\"}", 1000500}, {"foo_total{a=\"2\"}", 0}, {"h_bucket{le=\"1\"}", 7000},
      {"h_bucket{le=\"+Inf\"}", 7000}, {"h_count", 7000},         {"h_sum", 7000}};
  CHECK(seen == want);
}

TEST_CASE("malformed text format input names line and byte", "[textparse]") {
  struct Case {
    std::string in;
    std::string want;  // substring of the error
  };
  std::vector<Case> cases = {
      {"a 1\n#\n  a{", "line 3, byte 5: expected label name, got EOF"},
      {"a 1\nb{9=\"x\"} 1\n", "line 2, byte 3: expected label name, got \"9\""},
      {"a{b=\"x\" 1\n", "line 1, byte 9: expected label name, got \"1\""},
      {"a{b \"x\"} 1\n", "line 1, byte 5: expected equal, got \"\\\"x\\\"\""},
      {"a{b=x} 1\n", "line 1, byte 5: expected label value"},
      {"a{b=\"x} 1\n", "line 1, byte 5: expected label value"},
      {"a\n", "line 1, byte 2: expected value after metric"},
      {"a{}\n", "line 1, byte 4: expected value after metric"},
      {"a 1x\n", "line 1, byte 3: invalid float \"1x\""},
      {"a 0x1p3\n", "invalid float"},
      {"a 1_000\n", "invalid float"},
      {"a 1e500\n", "invalid float"},
      {"a +nan\n", "invalid float"},
      {"a 1 -1\n", "line 1, byte 5: expected timestamp or new record"},
      {"a 1 12a\n", "line 1, byte 7: expected next entry after timestamp"},
      {"a 1 99999999999999999999\n", "out of range"},
      {"a 1 2 3\n", "expected next entry after timestamp"},
      {"# TYPE a counte\n", "line 1, byte 10: invalid metric type \"counte\""},
      {"# TYPE a gaugehistogram\n", "invalid metric type"},
      {"# TYPE 1a counter\n", "expected metric name after TYPE"},
      {"# HELP\ta \xff\n", "not a valid utf8 string"},
      {"a{b=\"\xff\"} 1\n", "line 1, byte 5: invalid UTF-8 label value"},
      {"{b=\"c\"} 1\n", "line 1, byte 1: metric name not set"},
      {"a{\"x\",\"y\"} 1\n", "metric name already set"},
      {"=a 1\n", "line 1, byte 1: expected a valid start token"},
      {"ok 1\n\xff 1\n", "line 2, byte 1: expected a valid start token"},
      {"a{b=\"x\\\ny\"} 1\n", "expected label value"},
      {"a{b=\"1\"}{c=\"2\"} 1\n", "expected value after metric"},
      {"multi{a=\"l1\nl2\"} 1\nb{c=} 1\n", "line 3, byte 5: expected label value"},
      {std::string("a 1\n\0 b\n", 8), "line 2, byte 1: expected a valid start token"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto p = NewPromTextParser(c.in);
    absl::Status st = FirstError(*p);
    REQUIRE(!st.ok());
    CHECK_THAT(std::string(st.message()), Catch::Contains(c.want));
    // The parser stays failed.
    CHECK(!p->Next().ok());
  }
}

TEST_CASE("malformed OpenMetrics input names line and byte", "[textparse]") {
  struct Case {
    std::string in;
    std::string want;
  };
  std::vector<Case> cases = {
      {"a 1\n", "line 2, byte 1: data does not end with # EOF"},
      {"a 1", "data does not end with # EOF"},
      {"# EOF\na 1\n", "line 2, byte 1: unexpected data after # EOF"},
      {"# EOF\n\n", "unexpected data after # EOF"},
      {"\n# EOF\n", "line 1, byte 1: expected a valid start token"},
      {"a  1\n# EOF\n", "line 1, byte 2: expected value after metric"},
      {"a {b=\"c\"} 1\n# EOF\n", "invalid float"},
      {"a{b=\"c\" } 1\n# EOF\n", "line 1, byte 8: expected comma or brace close"},
      {"a{b=\"c\nd\"} 1\n# EOF\n", "expected label value"},
      {"# comment\n# EOF\n", "expected a valid start token"},
      {"#  HELP a x\n# EOF\n", "expected a valid start token"},
      {"# HELP a\n# EOF\n", "line 1, byte 9: expected text in HELP"},
      {"# TYPE a untyped\n# EOF\n", "invalid metric type \"untyped\""},
      {"# UNIT a_seconds bytes\n# EOF\n", "unit \"bytes\" not a suffix of metric \"a_seconds\""},
      {"# UNIT aseconds seconds\n# EOF\n", "not a suffix"},
      {"a 1 NaN\n# EOF\n", "invalid timestamp"},
      {"a 1 2 3\n# EOF\n", "line 1, byte 6: expected next entry after timestamp"},
      {"a 1 # {b=\"c\"}\n# EOF\n", "expected value after exemplar labels"},
      {"a 1 # {\"b\"} 1\n# EOF\n", "expected label name"},
      {"a 1 # {b=\"c\"} 1 2 3\n# EOF\n", "expected next entry after exemplar timestamp"},
      {"a 1 # {b=\"c\"} 1 Inf\n# EOF\n", "invalid exemplar timestamp"},
      {"a{b=\"\xc3\x28\"} 1\n# EOF\n", "invalid UTF-8 label value"},
      {"a 1\r\n# EOF\n", "invalid float"},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto p = NewOpenMetricsParser(c.in);
    absl::Status st = FirstError(*p);
    REQUIRE(!st.ok());
    CHECK_THAT(std::string(st.message()), Catch::Contains(c.want));
  }
}

TEST_CASE("ParsePromFloat follows Go's ParseFloat", "[textparse]") {
  double v;
  struct Ok {
    const char* in;
    double want;
  };
  for (Ok c : std::vector<Ok>{{"1", 1},
                              {"+1", 1},
                              {"-1.5", -1.5},
                              {".5", .5},
                              {"5.", 5},
                              {"1e3", 1000},
                              {"1E+3", 1000},
                              {"1e-3", 0.001},
                              {"1e-400", 0},
                              {"0.000000000000000000000000000000000000000000000000000000001e-300", 0},
                              {"4.9e-324", 4.9e-324}}) {
    INFO(c.in);
    REQUIRE(ParsePromFloat(c.in, &v));
    CHECK(v == c.want);
  }
  for (const char* s : {"Inf", "+inf", "-INF", "infinity", "+Infinity"}) {
    INFO(s);
    REQUIRE(ParsePromFloat(s, &v));
    CHECK(std::isinf(v));
  }
  REQUIRE(ParsePromFloat("nan", &v));
  CHECK(std::isnan(v));
  for (const char* s : {"", "+", "-", ".", "e5", "1e", "1e+", "0x10", "0x1p3", "1_0", "+nan", "-NaN", "nan(1)", "infx",
                        "1e400", "-1e400", " 1", "1 ", "1.2.3"}) {
    INFO(s);
    CHECK(!ParsePromFloat(s, &v));
  }
}

TEST_CASE("FormatOpenMetricsFloat matches Go's formatting", "[textparse]") {
  CHECK(FormatOpenMetricsFloat(0) == "0.0");
  CHECK(FormatOpenMetricsFloat(1) == "1.0");
  CHECK(FormatOpenMetricsFloat(-1) == "-1.0");
  CHECK(FormatOpenMetricsFloat(0.25) == "0.25");
  CHECK(FormatOpenMetricsFloat(2.5) == "2.5");
  CHECK(FormatOpenMetricsFloat(10) == "10.0");
  CHECK(FormatOpenMetricsFloat(100000) == "100000.0");
  CHECK(FormatOpenMetricsFloat(1e6) == "1e+06");
  CHECK(FormatOpenMetricsFloat(1.5e6) == "1.5e+06");
  CHECK(FormatOpenMetricsFloat(0.0001) == "0.0001");
  CHECK(FormatOpenMetricsFloat(0.00001) == "1e-05");
  CHECK(FormatOpenMetricsFloat(1e-300) == "1e-300");
  CHECK(FormatOpenMetricsFloat(123456.7) == "123456.7");
  CHECK(FormatOpenMetricsFloat(-0.005) == "-0.005");
  CHECK(FormatOpenMetricsFloat(std::numeric_limits<double>::infinity()) == "+Inf");
  CHECK(FormatOpenMetricsFloat(-std::numeric_limits<double>::infinity()) == "-Inf");
  CHECK(FormatOpenMetricsFloat(std::nan("")) == "NaN");
}

TEST_CASE("the parser is chosen by Content-Type like Prometheus 3", "[textparse]") {
  std::string warn;
  auto p = NewParserForContentType("a 1\n", "text/plain; version=0.0.4; charset=utf-8", "", {}, &warn);
  REQUIRE(p.ok());
  CHECK((*p)->format() == Format::kPrometheusText);
  CHECK(warn.empty());
  p = NewParserForContentType("# EOF\n", "application/openmetrics-text; version=1.0.0; charset=utf-8", "");
  REQUIRE(p.ok());
  CHECK((*p)->format() == Format::kOpenMetrics);
  p = NewParserForContentType("a 1\n", "Text/Plain", "");
  REQUIRE(p.ok());

  auto bad = NewParserForContentType("a 1\n", "", "");
  REQUIRE(!bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("blank Content-Type"));
  bad = NewParserForContentType("a 1\n", "application/json", "");
  REQUIRE(!bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("unsupported Content-Type \"application/json\""));
  bad = NewParserForContentType("a 1\n", "text/plain; version", "");
  REQUIRE(!bad.ok());
  CHECK_THAT(std::string(bad.status().message()), Catch::Contains("cannot parse Content-Type"));

  p = NewParserForContentType("a 1\n", "", "text/plain", {}, &warn);
  REQUIRE(p.ok());
  CHECK_THAT(warn, Catch::Contains("fallback_scrape_protocol"));
  p = NewParserForContentType("a 1\n", "text/html", "text/plain", {}, &warn);
  REQUIRE(p.ok());

  CHECK(*ParseMediaType("text/plain;") == "text/plain");
  CHECK(*ParseMediaType("text/plain; a=\"quoted \\\" x\"") == "text/plain");
  CHECK(!ParseMediaType("text/plain; a=1; A=2").ok());
  CHECK(!ParseMediaType("text/").ok());
  CHECK(!ParseMediaType("").ok());
}

TEST_CASE("Series() is the raw series text, stable as a cache key", "[textparse]") {
  auto p = NewPromTextParser("a{x=\"1\"} 1\na{x=\"1\"} 2 5\n  b 3\n");
  REQUIRE(*p->Next() == EntryType::kSeries);
  std::string_view first = p->Series();
  REQUIRE(*p->Next() == EntryType::kSeries);
  CHECK(p->Series() == first);
  CHECK(p->Series().data() != first.data());
  REQUIRE(*p->Next() == EntryType::kSeries);
  CHECK(p->Series() == "b");
  CHECK(p->MetricName() == "b");
  CHECK(*p->Next() == EntryType::kEOF);
  CHECK(*p->Next() == EntryType::kEOF);
}

TEST_CASE("ParsePromFloat's fast path rounds exactly like from_chars", "[textparse]") {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 200000; i++) {
    std::string s = std::to_string(rng() % 100000000000ull);
    int frac = static_cast<int>(rng() % 12);
    if (frac > 0 && static_cast<int>(s.size()) > frac) s.insert(s.size() - static_cast<size_t>(frac), ".");
    if (rng() % 4 == 0) s += "e" + std::to_string(static_cast<int>(rng() % 40) - 20);
    double got = 0, want = 0;
    bool ok = ParsePromFloat(s, &got);
    std::from_chars(s.data(), s.data() + s.size(), want);
    if (!ok || std::bit_cast<uint64_t>(got) != std::bit_cast<uint64_t>(want)) FAIL("mismatch for " << s);
  }
}
