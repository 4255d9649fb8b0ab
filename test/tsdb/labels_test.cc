#include <catch2/catch.hpp>

#include "absl/container/flat_hash_set.h"
#include "promlite/tsdb/labels.h"
#include "promlite/tsdb/matcher.h"

using namespace promlite::tsdb;

TEST_CASE("Labels are sorted, drop empty values and compare by content", "[labels]") {
  Labels a{{"job", "api"}, {"__name__", "up"}, {"empty", ""}, {"instance", "h:9100"}};
  REQUIRE(a.size() == 3);
  CHECK(a[0].name == "__name__");
  CHECK(a[1].name == "instance");
  CHECK(a[2].name == "job");
  CHECK(a.Get("job") == "api");
  CHECK(a.Get("empty").empty());
  CHECK(!a.Has("empty"));
  CHECK(a.ToString() == "up{instance=\"h:9100\", job=\"api\"}");

  Labels b{{"instance", "h:9100"}, {"job", "api"}, {"__name__", "up"}};
  CHECK(a == b);
  CHECK(a.Hash() == b.Hash());
  Labels c = a;  // shares the buffer
  CHECK(c == a);
  Labels d{{"__name__", "up"}, {"instance", "h:9100"}, {"job", "apj"}};
  CHECK(a != d);
  CHECK(Compare(a, d) < 0);
  CHECK(a < d);
}

TEST_CASE("Labels hash separates names from values", "[labels]") {
  Labels a{{"ab", "c"}};
  Labels b{{"a", "bc"}};
  CHECK(a != b);
  CHECK(a.Hash() != b.Hash());
  absl::flat_hash_set<Labels> set{a, b, a};
  CHECK(set.size() == 2);
}

TEST_CASE("Labels compare as Prometheus' labels.Compare", "[labels]") {
  Labels shortl{{"a", "1"}};
  Labels longl{{"a", "1"}, {"b", "2"}};
  CHECK(Compare(shortl, longl) < 0);
  CHECK(Compare(longl, shortl) > 0);
  CHECK(Compare(Labels(), shortl) < 0);
  CHECK(Compare(Labels(), Labels()) == 0);
}

TEST_CASE("Labels validation follows Prometheus 3 rules", "[labels]") {
  CHECK(Labels{{"__name__", "up"}}.Validate().ok());
  CHECK(Labels{{"service.name", "x"}, {"__name__", "http.server.duration"}}.Validate().ok());
  CHECK(!Labels().Validate().ok());
  CHECK(Labels().Validate().message() == "empty label set");
  auto dup = Labels::FromPairs({{"a", "1"}, {"a", "2"}});
  auto st = dup.Validate();
  CHECK(!st.ok());
  CHECK(st.message().find("duplicate label name") != std::string::npos);
  auto badutf = Labels::FromPairs({{"a\xff", "1"}});
  CHECK(!badutf.Validate().ok());
  auto badval = Labels::FromPairs({{"a", "\xc3\x28"}});
  CHECK(!badval.Validate().ok());
  CHECK(IsValidLegacyLabelName("a_1"));
  CHECK(!IsValidLegacyLabelName("1a"));
  CHECK(IsValidLegacyMetricName("a:b"));
  CHECK(!IsValidLegacyLabelName("a:b"));
  CHECK(IsValidUtf8("h\xc3\xa9llo"));
  CHECK(!IsValidUtf8("\xed\xa0\x80"));  // surrogate
  CHECK(!IsValidUtf8("\xc0\x80"));      // overlong NUL
}

TEST_CASE("LabelsBuilder sets, deletes and keeps", "[labels]") {
  Labels base{{"__name__", "up"}, {"job", "a"}, {"instance", "x"}};
  LabelsBuilder b(base);
  b.Set("job", "b").Set("zone", "eu").Del("instance");
  Labels out = b.Build();
  CHECK(out.ToString() == "up{job=\"b\", zone=\"eu\"}");
  b.Set("zone", "");
  CHECK(b.Build().ToString() == "up{job=\"b\"}");
  LabelsBuilder k(base);
  k.Keep({"job"});
  CHECK(k.Build().ToString() == "{job=\"a\"}");
  CHECK(LabelsBuilder(base).Build() == base);
}

TEST_CASE("Labels parse from text", "[labels]") {
  Labels l;
  REQUIRE(Labels::Parse("up{job=\"a\\\"b\", instance=\"x\"}", &l).ok());
  CHECK(l.Get("job") == "a\"b");
  CHECK(l.MetricName() == "up");
  REQUIRE(Labels::Parse("{\"my.metric\", \"a.b\"=\"x\"}", &l).ok());
  CHECK(l.MetricName() == "my.metric");
  CHECK(l.Get("a.b") == "x");
  CHECK(l.ToString() == "{\"my.metric\", \"a.b\"=\"x\"}");
  CHECK(!Labels::Parse("up{job=}", &l).ok());
  CHECK(!Labels::Parse("up{job=\"x\"", &l).ok());
  CHECK(!Labels::Parse("up{job=\"x\"} junk", &l).ok());
}

TEST_CASE("Label hashes for grouping", "[labels]") {
  Labels a{{"__name__", "x"}, {"job", "a"}, {"instance", "1"}};
  Labels b{{"__name__", "y"}, {"job", "a"}, {"instance", "2"}};
  CHECK(a.HashForLabels({"job"}) == b.HashForLabels({"job"}));
  CHECK(a.HashForLabels({"instance", "job"}) != b.HashForLabels({"instance", "job"}));
  CHECK(a.HashWithoutLabels({"instance"}) == b.HashWithoutLabels({"instance"}));
}

struct MatchCase {
  MatchType type;
  const char* pattern;
  const char* value;
  bool want;
};

TEST_CASE("Matcher semantics table", "[matcher]") {
  const MatchCase cases[] = {
      {MatchType::kEqual, "a", "a", true},
      {MatchType::kEqual, "a", "b", false},
      {MatchType::kEqual, "", "", true},
      {MatchType::kNotEqual, "a", "a", false},
      {MatchType::kNotEqual, "a", "", true},
      {MatchType::kRegexMatch, "a.*", "abc", true},
      {MatchType::kRegexMatch, "a.*", "xabc", false},  // anchored at start
      {MatchType::kRegexMatch, "b", "abc", false},     // anchored at both ends
      {MatchType::kRegexMatch, ".*", "", true},
      {MatchType::kRegexMatch, ".+", "", false},
      {MatchType::kRegexMatch, ".+", "x", true},
      {MatchType::kRegexMatch, "a.b", "a\nb", true},   // . matches newline
      {MatchType::kRegexMatch, ".*", "line1\nline2", true},
      {MatchType::kRegexMatch, "foo|bar", "bar", true},
      {MatchType::kRegexMatch, "foo|bar", "foobar", false},
      {MatchType::kRegexMatch, "foo|bar", "", false},
      {MatchType::kRegexMatch, "foo|", "", true},
      {MatchType::kRegexMatch, "5..|4..", "503", true},
      {MatchType::kRegexMatch, "(?i)ABC", "abc", true},
      {MatchType::kRegexMatch, "a|b.*", "bcd", true},
      {MatchType::kRegexMatch, "pre.*", "prefix", true},
      {MatchType::kRegexMatch, "pre.*", "pr", false},
      {MatchType::kRegexMatch, "pre.*", "pre\nx", true},
      {MatchType::kRegexNoMatch, "a.*", "abc", false},
      {MatchType::kRegexNoMatch, "a.*", "", true},
      {MatchType::kRegexNoMatch, ".*", "", false},
      {MatchType::kRegexMatch, "", "", true},
      {MatchType::kRegexMatch, "", "x", false},
  };
  for (const auto& c : cases) {
    auto m = Matcher::Make(c.type, "l", c.pattern);
    REQUIRE(m.ok());
    INFO(m->ToString() << " on \"" << c.value << "\"");
    CHECK(m->Matches(c.value) == c.want);
    CHECK(m->MatchesEmpty() == m->Matches(""));
  }
}

TEST_CASE("Matcher rejects invalid regexes with a clear error", "[matcher]") {
  auto m = Matcher::Make(MatchType::kRegexMatch, "l", "a(b");
  REQUIRE(!m.ok());
  CHECK(m.status().message().rfind("error parsing regexp: ", 0) == 0);
  CHECK(!Matcher::Make(MatchType::kRegexNoMatch, "l", "*").ok());
}

TEST_CASE("Missing labels match as the empty string", "[matcher]") {
  Labels l{{"__name__", "up"}};
  CHECK(MatchesAll(l, {Matcher::MustMake(MatchType::kEqual, "job", "")}));
  CHECK(MatchesAll(l, {Matcher::MustMake(MatchType::kNotEqual, "job", "x")}));
  CHECK(!MatchesAll(l, {Matcher::MustMake(MatchType::kRegexMatch, "job", ".+")}));
  CHECK(MatchesAll(l, {Matcher::MustMake(MatchType::kRegexMatch, "job", ".*")}));
  CHECK(Matcher::MustMake(MatchType::kRegexMatch, "a.b", "x").ToString() == "\"a.b\"=~\"x\"");
}

TEST_CASE("Matcher set optimisation only for pure literal alternations", "[matcher]") {
  CHECK(Matcher::MustMake(MatchType::kRegexMatch, "l", "a|b|c").SetMatches() == std::vector<std::string>{"a", "b", "c"});
  CHECK(Matcher::MustMake(MatchType::kRegexMatch, "l", "up|http.*").SetMatches().empty());
  CHECK(Matcher::MustMake(MatchType::kRegexMatch, "l", "x").SetMatches() == std::vector<std::string>{"x"});
  CHECK(Matcher::MustMake(MatchType::kRegexMatch, "l", "up|http.*").Matches("http_x"));
}
